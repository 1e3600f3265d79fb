"""The values a schema allows by listing them (`enum`, `const`, `x-extensible-enum`), and its
`default`."""

from __future__ import annotations

from typing import Any

from specforge.document.schemas import enum_of
from specforge.gate.diff.categories import CategoryId
from specforge.gate.diff.context import Context, Path_, SchemaPair, as_json, sequence


def enums(ctx: Context, pair: SchemaPair) -> None:
    """Enum (or `const`) values added and removed, or the restriction set or lifted."""
    was = {as_json(value): value for value in enum_of(pair.old)}
    now = {as_json(value): value for value in enum_of(pair.new)}
    if was == now or (not was and not now):
        return
    added = [now[key] for key in now if key not in was] if was else []
    removed = [was[key] for key in was if key not in now] if now else []
    more: CategoryId = "enum-value-added:request" if pair.request else "enum-value-added:response"
    fewer: CategoryId = (
        "enum-value-removed:request" if pair.request else "enum-value-removed:response"
    )
    if not was:
        ctx.add(pair.where, fewer, f"values restricted to {list(now.values())!r}")
    if not now:
        ctx.add(pair.where, more, f"value restriction {list(was.values())!r} lifted")
    if added:
        ctx.add(pair.where, more, f"enum value(s) {added!r} added")
    if removed:
        ctx.add(pair.where, fewer, f"enum value(s) {removed!r} removed")


def extensible_enums(ctx: Context, pair: SchemaPair) -> None:
    """`x-extensible-enum` (an open list of known values) compared value by value."""
    was = {as_json(v): v for v in sequence(pair.old.get("x-extensible-enum"))}
    now = {as_json(v): v for v in sequence(pair.new.get("x-extensible-enum"))}
    added = [now[key] for key in now if key not in was]
    removed = [was[key] for key in was if key not in now]
    if added:
        more: CategoryId = (
            "extensible-enum-value-added:request"
            if pair.request
            else "extensible-enum-value-added:response"
        )
        ctx.add(pair.where, more, f"extensible enum value(s) {added!r} added")
    if removed:
        fewer: CategoryId = (
            "extensible-enum-value-removed:request"
            if pair.request
            else "extensible-enum-value-removed:response"
        )
        ctx.add(pair.where, fewer, f"extensible enum value(s) {removed!r} removed")


def default_change(
    ctx: Context, old: Any, new: Any, required: bool, where: Path_, label: str
) -> None:
    """The `default` of a parameter's or property's schema set, dropped or changed."""
    was = old.get("default") if isinstance(old, dict) else None
    now = new.get("default") if isinstance(new, dict) else None
    has_was = isinstance(old, dict) and "default" in old
    has_now = isinstance(new, dict) and "default" in new
    if (has_was, as_json(was)) == (has_now, as_json(now)):
        return
    shown = (
        f"{was!r} -> {now!r}"
        if has_was and has_now
        else f"{now!r} set"
        if has_now
        else f"{was!r} dropped"
    )
    ctx.add(
        where,
        "default-changed:required" if required else "default-changed:optional",
        f"default of {label} {shown}",
    )
