"""Operations matched across versions by method and effective URL; paths and operations added,
removed or moved."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from specforge.document.keywords import HTTP_METHODS
from specforge.gate.diff.context import Context, Path_, mapping, sequence
from specforge.gate.diff.lifecycle import announced, deprecation, removal_note, stability_change

TEMPLATE = re.compile(r"\{[^}/]*\}")


@dataclass(frozen=True)
class Op:
    """One operation of one document, with where it is served."""

    method: str
    path: str
    url: str
    origin: str
    location: Path_
    item: dict[str, Any]
    operation: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        """Method and URL path with template names blanked (`/pets/{}`): what matches."""
        return self.method, TEMPLATE.sub("{}", urlsplit(self.url).path or "/")

    @property
    def operation_id(self) -> str:
        return str(self.operation.get("operationId") or "")

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def server_url(servers: Any) -> str | None:
    """The first server's URL with its variables' defaults filled in."""
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return None
    server = servers[0]
    url = str(server.get("url", "/"))
    for name, variable in mapping(server.get("variables")).items():
        if isinstance(variable, dict):
            url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
    return url


def operations(document: dict[str, Any]) -> dict[tuple[str, str], Op]:
    """Every operation of `document` by its key."""
    found: dict[tuple[str, str], Op] = {}
    base = server_url(document.get("servers")) or "/"
    for path, item in mapping(document.get("paths")).items():
        if not isinstance(item, dict):
            continue
        item_base = server_url(item.get("servers")) or base
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            server = server_url(operation.get("servers")) or item_base
            try:
                parts = urlsplit(server)
            except ValueError:  # not a URL: compared as a path
                parts = urlsplit("")
            origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
            url = origin + parts.path.rstrip("/") + str(path)
            op = Op(
                method.upper(), str(path), url, origin, ("paths", path, method), item, operation
            )
            found[op.key] = op
    return found


def moved(removed: list[Op], added: list[Op]) -> Iterator[tuple[Op, Op]]:
    """Operations whose URL changed: same operationId, or same method and path key."""
    taken: set[int] = set()
    for before in list(removed):
        for index, after in enumerate(added):
            same_id = before.operation_id and before.operation_id == after.operation_id
            same_path = (before.method, before.path) == (after.method, after.path)
            if index not in taken and (same_id or same_path):
                taken.add(index)
                yield before, after
                break


def added_and_removed(
    ctx: Context,
    removed: list[Op],
    added: list[Op],
    old_ops: dict[tuple[str, str], Op],
    new_ops: dict[tuple[str, str], Op],
) -> None:
    """Paths and operations that only one side has; a removal OLD announced is told apart."""
    old_urls = {op.key[1] for op in old_ops.values()}
    new_urls = {op.key[1] for op in new_ops.values()}
    for op in added:
        if op.key[1] in old_urls:
            ctx.add(op.location, "operation-added", f"operation {op.label} added")
        else:
            ctx.add(op.location[:2], "path-added", f"path {op.path} added ({op.method})")
    for op in removed:
        gone = announced(ctx, op.operation)
        note = removal_note(ctx, op.operation) or (" (deprecated before)" if gone else "")
        if op.key[1] in new_urls:
            ctx.add(
                op.location,
                "operation-removed:deprecated" if gone else "operation-removed",
                f"operation {op.label} removed{note}",
                in_old=True,
            )
        else:
            ctx.add(
                op.location[:2],
                "path-removed:deprecated" if gone else "path-removed",
                f"path {op.path} removed ({op.method}){note}",
                in_old=True,
            )


def lifecycle(ctx: Context, before: Op, after: Op) -> None:
    """The operation's deprecation, sunset date and stability level."""
    deprecation(ctx, before.operation, after.operation, after.location, "operation", after.label)
    stability_change(ctx, before.operation, after.operation, after.location, after.label)


def operation_id(ctx: Context, before: Op, after: Op) -> None:
    """An operationId added, removed or changed."""
    was, now = before.operation_id, after.operation_id
    if was != now:
        shown = f"{was or 'none'} -> {now or 'none'}"
        ctx.add((*after.location, "operationId"), "operation-id-changed", f"operationId {shown}")


def tags(ctx: Context, before: Op, after: Op) -> None:
    """Tags an operation gains or loses."""
    was = {str(t) for t in sequence(before.operation.get("tags"))}
    now = {str(t) for t in sequence(after.operation.get("tags"))}
    for tag in sorted(now - was):
        ctx.add((*after.location, "tags"), "tag-added", f"{after.label} tagged {tag!r}")
    for tag in sorted(was - now):
        ctx.add((*after.location, "tags"), "tag-removed", f"{after.label} no longer tagged {tag!r}")
