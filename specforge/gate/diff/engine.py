"""The order of comparison: operations (each through the operation checks), then the
document-wide checks, components last."""

from __future__ import annotations

from collections.abc import Callable

from specforge.gate.diff import bodies, components, parameters, security, webhooks
from specforge.gate.diff.context import Context
from specforge.gate.diff.operations import (
    Op,
    added_and_removed,
    lifecycle,
    moved,
    operation_id,
    operations,
    tags,
)

OperationCheck = Callable[[Context, Op, Op], None]
DocumentCheck = Callable[[Context], None]


# What is compared for every operation both documents have, in this order.
OPERATION_CHECKS: tuple[OperationCheck, ...] = (
    lifecycle,
    operation_id,
    tags,
    parameters.compare,
    bodies.request_body,
    bodies.responses,
    security.operation,
)


def compare_operations(ctx: Context) -> None:
    """Operations matched, moved, added and removed; each pair through OPERATION_CHECKS."""
    old_ops, new_ops = operations(ctx.old), operations(ctx.new)
    removed = [old_ops[key] for key in old_ops if key not in new_ops]
    added = [new_ops[key] for key in new_ops if key not in old_ops]
    pairs: list[tuple[Op, Op]] = []
    for before, after in list(moved(removed, added)):
        removed.remove(before)
        added.remove(after)
        ctx.add(
            after.location,
            "server-url-changed:path",
            f"{after.label} moved from {before.url} to {after.url}",
        )
        pairs.append((before, after))
    for before, after in pairs:
        for check in OPERATION_CHECKS:
            check(ctx, before, after)
    added_and_removed(ctx, removed, added, old_ops, new_ops)
    for key in sorted(set(old_ops) & set(new_ops)):
        before, after = old_ops[key], new_ops[key]
        if before.origin != after.origin:
            ctx.add(
                after.location,
                "server-url-changed:host",
                f"{after.label} moved from {before.url} to {after.url}",
            )
        for check in OPERATION_CHECKS:
            check(ctx, before, after)


# What is compared once per pair of documents, in this order (components last: renames are
# found while the schemas are walked).
DOCUMENT_CHECKS: tuple[DocumentCheck, ...] = (
    compare_operations,
    webhooks.compare,
    security.schemes,
    components.compare,
)


def run(ctx: Context) -> None:
    """Every document check, in order."""
    for check in DOCUMENT_CHECKS:
        check(ctx)
