"""Validation bounds compared by direction: stricter, looser, or changed."""

from __future__ import annotations

from typing import Any

from specforge.gate.diff.context import Context, Direction, Path_, as_json, numbers

LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
OTHER_BOUNDS = ("pattern", "multipleOf", "uniqueItems", "format")


def bounds(
    ctx: Context, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
) -> None:
    """Each bound keyword added, removed, raised or lowered."""
    for keyword in (*LOWER_BOUNDS, *UPPER_BOUNDS, *OTHER_BOUNDS):
        was, now = old.get(keyword), new.get(keyword)
        if as_json(was) == as_json(now):
            continue
        if was is None or now is None:
            tightened: bool | None = was is None
        elif keyword in LOWER_BOUNDS + UPPER_BOUNDS and numbers(was, now):
            tightened = (now > was) == (keyword in LOWER_BOUNDS)
        else:
            tightened = None
        message = f"{keyword} {was!r} -> {now!r}"
        request = direction == "request"
        if tightened is None:
            ctx.add(where, "bounds-changed", message)
        elif tightened:
            ctx.add(
                where,
                "bounds-tightened:request" if request else "bounds-tightened:response",
                message,
            )
        else:
            ctx.add(
                where, "bounds-loosened:request" if request else "bounds-loosened:response", message
            )
