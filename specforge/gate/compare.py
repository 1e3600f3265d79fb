"""Two spec files compared: the diff, both documents, and the SDK version bump it suggests.

Every output format (`specforge.gate.report`) renders a `Comparison`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from specforge.document.document import SpecDocument, load_document
from specforge.gate.diff import Change, DiffResult, diff_documents
from specforge.gate.semver import Bump, Version, suggest

if TYPE_CHECKING:
    from specforge.cli.lint import LineIndex

SURFACE_LABELS = (
    ("classes_added", "Classes added"),
    ("classes_removed", "Classes removed"),
    ("methods_added", "Methods added"),
    ("methods_removed", "Methods removed"),
    ("parameters_added", "Parameters added"),
    ("parameters_removed", "Parameters removed"),
)


@dataclass(frozen=True)
class Comparison:
    """OLD -> NEW: the diff, the documents, the bump, and how reports name the two files.

    `file` is the new spec as annotations and SARIF name it (relative to where they are read).
    """

    result: DiffResult
    old: SpecDocument
    new: SpecDocument
    bump: Bump
    old_label: str
    new_label: str
    file: str

    @functools.cached_property
    def _lines(self) -> LineIndex:
        from specforge.cli.lint import LineIndex  # only the formats with lines need it

        return LineIndex(self.new.spec.text)

    def line_of(self, pointer: str) -> int:
        """The line of `pointer` in the new spec (of its nearest ancestor there; 1 if none)."""
        return self._lines.line_of(pointer)


def load(path: Path, notes: list[str] | None = None) -> SpecDocument:
    """The document at `path`.

    Only the structure the OpenAPI schema gives is checked (`specforge validate` and the
    gate's validate step judge the rest): a document that breaks it is still compared, as
    written (a note says what is wrong); only one that cannot be read or parsed, or is not
    OpenAPI 3.x, is refused (SpecError, exit 2).
    """
    document = load_document(path, lenient=True, structural=True)
    if document.findings and notes is not None:
        first = document.findings[0].render(document.source)
        notes.append(
            f"{path}: not a valid OpenAPI document ({len(document.findings)} structural "
            f"finding(s), first: {first}); compared as written"
        )
    return document


def default_version(document: SpecDocument) -> Version:
    """The SDK version `specforge generate` gives a package of `document` (its info.version)."""
    from specforge.generator.pipeline import package_version  # the renderer: loaded when needed

    info = document.raw.get("info")
    api_version = str(info.get("version", "")) if isinstance(info, dict) else ""
    return Version.parse(package_version(api_version))


def compare(
    old: Path,
    new: Path,
    notes: list[str] | None = None,
    *,
    old_version: Version | None = None,
    old_label: str | None = None,
    file: str | None = None,
    release: bool = False,
) -> Comparison:
    """Diff `old` -> `new` and suggest the SDK version after `old_version` (default: the version
    generate gives OLD's package). With `release`, no change still gives a patch."""
    before, after = load(old, notes), load(new, notes)
    result = diff_documents(before.normalized, after.normalized)
    version = old_version or default_version(before)
    return Comparison(
        result=result,
        old=before,
        new=after,
        bump=suggest(result, version, release=release),
        old_label=old_label or str(old),
        new_label=str(new),
        file=file or relative(new),
    )


def relative(path: Path, root: Path | None = None) -> str:
    """`path` relative to `root` (default: the working folder) when inside it, POSIX style."""
    try:
        return path.resolve().relative_to((root or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def whom(change: Change) -> str:
    """`breaks clients, sdk` or `compatible`."""
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


def summary_line(result: DiffResult, bump: Bump | None = None) -> str:
    """`Suggested SDK version bump: minor (19 change(s): ...)`; the bump as applied to a version
    when `bump` is given (the 0.x rule), else as the diff alone suggests it."""
    counts = result.counts()
    level = bump.level if bump is not None else result.semver
    return (
        f"Suggested SDK version bump: {level} ({counts['changes']} change(s): "
        f"{counts['breaks_clients']} break clients, {counts['breaks_servers']} break servers, "
        f"{counts['breaks_sdk']} break the generated SDK)"
    )


def severity(change: Change) -> str:
    """How annotations rank a change: error (breaks SDK users), warning (breaks servers only),
    note (breaks nobody)."""
    return "error" if change.breaking else "warning" if change.breaks_servers else "note"
