"""What the mock remembers of resources: the paths deleted (so a deleted one is gone after)."""

from __future__ import annotations

from collections import OrderedDict

MAX_REMEMBERED = 10_000


class DeletedPaths:
    """Concrete paths a DELETE succeeded on; the oldest are forgotten past `limit`."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self.limit = limit
        self._paths: OrderedDict[str, None] = OrderedDict()

    def add(self, path: str) -> None:
        self._paths[path.rstrip("/")] = None
        self._paths.move_to_end(path.rstrip("/"))
        while len(self._paths) > self.limit:
            self._paths.popitem(last=False)

    def __bool__(self) -> bool:
        return bool(self._paths)

    def gone(self, path: str) -> bool:
        """Whether `path` is a deleted resource or lies under one."""
        path = path.rstrip("/")
        return any(path == p or path.startswith(p + "/") for p in self._ancestors(path))

    def revive(self, *resource_ids: str) -> None:
        """A create answered with these ids: the resources they end the path of exist again."""
        ids = set(resource_ids)
        if not ids or not self._paths:
            return
        for path in [p for p in self._paths if p.rsplit("/", 1)[-1] in ids]:
            del self._paths[path]

    def _ancestors(self, path: str) -> list[str]:
        parts = path.split("/")
        return [
            p for p in ("/".join(parts[:i]) for i in range(2, len(parts) + 1)) if p in self._paths
        ]
