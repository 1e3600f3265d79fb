"""Diff results in every output format, and the --fail-on rule (used by the CLI and the gate).

Formats: text, json, markdown (here), github (`specforge.gate.github`), sarif
(`specforge.gate.sarif`) and changelog (`specforge.gate.changelog`). Every string that comes from
a spec passes the escaper of the format's syntax (`specforge.generator.escaping`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from specforge.document.document import SpecDocument
from specforge.gate import changelog, github, sarif
from specforge.gate.compare import SURFACE_LABELS, Comparison, load, summary_line, whom
from specforge.gate.diff import DiffResult, diff_documents
from specforge.generator.escaping import (
    json_report,
    markdown_cell_code,
    markdown_code,
    markdown_text,
    plain_text,
)

FORMATS = ("text", "json", "markdown", "github", "sarif", "changelog")
THRESHOLDS = ("breaking", "any", "none")


def load_normalized(path: Path, notes: list[str] | None = None) -> dict[str, Any]:
    """The document at `path`, normalised (see `specforge.gate.compare.load`)."""
    document: SpecDocument = load(path, notes)
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


def render(comparison: Comparison, fmt: str, date: str | None = None) -> str:
    """The comparison in one of FORMATS (`date` heads a changelog entry)."""
    renderers: dict[str, Callable[[Comparison], str]] = {
        "text": as_text,
        "json": lambda c: json_report(as_json(c)),
        "markdown": as_markdown,
        "github": github.as_annotations,
        "sarif": lambda c: json_report(sarif.as_sarif(c)),
        "changelog": lambda c: changelog.entry(c, date).rstrip("\n"),
    }
    return renderers[fmt](comparison)


def as_json(comparison: Comparison) -> dict[str, Any]:
    """`summary` (counts, `breaking`, `semver`: the suggested bump), `changes`, `sdk_surface`."""
    result = comparison.result
    return {
        "old": comparison.old_label,
        "new": comparison.new_label,
        "summary": {
            **result.counts(),
            "breaking": result.breaking,
            "semver": bump_word(comparison),
        },
        "changes": [change.as_dict() for change in result.changes],
        "sdk_surface": result.surface,
    }


def bump_word(comparison: Comparison) -> str:
    """The suggested bump (0.x rule applied; none when nothing changed)."""
    return comparison.bump.level if comparison.result.changes else "none"


def version_line(comparison: Comparison) -> str:
    """`SDK version: 2.0.0 -> 2.1.0` ("" when nothing changed)."""
    return f"SDK version: {comparison.bump.describe()}" if comparison.result.changes else ""


def as_text(comparison: Comparison) -> str:
    result = comparison.result
    lines = [
        f"[{c.category}] #{plain_text(c.pointer)}: {plain_text(c.message)} ({whom(c)})"
        for c in result.changes
    ]
    for key, label in SURFACE_LABELS:
        if result.surface.get(key):
            names = ", ".join(plain_text(name) for name in result.surface[key])
            lines.append(f"SDK {label.lower()}: {names}")
    if not result.changes:
        return "\n".join([*lines, "No changes. Suggested SDK version bump: none"])
    return "\n".join([*lines, version_line(comparison), summary_line(result, comparison.bump)])


def as_markdown(comparison: Comparison) -> str:
    """A pull-request comment: verdict, summary line, SDK version, changes table, SDK surface."""
    result = comparison.result
    verdict = (
        "Breaking change(s) for SDK users"
        if result.breaking
        else "No breaking change for SDK users"
    )
    icon = ":x:" if result.breaking else ":white_check_mark:"
    old, new = markdown_code(comparison.old_label), markdown_code(comparison.new_label)
    summary = summary_line(result, comparison.bump)
    lines = ["## Spec diff", "", f"{old} → {new}", "", f"{icon} **{verdict}.** {summary}"]
    if not result.changes:
        lines += ["", "No changes to the API contract."]
    else:
        bump = comparison.bump
        versions = f"{markdown_code(str(bump.old))} → {markdown_code(str(bump.new))}"
        if bump.zero_rule:
            versions += " (breaking changes bump the minor version while the major is 0)"
        lines += [
            "",
            f"SDK version: {versions}",
            "",
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
                f"| {markdown_cell_code(c.category)} | {markdown_cell_code(c.pointer)} | "
                f"{markdown_text(c.message)} | {' | '.join(marks)} |"
            )
    surface = [(label, result.surface.get(key, [])) for key, label in SURFACE_LABELS]
    if any(names for _, names in surface):
        lines += ["", "### Generated SDK surface", ""]
        lines += [
            f"- {label}: {', '.join(markdown_code(n) for n in names)}"
            for label, names in surface
            if names
        ]
    lines += [
        "",
        "<sub>Clients: existing SDK users against a server implementing the new spec. "
        "Servers: implementations of the old spec. SDK: the generated source changes "
        "incompatibly.</sub>",
        "",
    ]
    return "\n".join(lines)
