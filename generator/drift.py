"""Compare a freshly generated package with the committed one.

Only what the generator owns is compared: the files the committed package's manifest lists
(or, before manifests, the files carrying the generated header in the folders the package
writes to) and the files the fresh generation writes. The manifest itself and the files
specforge did not write there (`build/`, `.git/`, `.env`, a hand-written `helpers.py`, ...) are
not drift.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from specforge.generator.output import MANIFEST, owned_paths


def tree_files(root: Path, only: set[str] | None = None) -> dict[str, bytes]:
    """Every file below `root` (caches and the manifest excluded; with `only`, just those), by
    relative POSIX path."""
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.relative_to(root).as_posix() != MANIFEST
        and (only is None or path.relative_to(root).as_posix() in only)
        and path.is_file()
        and "__pycache__" not in path.parts
        and ".egg-info" not in str(path)
        and not any(part.startswith(".") and part.endswith("cache") for part in path.parts)
    }


def unified_diff(committed: Path, fresh: Path) -> str:
    """A unified diff from `committed` to `fresh` ("" when identical)."""
    new = tree_files(fresh)
    owned = owned_paths(committed, set(new))
    old = tree_files(committed, None if owned is None else owned | set(new))
    chunks: list[str] = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        chunks.extend(
            difflib.unified_diff(
                _lines(before),
                _lines(after),
                fromfile=f"{committed.as_posix()}/{name}" if before is not None else "/dev/null",
                tofile=f"(regenerated)/{name}" if after is not None else "/dev/null",
            )
        )
    return "".join(chunks)


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    return data.decode("utf-8", errors="replace").splitlines(keepends=True)
