"""The diff as GitHub Actions workflow commands: one annotation per change on the new spec.

`::error` for a change that breaks SDK users, `::warning` for one that breaks only servers,
`::notice` for one that breaks nobody, each at the line of its JSON pointer in the new spec (of
its nearest ancestor there, for something removed); then one `::notice` with the suggested SDK
version bump. Every line comes from `github_annotation`, so no text can end a command early or
start another one.
"""

from __future__ import annotations

from specforge.gate.compare import Comparison, severity, summary_line, whom
from specforge.generator.escaping import github_annotation

_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def as_annotations(comparison: Comparison) -> str:
    """One workflow command per change, then the summary notice."""
    lines = [
        github_annotation(
            _LEVELS[severity(change)],
            f"{change.pointer}: {change.message} ({whom(change)})",
            file=comparison.file,
            line=comparison.line_of(change.pointer),
            title=f"spec diff: {change.category}",
        )
        for change in comparison.result.changes
    ]
    result, bump = comparison.result, comparison.bump
    summary = (
        f"{summary_line(result, bump)}; SDK version {bump.describe()}"
        if result.changes
        else "No changes. Suggested SDK version bump: none"
    )
    lines.append(github_annotation("notice", summary, title="spec diff"))
    return "\n".join(lines)
