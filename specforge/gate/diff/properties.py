"""An object's properties: added, removed, made required or optional, deprecated, given
another default, and their schemas.

A `readOnly` property is never sent in a request and a `writeOnly` one never answered: in that
direction it is not there, so making it required, adding or removing it changes nothing on the
wire, and a property becoming `readOnly` leaves requests (as if removed).
"""

from __future__ import annotations

from typing import Any

from specforge.gate.diff.categories import CategoryId
from specforge.gate.diff.context import Context, SchemaPair, mapping, sequence
from specforge.gate.diff.lifecycle import announced, deprecation, removal_note
from specforge.gate.diff.values import default_change


def _marked(ctx: Context, document: dict[str, Any], schema: Any, keyword: str) -> bool:
    """Whether `schema` (through its `$ref`) says `keyword: true`."""
    target = ctx.with_target(document, schema)
    return isinstance(target, dict) and target.get(keyword) is True


def _closed(schema: dict[str, Any]) -> bool:
    """Whether the object refuses properties it does not name."""
    return schema.get("additionalProperties") is False or (
        schema.get("unevaluatedProperties") is False
    )


def compare(ctx: Context, pair: SchemaPair) -> None:
    """Every property of both sides."""
    old, new = pair.old, pair.new
    direction, request = pair.direction, pair.request
    raw_was, raw_now = mapping(old.get("properties")), mapping(new.get("properties"))
    old_required = {str(n) for n in sequence(old.get("required"))}
    new_required = {str(n) for n in sequence(new.get("required"))}
    hidden = "readOnly" if request else "writeOnly"
    was = {n: p for n, p in raw_was.items() if not _marked(ctx, ctx.old, p, hidden)}
    now = {n: p for n, p in raw_now.items() if not _marked(ctx, ctx.new, p, hidden)}
    state = {"readOnly": "read-only", "writeOnly": "write-only"}[hidden]
    for name in [name for name in now if name not in was]:
        required = name in new_required
        added: CategoryId = (
            ("property-added:request-required" if request else "property-added:response-required")
            if required
            else (
                (
                    "property-added:request-optional-closed"
                    if _closed(old)
                    else "property-added:request-optional"
                )
                if request
                else "property-added:response-optional"
            )
        )
        how = f"no longer {state}" if name in raw_was else "added"
        ctx.add(
            pair.new_property(name),
            added,
            f"{'required' if required else 'optional'} {direction} property {name!r} {how}",
        )
    for name in [name for name in was if name not in now]:
        target = ctx.with_target(ctx.old, was[name])
        if name in raw_now:
            how, gone = f"made {state}", False
        else:
            gone = announced(ctx, target)
            how = "removed" + (
                removal_note(ctx, target) or (" (deprecated before)" if gone else "")
            )
        removed: CategoryId = (
            "property-removed:deprecated"
            if gone
            else "property-removed:request"
            if request
            else "property-removed:response-required"
            if name in old_required
            else "property-removed:response-optional"
        )
        ctx.add(
            pair.old_property(name),
            removed,
            f"{direction} property {name!r} {how}",
            in_old=True,
        )
    for name in [name for name in now if name in was]:
        at = pair.new_property(name)
        if name in new_required and name not in old_required:
            ctx.add(
                at,
                "property-required:request" if request else "property-required:response",
                f"{direction} property {name!r} made required",
            )
        elif name in old_required and name not in new_required:
            ctx.add(
                at,
                "property-optional:request" if request else "property-optional:response",
                f"{direction} property {name!r} made optional",
            )
        before, after = ctx.with_target(ctx.old, was[name]), ctx.with_target(ctx.new, now[name])
        deprecation(ctx, before, after, at, "property", repr(name))
        default_change(ctx, before, after, name in new_required, at, f"property {name!r}")
        ctx.schema(was[name], now[name], pair.old_property(name), at, pair.direction)
