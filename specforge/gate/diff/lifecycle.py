"""Lifecycle marks: `deprecated`, its `x-sunset` date, and an operation's `x-stability-level`.

A removal is announced (a `...-removed:deprecated` row) when OLD deprecated the element and
its sunset date has passed or it gave none; a sunset that is not an RFC 3339 date announces
nothing. An operation OLD marked `draft` or `alpha` may go at any time.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from specforge.document.schemas import replacement_of
from specforge.gate.diff.categories import CategoryId
from specforge.gate.diff.context import Context, Path_

Deprecatable = Literal["operation", "parameter", "property", "header"]
_DEPRECATION: dict[Deprecatable, tuple[CategoryId, CategoryId]] = {
    "operation": ("operation-deprecated", "operation-undeprecated"),
    "parameter": ("parameter-deprecated", "parameter-undeprecated"),
    "property": ("property-deprecated", "property-undeprecated"),
    "header": ("response-header-deprecated", "response-header-undeprecated"),
}
STABILITY = ("draft", "alpha", "beta", "stable")  # lowest first; none written is "stable"
UNSTABLE = ("draft", "alpha")
INVALID: Literal["invalid"] = "invalid"
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}([Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?")


def deprecated(node: Any) -> bool:
    """Whether `node` says `deprecated: true`."""
    return isinstance(node, dict) and node.get("deprecated") is True


def sunset(node: Any) -> date | Literal["invalid"] | None:
    """The `x-sunset` date of `node`: None when absent, "invalid" when not an RFC 3339 date."""
    value = node.get("x-sunset") if isinstance(node, dict) else None
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not _RFC3339.fullmatch(text):
        return INVALID
    try:
        return date.fromisoformat(text[:10])
    except ValueError:  # 2025-02-30
        return INVALID


def stability(node: Any) -> str:
    """The `x-stability-level` of `node` ("stable" when absent, the raw text when unknown)."""
    value = node.get("x-stability-level") if isinstance(node, dict) else None
    return "stable" if value is None else str(value)


def announced(ctx: Context, node: Any) -> bool:
    """Whether OLD's `node` may go without breaking clients: deprecated and past its sunset
    (or without one), or an operation marked `draft` or `alpha`."""
    if stability(node) in UNSTABLE:
        return True
    when = sunset(node)
    return deprecated(node) and (when is None or (when != INVALID and when <= ctx.today))


def removal_note(ctx: Context, node: Any) -> str:
    """Why a removal of a deprecated element counts as unannounced ('' when it does not)."""
    when = sunset(node)
    if not deprecated(node) or announced(ctx, node):
        return ""
    if when == INVALID:
        return f" (its x-sunset {node.get('x-sunset')!r} is not a date)"
    return f" (before its sunset date {when})"


def deprecation(
    ctx: Context, old: Any, new: Any, where: Path_, kind: Deprecatable, name: str
) -> None:
    """A `deprecated` mark set or lifted, and changes of its sunset date."""
    was, now = deprecated(old), deprecated(new)
    marked, lifted = _DEPRECATION[kind]
    before, after = sunset(old), sunset(new)
    if now and not was:
        replacement = replacement_of(new) if isinstance(new, dict) else ""
        hint = f" (use {replacement} instead)" if replacement else ""
        when = f" (sunset {after})" if after not in (None, INVALID) else ""
        ctx.add(where, marked, f"{kind} {name} deprecated{hint}{when}")
    elif was and not now:
        ctx.add(where, lifted, f"{kind} {name} no longer deprecated")
    if not now:
        return
    raw = new.get("x-sunset")
    if after == INVALID:
        if not was or raw != old.get("x-sunset"):
            ctx.add(where, "sunset-invalid", f"{kind} {name}: x-sunset {raw!r} is not a date")
    elif was and before != after:
        if after is None or (isinstance(before, date) and after < before):
            shown = "dropped" if after is None else f"moved to {after}"
            ctx.add(
                where,
                "sunset-changed:earlier",
                f"{kind} {name}: sunset {before or 'none'} {shown}",
            )
        else:
            ctx.add(
                where,
                "sunset-changed:later",
                f"{kind} {name}: sunset {before or 'none'} -> {after}",
            )


def stability_change(ctx: Context, old: Any, new: Any, where: Path_, name: str) -> None:
    """An operation's `x-stability-level` raised, lowered, or set to an unknown value."""
    was, now = stability(old), stability(new)
    if was == now:
        return
    if now not in STABILITY:
        ctx.add(where, "stability-invalid", f"{name}: x-stability-level {now!r} is not known")
        return
    rank = STABILITY.index(was) if was in STABILITY else len(STABILITY) - 1
    category: CategoryId = (
        "stability-decreased" if STABILITY.index(now) < rank else "stability-increased"
    )
    if STABILITY.index(now) != rank:
        ctx.add(where, category, f"{name}: x-stability-level {was} -> {now}")
