"""Compare a freshly generated package with the committed one.

Only what the generator owns is compared: the files the committed package's manifest lists
(or, before manifests, the files carrying the generated header in the folders the package
writes to) and the files the fresh generation writes. The manifest itself and the files
specforge did not write there (`build/`, `.git/`, `.env`, a hand-written `helpers.py`, ...) are
not drift.

`differs` compares file digests only (what `specforge check` does first, so that a package the
cache knows is checked without rendering it); `diff_files` writes the diff.
"""

from __future__ import annotations

import difflib
import hashlib
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
    return diff_files(committed, tree_files(fresh))


def _committed(committed: Path, new: set[str]) -> dict[str, bytes]:
    """The files of `committed` a generation writing `new` is compared on."""
    owned = owned_paths(committed, new)
    return tree_files(committed, None if owned is None else owned | new)


def differs(committed: Path, digests: dict[str, str]) -> bool:
    """Whether `committed` is not the package whose files have these sha256 (by path)."""
    old = _committed(committed, set(digests))
    return set(old) != set(digests) or any(
        hashlib.sha256(data).hexdigest() != digests[name] for name, data in old.items()
    )


def diff_files(committed: Path, new: dict[str, bytes]) -> str:
    """A unified diff from `committed` to the files `new` (relative path -> bytes)."""
    old = _committed(committed, set(new))
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
