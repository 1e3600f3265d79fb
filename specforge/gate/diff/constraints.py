"""What a schema demands of a value besides its type, compared by direction: bounds (numbers,
lengths, counts, `multipleOf`, `uniqueItems`, `format`, `pattern`) and the structural
keywords of JSON Schema 2020-12 (`additionalProperties`, `unevaluated*`, `not`,
`if`/`then`/`else`, `dependent*`, `prefixItems`, `contains`, `patternProperties`,
`propertyNames`, `content*`)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from specforge.gate.diff.context import (
    Context,
    SchemaPair,
    as_json,
    mapping,
    numbers,
    same,
    sequence,
)
from specforge.gate.diff.patterns import relation

COUNTS_LOW = ("minLength", "minItems", "minProperties", "minContains")
COUNTS_HIGH = ("maxLength", "maxItems", "maxProperties", "maxContains")
# format OLD -> format NEW that accepts every value OLD did
WIDER_FORMATS = frozenset({("int32", "int64"), ("float", "double")})
KeywordCheck = Callable[[Context, SchemaPair], None]
Bound = tuple[float, bool, str]  # value, exclusive, the keyword that set it


# -- bounds ----------------------------------------------------------------------------------------
def _bounded(ctx: Context, pair: SchemaPair, tightened: bool | None, message: str) -> None:
    if tightened is None:
        ctx.add(pair.where, "bounds-changed", message)
    elif tightened:
        ctx.add(
            pair.where,
            "bounds-tightened:request" if pair.request else "bounds-tightened:response",
            message,
        )
    else:
        ctx.add(
            pair.where,
            "bounds-loosened:request" if pair.request else "bounds-loosened:response",
            message,
        )


def _limit(schema: dict[str, Any], inclusive: str, exclusive: str, low: bool) -> Bound | None:
    """The effective numeric limit: the stricter of `minimum` and `exclusiveMinimum` (or of
    `maximum` and `exclusiveMaximum`)."""
    found: list[Bound] = []
    if numbers(schema.get(inclusive)) and inclusive in schema:
        found.append((schema[inclusive], False, inclusive))
    if numbers(schema.get(exclusive)) and exclusive in schema:
        found.append((schema[exclusive], True, exclusive))
    if not found:
        return None
    sign = 1 if low else -1
    return max(found, key=lambda bound: (sign * bound[0], bound[1]))


def _numeric(ctx: Context, pair: SchemaPair) -> None:
    for inclusive, exclusive, low in (
        ("minimum", "exclusiveMinimum", True),
        ("maximum", "exclusiveMaximum", False),
    ):
        was = _limit(pair.old, inclusive, exclusive, low)
        now = _limit(pair.new, inclusive, exclusive, low)
        if was == now or (was and now and was[:2] == now[:2]):
            continue
        if was is None and now is not None:
            _bounded(ctx, pair, True, f"{now[2]} {now[0]!r} added")
            continue
        if now is None and was is not None:
            _bounded(ctx, pair, False, f"{was[2]} {was[0]!r} removed")
            continue
        if was is None or now is None:  # pragma: no cover - both None is equal above
            continue
        sign = 1 if low else -1
        tighter = (sign * now[0], now[1]) > (sign * was[0], was[1])
        _bounded(ctx, pair, tighter, f"{was[2]} {was[0]!r} -> {now[2]} {now[0]!r}")


def _counts(ctx: Context, pair: SchemaPair) -> None:
    for keyword in (*COUNTS_LOW, *COUNTS_HIGH):
        was, now = pair.old.get(keyword), pair.new.get(keyword)
        if same(was, now) or not numbers(*(v for v in (was, now) if v is not None)):
            continue
        if was is None or now is None:
            _bounded(ctx, pair, was is None, f"{keyword} {was!r} -> {now!r}")
        else:
            _bounded(ctx, pair, (now > was) == (keyword in COUNTS_LOW), f"{keyword} {was} -> {now}")


def _fraction(value: Any) -> Fraction | None:
    try:
        found = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return found if found > 0 else None


def _multiple_of(ctx: Context, pair: SchemaPair) -> None:
    was, now = pair.old.get("multipleOf"), pair.new.get("multipleOf")
    if same(was, now):
        return
    message = f"multipleOf {was!r} -> {now!r}"
    old, new = _fraction(was), _fraction(now)
    if old is None or new is None:
        if (was is None) != (now is None):
            _bounded(ctx, pair, was is None, message)
        return
    if (new / old).denominator == 1:  # every multiple of NEW is one of OLD
        _bounded(ctx, pair, True, message)
    elif (old / new).denominator == 1:
        _bounded(ctx, pair, False, message)
    else:
        _bounded(ctx, pair, None, message)


def _unique(ctx: Context, pair: SchemaPair) -> None:
    was, now = pair.old.get("uniqueItems") is True, pair.new.get("uniqueItems") is True
    if was != now:
        _bounded(ctx, pair, now, f"uniqueItems {was} -> {now}")


def _format(ctx: Context, pair: SchemaPair) -> None:
    was, now = pair.old.get("format"), pair.new.get("format")
    if same(was, now):
        return
    message = f"format {was!r} -> {now!r}"
    if was is None or now is None:
        _bounded(ctx, pair, was is None, message)
    elif (str(was), str(now)) in WIDER_FORMATS:
        _bounded(ctx, pair, False, message)
    elif (str(now), str(was)) in WIDER_FORMATS:
        _bounded(ctx, pair, True, message)
    else:
        _bounded(ctx, pair, None, message)


def _pattern(ctx: Context, pair: SchemaPair) -> None:
    was, now = pair.old.get("pattern"), pair.new.get("pattern")
    if same(was, now):
        return
    message = f"pattern {was!r} -> {now!r}"
    if was is None or now is None:
        _bounded(ctx, pair, was is None, message)
        return
    found = relation(str(was), str(now))
    if found != "same":
        _bounded(ctx, pair, None if found == "changed" else found == "tighter", message)


def bounds(ctx: Context, pair: SchemaPair) -> None:
    """Every bound keyword set, dropped, raised, lowered or replaced."""
    for check in (_numeric, _counts, _multiple_of, _unique, _format, _pattern):
        check(ctx, pair)


# -- structural keywords ---------------------------------------------------------------------------
def _constrained(
    ctx: Context, pair: SchemaPair, tightened: bool | None, where: tuple[Any, ...], message: str
) -> None:
    if tightened is None:
        ctx.add((*pair.where, *where), "constraint-changed", message)
    elif tightened:
        ctx.add(
            (*pair.where, *where),
            "constraint-added:request" if pair.request else "constraint-added:response",
            message,
        )
    else:
        ctx.add(
            (*pair.old_where, *where),
            "constraint-removed:request" if pair.request else "constraint-removed:response",
            message,
            in_old=True,
        )


def _sub(ctx: Context, pair: SchemaPair, old: Any, new: Any, where: tuple[Any, ...]) -> None:
    """Two subschemas at the same place of both sides."""
    ctx.schema(old, new, (*pair.old_where, *where), (*pair.where, *where), pair.direction)


def _openness(value: Any) -> str:
    if value is None or value is True or value == {}:
        return "open"
    return "closed" if value is False else "schema" if isinstance(value, dict) else "open"


def _closing(ctx: Context, pair: SchemaPair) -> None:
    """`additionalProperties`, `unevaluatedProperties`, `unevaluatedItems`, and `items`
    set where there was none (both schemas: compared in place; `items` by the walk)."""
    for keyword in ("additionalProperties", "unevaluatedProperties", "unevaluatedItems", "items"):
        was, now = pair.old.get(keyword), pair.new.get(keyword)
        before, after = _openness(was), _openness(now)
        if before == after == "schema":
            if keyword != "items":
                _sub(ctx, pair, was, now, (keyword,))
            continue
        if before == after:
            continue
        order = ("open", "schema", "closed")
        tighter = order.index(after) > order.index(before)
        shown = {"open": "open", "schema": "a schema", "closed": "false"}
        _constrained(ctx, pair, tighter, (keyword,), f"{keyword} {shown[before]} -> {shown[after]}")


def _single(ctx: Context, pair: SchemaPair) -> None:
    """Keywords holding one subschema: `contains`, `propertyNames`, `contentSchema` (compared
    in place), `not` (any change of it is unordered)."""
    for keyword in ("contains", "propertyNames", "contentSchema", "not"):
        was, now = pair.old.get(keyword), pair.new.get(keyword)
        if same(was, now):
            continue
        if was is None or now is None:
            _constrained(
                ctx,
                pair,
                was is None,
                (keyword,),
                f"{keyword} {'added' if was is None else 'removed'}",
            )
        elif keyword == "not":
            _constrained(ctx, pair, None, (keyword,), "not changed")
        else:
            _sub(ctx, pair, was, now, (keyword,))


def _conditional(ctx: Context, pair: SchemaPair) -> None:
    """`if`/`then`/`else`: added, removed, its condition changed, or its branches compared."""
    old, new = pair.old, pair.new
    if "if" not in old and "if" not in new:
        return
    if "if" not in old or "if" not in new:
        _constrained(
            ctx,
            pair,
            "if" not in old,
            ("if",),
            f"if/then/else {'added' if 'if' not in old else 'removed'}",
        )
        return
    if as_json(old["if"]) != as_json(new["if"]):
        _constrained(ctx, pair, None, ("if",), "the condition (if) changed")
        return
    for keyword in ("then", "else"):
        was, now = old.get(keyword), new.get(keyword)
        if was is None and now is None:
            continue
        if was is None or now is None:
            _constrained(
                ctx,
                pair,
                was is None,
                (keyword,),
                f"{keyword} {'added' if was is None else 'removed'}",
            )
        else:
            _sub(ctx, pair, was, now, (keyword,))


def _keyed(ctx: Context, pair: SchemaPair) -> None:
    """Mappings of subschemas (`patternProperties`, `dependentSchemas`): keys added or removed,
    the rest compared in place; `dependentRequired`: names added or removed per key."""
    for keyword in ("patternProperties", "dependentSchemas"):
        was, now = mapping(pair.old.get(keyword)), mapping(pair.new.get(keyword))
        for key in sorted(set(now) - set(was), key=str):
            _constrained(ctx, pair, True, (keyword, key), f"{keyword} {key!r} added")
        for key in sorted(set(was) - set(now), key=str):
            _constrained(ctx, pair, False, (keyword, key), f"{keyword} {key!r} removed")
        for key in sorted(set(was) & set(now), key=str):
            _sub(ctx, pair, was[key], now[key], (keyword, key))
    was, now = (
        mapping(pair.old.get("dependentRequired")),
        mapping(pair.new.get("dependentRequired")),
    )
    for key in sorted(set(was) | set(now), key=str):
        before = {str(n) for n in sequence(was.get(key))}
        after = {str(n) for n in sequence(now.get(key))}
        if after - before:
            _constrained(
                ctx,
                pair,
                True,
                ("dependentRequired", key),
                f"dependentRequired {key!r} needs {sorted(after - before)!r}",
            )
        if before - after:
            _constrained(
                ctx,
                pair,
                False,
                ("dependentRequired", key),
                f"dependentRequired {key!r} no longer needs {sorted(before - after)!r}",
            )


def _prefix_items(ctx: Context, pair: SchemaPair) -> None:
    """`prefixItems`: positions added or removed, the rest compared in place."""
    was, now = sequence(pair.old.get("prefixItems")), sequence(pair.new.get("prefixItems"))
    for index in range(len(now), len(was)):
        _constrained(ctx, pair, False, ("prefixItems", index), f"prefixItems[{index}] removed")
    for index in range(len(was), len(now)):
        _constrained(ctx, pair, True, ("prefixItems", index), f"prefixItems[{index}] added")
    for index in range(min(len(was), len(now))):
        _sub(ctx, pair, was[index], now[index], ("prefixItems", index))


def _content(ctx: Context, pair: SchemaPair) -> None:
    """`contentMediaType` and `contentEncoding` of a string."""
    for keyword in ("contentMediaType", "contentEncoding"):
        was, now = pair.old.get(keyword), pair.new.get(keyword)
        if same(was, now):
            continue
        tightened = None if was is not None and now is not None else was is None
        _constrained(ctx, pair, tightened, (keyword,), f"{keyword} {was!r} -> {now!r}")


# The structural keywords compared, in this order.
KEYWORD_CHECKS: tuple[KeywordCheck, ...] = (
    _closing,
    _single,
    _conditional,
    _keyed,
    _prefix_items,
    _content,
)


def keywords(ctx: Context, pair: SchemaPair) -> None:
    """Every structural keyword set, dropped or changed (subschemas compared in place)."""
    for check in KEYWORD_CHECKS:
        check(ctx, pair)
