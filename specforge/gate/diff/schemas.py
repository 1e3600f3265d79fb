"""Two schemas compared as used in one direction: nullability and types here, then every check
of SCHEMA_CHECKS (values, constraints, properties, composition, items)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from specforge.document.errors import pointer_from_path
from specforge.document.schemas import enum_of, json_types, ref_name
from specforge.gate.diff import composition, constraints, properties, values
from specforge.gate.diff.context import (
    Context,
    Direction,
    Path_,
    SchemaPair,
    mapping,
    sequence,
)

SchemaCheck = Callable[[Context, SchemaPair], None]
# Keys that describe a schema without restricting its values.
ANNOTATIONS = frozenset(
    {"title", "description", "default", "example", "examples", "deprecated", "readOnly"}
    | {"writeOnly", "externalDocs", "xml", "$comment", "discriminator", "nullable"}
)


def json_type(value: Any) -> str:
    """The JSON type of a value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object", type(None): "null"}
    return names.get(type(value), "string")


def covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Whether every type of `narrow` is one of `wide` (an integer is a number)."""
    return all(kind in wide or (kind == "integer" and "number" in wide) for kind in narrow)


def type_set(schema: dict[str, Any]) -> frozenset[str] | None:
    """The JSON types a value may have (None: any, or not known here)."""
    kinds = json_types(schema)
    if kinds:
        return frozenset(kinds)
    found = enum_of(schema)
    if found:
        return frozenset(json_type(value) for value in found)
    for keyword in ("oneOf", "anyOf"):
        members = schema.get(keyword)
        if isinstance(members, list) and members:
            sets = [type_set(m) if isinstance(m, dict) else None for m in members]
            if all(one is not None for one in sets):
                return frozenset().union(*(one for one in sets if one is not None))
    return None


def flatten(
    ctx: Context, document: dict[str, Any], schema: dict[str, Any], where: Path_ = ()
) -> tuple[dict[str, Any], dict[str, Path_]]:
    """`schema` with its `allOf` members merged in (properties and required names joined, any
    other keyword taken from the first member that has it, unless the schema has it), and
    where each property is written."""
    own = mapping(schema.get("properties"))
    origins: dict[str, Path_] = {str(name): (*where, "properties", name) for name in own}
    if not isinstance(schema.get("allOf"), list):
        return schema, origins
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    props = dict(own)
    required = list(sequence(merged.get("required")))
    for index, branch in enumerate(schema["allOf"]):
        at, part = ctx.resolve(document, branch, (*where, "allOf", index))
        if isinstance(part, dict):
            part, found = flatten(ctx, document, part, at)
            for name, value in mapping(part.get("properties")).items():
                props[name] = value
                origins[str(name)] = found.get(str(name), (*at, "properties", name))
            required.extend(sequence(part.get("required")))
            for key, value in part.items():
                if key not in ("properties", "required") and key not in merged:
                    merged[key] = value
    if props:
        merged["properties"] = props
    if required:
        merged["required"] = required
    return merged, origins


def _is_null(ctx: Context, document: dict[str, Any], schema: Any) -> bool:
    _, target = ctx.resolve(document, schema, ())
    if not isinstance(target, dict):
        return False
    kinds = json_types(target)
    restricting = set(target) - ANNOTATIONS - {"type", "enum", "const"}
    return not restricting and (
        kinds == ["null"] or (not kinds and list(enum_of(target)) == [None])
    )


def _without_null(schema: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Whether `schema` allows `null` besides other types, and the schema without it."""
    kinds = json_types(schema)
    found = list(enum_of(schema))
    nullable = ("null" in kinds and len(set(kinds)) > 1) or (None in found and len(found) > 1)
    if not nullable:
        return False, schema
    stripped = dict(schema)
    if "null" in kinds:
        stripped["type"] = [kind for kind in kinds if kind != "null"]
    if isinstance(stripped.get("enum"), list):
        stripped["enum"] = [value for value in stripped["enum"] if value is not None]
    return True, stripped


def unwrapped(
    ctx: Context, document: dict[str, Any], schema: dict[str, Any], where: Path_
) -> tuple[bool | None, dict[str, Any], Path_]:
    """(may it be `null`, the schema without `null`, where that is): a `oneOf`/`anyOf` of one
    schema and `null` is that schema, nullable. None: nullability not known (any type)."""
    for keyword in ("oneOf", "anyOf"):
        members = sequence(schema.get(keyword))
        others = set(schema) - ANNOTATIONS - {keyword}
        if len(members) != 2 or others:
            continue
        nulls = [_is_null(ctx, document, member) for member in members]
        if nulls.count(True) == 1:
            index = nulls.index(False)
            inner_where, inner = ctx.resolve(document, members[index], (*where, keyword, index))
            if isinstance(inner, dict):
                return True, _without_null(inner)[1], inner_where
    nullable, stripped = _without_null(schema)
    known = type_set(flatten(ctx, document, stripped)[0]) is not None
    return (nullable if known else None), stripped, where


