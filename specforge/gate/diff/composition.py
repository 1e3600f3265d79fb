"""`oneOf`/`anyOf` members compared by direction."""

from __future__ import annotations

from typing import Any

from specforge.gate.diff.context import Context, Direction, Path_, as_json, sequence


def alternatives(
    ctx: Context,
    old: dict[str, Any],
    new: dict[str, Any],
    old_where: Path_,
    where: Path_,
    direction: Direction,
) -> None:
    """Members added or removed; with as many on both sides, each pair compared."""
    for keyword in ("oneOf", "anyOf"):
        was = sequence(old.get(keyword))
        now = sequence(new.get(keyword))
        if not was or not now:
            continue
        old_keys, new_keys = [as_json(b) for b in was], [as_json(b) for b in now]
        request = direction == "request"
        if len(was) == len(now):
            for index, (before, after) in enumerate(zip(was, now, strict=True)):
                ctx.schema(
                    before, after, (*old_where, keyword, index), (*where, keyword, index), direction
                )
            continue
        for index, key in enumerate(new_keys):
            if key not in old_keys:
                ctx.add(
                    (*where, keyword, index),
                    "type-widened:request" if request else "type-widened:response",
                    f"{keyword} alternative added",
                )
        for index, key in enumerate(old_keys):
            if key not in new_keys:
                ctx.add(
                    (*old_where, keyword, index),
                    "type-narrowed:request" if request else "type-narrowed:response",
                    f"{keyword} alternative removed",
                )
