"""An operation's parameters (its path item's and its own), matched by location and name."""

from __future__ import annotations

from typing import Any

from specforge.document.schemas import json_types
from specforge.gate.diff.context import Context, Path_, mapping
from specforge.gate.diff.lifecycle import announced, deprecation, removal_note
from specforge.gate.diff.operations import TEMPLATE, Op
from specforge.gate.diff.values import default_change

ParameterKey = tuple[str, str]  # (in, name); a path parameter by position, a header lower-cased
Found = dict[ParameterKey, tuple[Path_, dict[str, Any]]]
_STYLES = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}


def parameters_of(ctx: Context, document: dict[str, Any], op: Op) -> Found:
    """The parameters an operation takes, by key, with where each is written."""
    found: Found = {}
    positions = {name[1:-1]: str(index) for index, name in enumerate(TEMPLATE.findall(op.path))}
    groups = (
        ((*op.location[:2], "parameters"), op.item.get("parameters")),
        ((*op.location, "parameters"), op.operation.get("parameters")),
    )
    for where, group in groups:
        for index, raw in enumerate(group if isinstance(group, list) else []):
            path, parameter = ctx.resolve(document, raw, (*where, index))
            if not isinstance(parameter, dict) or "name" not in parameter:
                continue
            location, name = str(parameter.get("in", "")), str(parameter["name"])
            key = positions.get(name, name) if location == "path" else name
            key = key.lower() if location == "header" else key
            found[(location, key)] = (path, parameter)
    return found


def schema_of(parameter: dict[str, Any], where: Path_) -> tuple[Path_, Any]:
    """A parameter's schema: its `schema`, else that of its (first) `content` media type."""
    if "schema" in parameter:
        return (*where, "schema"), parameter["schema"]
    content = mapping(parameter.get("content"))
    for media in sorted(content, key=str):
        if isinstance(content[media], dict):
            return (*where, "content", media, "schema"), content[media].get("schema")
    return (*where, "schema"), None


def _required(key: ParameterKey, parameter: dict[str, Any]) -> bool:
    return parameter.get("required") is True or key[0] == "path"


def _moves(old: Found, new: Found) -> dict[ParameterKey, ParameterKey]:
    """Parameters of the same name that changed `in`: old key -> new key."""
    gone = {str(old[k][1]["name"]).lower(): k for k in sorted(set(old) - set(new))}
    came = {str(new[k][1]["name"]).lower(): k for k in sorted(set(new) - set(old))}
    return {gone[name]: came[name] for name in sorted(set(gone) & set(came))}


def compare(ctx: Context, before: Op, after: Op) -> None:
    """Parameters added, removed, moved, made required or optional, deprecated, re-serialised,
    given another default, and their schemas."""
    old = parameters_of(ctx, ctx.old, before)
    new = parameters_of(ctx, ctx.new, after)
    moves = _moves(old, new)
    for key in sorted(set(new) - set(old) - set(moves.values())):
        where, parameter = new[key]
        required = _required(key, parameter)
        state = "required" if required else "optional"
        ctx.add(
            where,
            "parameter-added:required" if required else "parameter-added:optional",
            f"{state} {key[0]} parameter {parameter['name']!r} added to {after.label}",
        )
    for key in sorted(set(old) - set(new) - set(moves)):
        where, parameter = old[key]
        gone = announced(ctx, parameter)
        note = removal_note(ctx, parameter) or (" (deprecated before)" if gone else "")
        ctx.add(
            where,
            "parameter-removed:deprecated" if gone else "parameter-removed",
            f"{key[0]} parameter {parameter['name']!r} removed from {before.label}{note}",
            in_old=True,
        )
    pairs = [(key, key) for key in sorted(set(old) & set(new))] + sorted(moves.items())
    for old_key, new_key in pairs:
        _one(ctx, old_key, new_key, old[old_key], new[new_key])


def _one(
    ctx: Context,
    old_key: ParameterKey,
    new_key: ParameterKey,
    before: tuple[Path_, dict[str, Any]],
    after: tuple[Path_, dict[str, Any]],
) -> None:
    (old_where, was), (where, now) = before, after
    name = str(now["name"])
    if old_key[0] != new_key[0]:
        ctx.add(
            where,
            "parameter-location-changed",
            f"parameter {name!r} moved from {old_key[0]} to {new_key[0]}",
        )
    if _required(new_key, now) and not _required(old_key, was):
        ctx.add(where, "parameter-required", f"parameter {name!r} made required")
    elif _required(old_key, was) and not _required(new_key, now):
        ctx.add(where, "parameter-optional", f"parameter {name!r} made optional")
    deprecation(ctx, was, now, where, "parameter", repr(name))
    old_schema_where, old_schema = schema_of(was, old_where)
    schema_where, schema = schema_of(now, where)
    if new_key[0] == old_key[0]:
        _style(ctx, new_key[0], was, now, ctx.with_target(ctx.new, schema), where, name)
    default_change(
        ctx,
        ctx.with_target(ctx.old, old_schema),
        ctx.with_target(ctx.new, schema),
        _required(new_key, now),
        where,
        f"parameter {name!r}",
    )
    ctx.schema(old_schema, schema, old_schema_where, schema_where, "request")


def _serialization(location: str, parameter: dict[str, Any], composite: bool) -> dict[str, Any]:
    style = str(parameter.get("style") or _STYLES.get(location, "form"))
    explode = parameter.get("explode")
    found: dict[str, Any] = {
        "style": style,
        "allowReserved": parameter.get("allowReserved") is True,
        "allowEmptyValue": parameter.get("allowEmptyValue") is True,
    }
    if composite:  # explode changes nothing for a single value
        found["explode"] = bool(style == "form") if explode is None else explode is True
    return found


def _style(
    ctx: Context,
    location: str,
    was: dict[str, Any],
    now: dict[str, Any],
    schema: Any,
    where: Path_,
    name: str,
) -> None:
    """How the value is written on the wire (`style`, `explode`, `allowReserved`...)."""
    kinds = set(json_types(schema)) if isinstance(schema, dict) else set()
    composite = not kinds or bool(kinds & {"array", "object"})
    before = _serialization(location, was, composite)
    after = _serialization(location, now, composite)
    if before["style"] != after["style"]:  # its default explode comes with it
        before.pop("explode", None)
        after.pop("explode", None)
    for key in before:
        if before[key] != after.get(key):
            ctx.add(
                where,
                "parameter-style-changed",
                f"parameter {name!r} {key} {before[key]!r} -> {after[key]!r}",
            )