def walk(
    ctx: Context, old: Any, new: Any, old_where: Path_, where: Path_, direction: Direction
) -> None:
    """Compare two schemas (either may be a `$ref`) as used in `direction`."""
    old_ref = str(old.get("$ref", "")) if isinstance(old, dict) else ""
    new_ref = str(new.get("$ref", "")) if isinstance(new, dict) else ""
    old_name, new_name = ref_name(old_ref), ref_name(new_ref)
    old_where, old = ctx.resolve(ctx.old, old, old_where)
    where, new = ctx.resolve(ctx.new, new, where)
    if old_name and new_name and old_name != new_name:
        ctx.renames.setdefault(old_name, new_name)
    if (
        not isinstance(old, dict)
        or not isinstance(new, dict)
        or not _first(ctx, old_where, where, direction)
    ):
        return
    at_old, at = old_where, where
    old_null, old, old_where = unwrapped(ctx, ctx.old, old, old_where)
    new_null, new, where = unwrapped(ctx, ctx.new, new, where)
    if old_null is not None and new_null is not None and old_null != new_null:
        nullable(ctx, at, direction, new_null)
    if (old_where, where) != (at_old, at) and not _first(ctx, old_where, where, direction):
        return
    old_flat, old_origins = flatten(ctx, ctx.old, old, old_where)
    new_flat, new_origins = flatten(ctx, ctx.new, new, where)
    pair = SchemaPair(
        old_flat,
        new_flat,
        old_where,
        where,
        direction,
        old,
        new,
        old_ref,
        new_ref,
        old_origins,
        new_origins,
    )
    found = composition.unions(ctx, pair)
    if found is not None and not (found.old_keyword and found.new_keyword):
        composition.alternatives(ctx, pair)  # X -> oneOf [X, ...]: X is compared as a member
    elif types(ctx, pair):
        for check in SCHEMA_CHECKS:
            check(ctx, pair)


def _first(ctx: Context, old_where: Path_, where: Path_, direction: Direction) -> bool:
    """True the first time this pair of places is compared in `direction`."""
    key = (pointer_from_path(old_where), pointer_from_path(where), direction)
    if key in ctx.seen:
        return False
    ctx.seen.add(key)
    return True


def nullable(ctx: Context, where: Path_, direction: Direction, now: bool) -> None:
    """`null` allowed, or no longer."""
    request = direction == "request"
    if now:
        ctx.add(
            where,
            "nullable-added:request" if request else "nullable-added:response",
            f"{direction} value may now be null",
        )
    else:
        ctx.add(
            where,
            "nullable-removed:request" if request else "nullable-removed:response",
            f"{direction} value may no longer be null",
        )


def types(ctx: Context, pair: SchemaPair) -> bool:
    """Record type changes; False when the types are unrelated (nothing deeper compares)."""
    if composition.unions(ctx, pair) is not None:
        return True  # both are unions: members are compared one by one
    old, new = pair.old, pair.new
    was, now = type_set(old), type_set(new)
    composite = any(key in schema for schema in (old, new) for key in ("oneOf", "anyOf"))
    if was == now or ((was is None or now is None) and composite):
        return True
    shown_was = ", ".join(sorted(was)) if was else "any"
    shown_now = ", ".join(sorted(now)) if now else "any"
    message = f"type {shown_was} -> {shown_now}"
    if now is None or (was is not None and covers(now, was)):
        ctx.add(
            pair.where, "type-widened:request" if pair.request else "type-widened:response", message
        )
    elif was is None or covers(was, now):
        ctx.add(
            pair.where,
            "type-narrowed:request" if pair.request else "type-narrowed:response",
            message,
        )
    else:
        ctx.add(pair.where, "type-changed", message)
        return bool(was & now & {"object", "array"})
    return True


def items(ctx: Context, pair: SchemaPair) -> None:
    """The schemas of array items (both sides must have one; `items: false` is a constraint)."""
    old, new = pair.old.get("items"), pair.new.get("items")
    if isinstance(old, dict) and isinstance(new, dict):
        ctx.schema(old, new, (*pair.old_where, "items"), (*pair.where, "items"), pair.direction)


# What is compared for two schemas of related types, in this order.
SCHEMA_CHECKS: tuple[SchemaCheck, ...] = (
    values.enums,
    values.extensible_enums,
    constraints.bounds,
    constraints.keywords,
    properties.compare,
    composition.alternatives,
    composition.all_of,
    composition.discriminator,
    items,
)
