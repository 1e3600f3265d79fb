"""Webhooks the API sends, by name. A webhook's payload is what the API sends, so it is judged
as a response; the answer the receiver gives back, as a request."""

from __future__ import annotations

from specforge.document.keywords import HTTP_METHODS
from specforge.gate.diff import bodies
from specforge.gate.diff.context import Context, mapping


def compare(ctx: Context) -> None:
    """Webhooks added and removed; the payloads and answers of those both sides have."""
    was, now = mapping(ctx.old.get("webhooks")), mapping(ctx.new.get("webhooks"))
    for name in sorted(set(now) - set(was), key=str):
        ctx.add(("webhooks", name), "webhook-added", f"webhook {name!r} added")
    for name in sorted(set(was) - set(now), key=str):
        ctx.add(("webhooks", name), "webhook-removed", f"webhook {name!r} removed", in_old=True)
    for name in sorted(set(was) & set(now), key=str):
        old_item = ctx.resolve(ctx.old, was[name], ("webhooks", name))
        new_item = ctx.resolve(ctx.new, now[name], ("webhooks", name))
        for method in HTTP_METHODS:
            before = mapping(old_item[1]).get(method)
            after = mapping(new_item[1]).get(method)
            if isinstance(before, dict) and isinstance(after, dict):
                label = f"webhook {name!r} {method.upper()}"
                _payload(ctx, before, after, (*old_item[0], method), (*new_item[0], method), label)
                bodies.compare_responses(
                    ctx,
                    before.get("responses"),
                    after.get("responses"),
                    (*old_item[0], method, "responses"),
                    (*new_item[0], method, "responses"),
                    label,
                    direction="request",
                )


def _payload(
    ctx: Context,
    before: dict[str, object],
    after: dict[str, object],
    old_where: tuple[object, ...],
    where: tuple[object, ...],
    label: str,
) -> None:
    old_where, was = ctx.resolve(ctx.old, before.get("requestBody"), (*old_where, "requestBody"))
    where, now = ctx.resolve(ctx.new, after.get("requestBody"), (*where, "requestBody"))
    if isinstance(was, dict) and isinstance(now, dict):
        bodies.content(ctx, was, now, old_where, where, "response", label, success=True)
