"""Two schemas compared as used in one direction: types, enums, properties, then the checks
of the other schema modules, then their items."""

from __future__ import annotations

from typing import Any

from specforge.document.errors import pointer_from_path
from specforge.document.schemas import enum_of, json_types, ref_name
from specforge.gate.diff import composition, constraints
from specforge.gate.diff.categories import CategoryId
from specforge.gate.diff.context import Context, Direction, Path_, as_json, mapping, sequence
from specforge.gate.diff.lifecycle import deprecation


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
    values = enum_of(schema)
    if values:
        return frozenset(json_type(value) for value in values)
    for keyword in ("oneOf", "anyOf"):
        members = schema.get(keyword)
        if isinstance(members, list) and members:
            sets = [type_set(m) if isinstance(m, dict) else None for m in members]
            if all(found is not None for found in sets):
                return frozenset().union(*(found for found in sets if found is not None))
    return None


def flatten(ctx: Context, document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its `allOf` branches' properties, required names and type merged in."""
    if not isinstance(schema.get("allOf"), list):
        return schema
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    properties = dict(mapping(merged.get("properties")))
    required = list(sequence(merged.get("required")))
    for branch in schema["allOf"]:
        _, part = ctx.resolve(document, branch, ())
        if isinstance(part, dict):
            part = flatten(ctx, document, part)
            properties.update(mapping(part.get("properties")))
            required.extend(sequence(part.get("required")))
            if "type" in part and "type" not in merged:
                merged["type"] = part["type"]
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def walk(
    ctx: Context, old: Any, new: Any, old_where: Path_, where: Path_, direction: Direction
) -> None:
    """Compare two schemas (either may be a `$ref`) as used in `direction`."""
    old_name = ref_name(str(old.get("$ref", ""))) if isinstance(old, dict) else ""
    new_name = ref_name(str(new.get("$ref", ""))) if isinstance(new, dict) else ""
    old_where, old = ctx.resolve(ctx.old, old, old_where)
    where, new = ctx.resolve(ctx.new, new, where)
    if old_name and new_name and old_name != new_name:
        ctx.renames.setdefault(old_name, new_name)
    key = (pointer_from_path(old_where), pointer_from_path(where), direction)
    if key in ctx.seen or not isinstance(old, dict) or not isinstance(new, dict):
        return
    ctx.seen.add(key)
    old, new = flatten(ctx, ctx.old, old), flatten(ctx, ctx.new, new)
    if not types(ctx, old, new, where, direction):
        return
    enums(ctx, old, new, where, direction)
    extensible_enums(ctx, old, new, where, direction)
    constraints.bounds(ctx, old, new, where, direction)
    properties(ctx, old, new, old_where, where, direction)
    composition.alternatives(ctx, old, new, old_where, where, direction)
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        ctx.schema(old["items"], new["items"], (*old_where, "items"), (*where, "items"), direction)


def types(
    ctx: Context, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
) -> bool:
    """Record type changes; False when the types are unrelated (nothing deeper compares)."""
    was, now = type_set(old), type_set(new)
    composite = any(key in schema for schema in (old, new) for key in ("oneOf", "anyOf"))
    if was == now or ((was is None or now is None) and composite):
        return True
    shown_was = ", ".join(sorted(was)) if was else "any"
    shown_now = ", ".join(sorted(now)) if now else "any"
    message = f"type {shown_was} -> {shown_now}"
    request = direction == "request"
    if now is None or (was is not None and covers(now, was)):
        ctx.add(where, "type-widened:request" if request else "type-widened:response", message)
    elif was is None or covers(was, now):
        ctx.add(where, "type-narrowed:request" if request else "type-narrowed:response", message)
    else:
        ctx.add(where, "type-changed", message)
        return bool(was & now & {"object", "array"})
    return True


def enums(
    ctx: Context, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
) -> None:
    """Enum (or `const`) values added and removed, or the restriction set or lifted."""
    was = {as_json(value): value for value in enum_of(old)}
    now = {as_json(value): value for value in enum_of(new)}
    if was == now or (not was and not now):
        return
    added = [now[key] for key in now if key not in was] if was else []
    removed = [was[key] for key in was if key not in now] if now else []
    request = direction == "request"
    more: CategoryId = "enum-value-added:request" if request else "enum-value-added:response"
    fewer: CategoryId = "enum-value-removed:request" if request else "enum-value-removed:response"
    if not was:
        ctx.add(where, fewer, f"values restricted to {list(now.values())!r}")
    if not now:
        ctx.add(where, more, f"value restriction {list(was.values())!r} lifted")
    if added:
        ctx.add(where, more, f"enum value(s) {added!r} added")
    if removed:
        ctx.add(where, fewer, f"enum value(s) {removed!r} removed")


def extensible_enums(
    ctx: Context, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
) -> None:
    """`x-extensible-enum` (an open list of known values) compared value by value."""
    was = {as_json(v): v for v in sequence(old.get("x-extensible-enum"))}
    now = {as_json(v): v for v in sequence(new.get("x-extensible-enum"))}
    request = direction == "request"
    added = [now[key] for key in now if key not in was]
    removed = [was[key] for key in was if key not in now]
    if added:
        more: CategoryId = (
            "extensible-enum-value-added:request"
            if request
            else "extensible-enum-value-added:response"
        )
        ctx.add(where, more, f"extensible enum value(s) {added!r} added")
    if removed:
        fewer: CategoryId = (
            "extensible-enum-value-removed:request"
            if request
            else "extensible-enum-value-removed:response"
        )
        ctx.add(where, fewer, f"extensible enum value(s) {removed!r} removed")


def _marked(ctx: Context, document: dict[str, Any], schema: Any, keyword: str) -> bool:
    """Whether `schema` (through its `$ref`) says `keyword: true`."""
    target = ctx.with_target(document, schema)
    return isinstance(target, dict) and target.get(keyword) is True


def properties(
    ctx: Context,
    old: dict[str, Any],
    new: dict[str, Any],
    old_where: Path_,
    where: Path_,
    direction: Direction,
) -> None:
    """Properties added, removed, made required or optional, deprecated, and their schemas."""
    was = mapping(old.get("properties"))
    now = mapping(new.get("properties"))
    old_required = {str(n) for n in sequence(old.get("required"))}
    new_required = {str(n) for n in sequence(new.get("required"))}
    request = direction == "request"
    # A readOnly property is never sent in a request, a writeOnly one never answered: in
    # that direction its coming, going or being required changes nothing on the wire.
    hidden = "readOnly" if request else "writeOnly"
    was = {n: p for n, p in was.items() if not _marked(ctx, ctx.old, p, hidden)}
    now = {n: p for n, p in now.items() if not _marked(ctx, ctx.new, p, hidden)}
    for name in [name for name in now if name not in was]:
        required = name in new_required
        state = "required" if required else "optional"
        added: CategoryId = (
            ("property-added:request-required" if request else "property-added:response-required")
            if required
            else (
                (
                    "property-added:request-optional-closed"
                    if old.get("additionalProperties") is False
                    else "property-added:request-optional"
                )
                if request
                else "property-added:response-optional"
            )
        )
        ctx.add((*where, "properties", name), added, f"{state} {direction} property {name!r} added")
    for name in [name for name in was if name not in now]:
        removed: CategoryId = (
            "property-removed:request"
            if request
            else "property-removed:response-required"
            if name in old_required
            else "property-removed:response-optional"
        )
        ctx.add((*old_where, "properties", name), removed, f"{direction} property {name!r} removed")
    for name in [name for name in now if name in was]:
        at = (*where, "properties", name)
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
        deprecation(
            ctx,
            ctx.with_target(ctx.old, was[name]),
            ctx.with_target(ctx.new, now[name]),
            at,
            "property",
            repr(name),
        )
        ctx.schema(was[name], now[name], (*old_where, "properties", name), at, direction)
