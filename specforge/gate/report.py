"""Diff results as text, JSON and Markdown, and the --fail-on rule (used by the CLI and the gate)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from specforge.document.document import load_document
from specforge.gate.diff import Change, DiffResult, diff_documents

FORMATS = ("text", "json", "markdown")
THRESHOLDS = ("breaking", "any", "none")
_SURFACE_LABELS = (
    ("classes_added", "Classes added"),
    ("classes_removed", "Classes removed"),
    ("methods_added", "Methods added"),
    ("methods_removed", "Methods removed"),
    ("parameters_added", "Parameters added"),
    ("parameters_removed", "Parameters removed"),
)


def load_normalized(path: Path, notes: list[str] | None = None) -> dict[str, Any]:
    """The document at `path`, normalised.

    A document the validator rejects is still compared, as written (a note says what is
    invalid); only one that cannot be read or parsed, or is not OpenAPI 3.x, is refused
    (SpecError, exit 2).
    """
    document = load_document(path, lenient=True)
    if document.findings and notes is not None:
        first = document.findings[0].render(document.source)
        notes.append(
            f"{path}: not a valid OpenAPI document ({len(document.findings)} finding(s), "
            f"first: {first}); compared as written"
        )
    return document.normalized


def diff_files(old: Path, new: Path, notes: list[str] | None = None) -> DiffResult:
    return diff_documents(load_normalized(old, notes), load_normalized(new, notes))


def fails(result: DiffResult, threshold: str) -> bool:
    """Whether `result` meets the --fail-on threshold."""
    if threshold == "any":
        return bool(result.changes)
    if threshold == "breaking":
        return result.breaking
    return False


def summary_line(result: DiffResult) -> str:
    counts = result.counts()
    return (
        f"Suggested SDK version bump: {result.semver} ({counts['changes']} change(s): "
        f"{counts['breaks_clients']} break clients, {counts['breaks_servers']} break servers, "
        f"{counts['breaks_sdk']} break the generated SDK)"
    )


def render(result: DiffResult, fmt: str, old: str, new: str) -> str:
    """The result in one of FORMATS."""
    if fmt == "json":
        return json.dumps(as_json(result, old, new), indent=2)
    if fmt == "markdown":
        return as_markdown(result, old, new)
    return as_text(result)


def as_json(result: DiffResult, old: str, new: str) -> dict[str, Any]:
    return {
        "old": old,
        "new": new,
        "summary": {**result.counts(), "breaking": result.breaking, "semver": result.semver},
        "changes": [change.as_dict() for change in result.changes],
        "sdk_surface": result.surface,
    }


def _whom(change: Change) -> str:
    parts = [
        name
        for name, flag in (
            ("clients", change.breaks_clients),
            ("servers", change.breaks_servers),
            ("sdk", change.breaks_sdk),
        )
        if flag
    ]
    return f"breaks {', '.join(parts)}" if parts else "compatible"


def as_text(result: DiffResult) -> str:
    lines = [f"[{c.category}] #{c.pointer}: {c.message} ({_whom(c)})" for c in result.changes]
    for key, label in _SURFACE_LABELS:
        if result.surface.get(key):
            lines.append(f"SDK {label.lower()}: {', '.join(result.surface[key])}")
    lines.append(
        summary_line(result) if result.changes else "No changes. Suggested SDK version bump: none"
    )
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(result: DiffResult, old: str, new: str) -> str:
    """A pull-request comment: verdict, summary line, changes table, SDK surface."""
    verdict = (
        "Breaking change(s) for SDK users"
        if result.breaking
        else "No breaking change for SDK users"
    )
    icon = ":x:" if result.breaking else ":white_check_mark:"
    lines = [
        "## Spec diff",
        "",
        f"`{old}` → `{new}`",
        "",
        f"{icon} **{verdict}.** {summary_line(result)}",
        "",
    ]
    if not result.changes:
        lines.append("No changes to the API contract.")
    else:
        lines += [
            "| Category | Where | Change | Clients | Servers | SDK |",
            "|---|---|---|---|---|---|",
        ]
        ordered = sorted(
            result.changes, key=lambda c: (not c.breaking, not c.breaks_servers, c.pointer)
        )
        for c in ordered:
            marks = [
                "**breaks**" if flag else "ok"
                for flag in (c.breaks_clients, c.breaks_servers, c.breaks_sdk)
            ]
            lines.append(
                f"| `{c.category}` | `{_cell(c.pointer)}` | {_cell(c.message)} | {' | '.join(marks)} |"
            )
    surface = [(label, result.surface.get(key, [])) for key, label in _SURFACE_LABELS]
    if any(names for _, names in surface):
        lines += ["", "### Generated SDK surface", ""]
        lines += [
            f"- {label}: {', '.join(f'`{n}`' for n in names)}" for label, names in surface if names
        ]
    lines += [
        "",
        "<sub>Clients: existing SDK users against a server implementing the new spec. "
        "Servers: implementations of the old spec. SDK: the generated source changes "
        "incompatibly.</sub>",
        "",
    ]
    return "\n".join(lines)
