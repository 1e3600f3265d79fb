"""Webhooks the API sends, by name."""

from __future__ import annotations

from specforge.gate.diff.context import Context, mapping


def compare(ctx: Context) -> None:
    """Webhooks added and removed."""
    was, now = mapping(ctx.old.get("webhooks")), mapping(ctx.new.get("webhooks"))
    for name in sorted(set(now) - set(was), key=str):
        ctx.add(("webhooks", name), "webhook-added", f"webhook {name!r} added")
    for name in sorted(set(was) - set(now), key=str):
        ctx.add(("webhooks", name), "webhook-removed", f"webhook {name!r} removed")
