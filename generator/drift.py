"""Compare a freshly generated package with the committed one."""

from __future__ import annotations

import difflib
from pathlib import Path


def tree_files(root: Path) -> dict[str, bytes]:
    """Every file below `root` (caches excluded), by relative POSIX path."""
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and "__pycache__" not in path.parts
        and ".egg-info" not in str(path)
        and not any(part.startswith(".") and part.endswith("cache") for part in path.parts)
    }


def unified_diff(committed: Path, fresh: Path) -> str:
    """A unified diff from `committed` to `fresh` ("" when identical)."""
    old, new = tree_files(committed), tree_files(fresh)
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
