"""An operation's parameters (its path item's and its own), matched by location and name."""

from __future__ import annotations

from typing import Any

from specforge.gate.diff.context import Context, Path_
from specforge.gate.diff.lifecycle import deprecation
from specforge.gate.diff.operations import TEMPLATE, Op

ParameterKey = tuple[str, str]  # (in, name); a path parameter by position, a header lower-cased


def parameters_of(
    ctx: Context, document: dict[str, Any], op: Op
) -> dict[ParameterKey, tuple[Path_, dict[str, Any]]]:
    """The parameters an operation takes, by key, with where each is written."""
    found: dict[ParameterKey, tuple[Path_, dict[str, Any]]] = {}
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


def compare(ctx: Context, before: Op, after: Op) -> None:
    """Parameters added, removed, made required or optional, deprecated, and their schemas."""
    old = parameters_of(ctx, ctx.old, before)
    new = parameters_of(ctx, ctx.new, after)
    for key in sorted(set(new) - set(old)):
        where, parameter = new[key]
        required = parameter.get("required") is True or key[0] == "path"
        state = "required" if required else "optional"
        ctx.add(
            where,
            "parameter-added:required" if required else "parameter-added:optional",
            f"{state} {key[0]} parameter {parameter['name']!r} added to {after.label}",
        )
    for key in sorted(set(old) - set(new)):
        where, parameter = old[key]
        ctx.add(
            where,
            "parameter-removed",
            f"{key[0]} parameter {parameter['name']!r} removed from {before.label}",
        )
    for key in sorted(set(old) & set(new)):
        (old_where, was), (where, now) = old[key], new[key]
        name = str(now["name"])
        if now.get("required") is True and was.get("required") is not True:
            ctx.add(where, "parameter-required", f"parameter {name!r} made required")
        elif was.get("required") is True and now.get("required") is not True:
            ctx.add(where, "parameter-optional", f"parameter {name!r} made optional")
        deprecation(ctx, was, now, where, "parameter", repr(name))
        ctx.schema(
            was.get("schema"),
            now.get("schema"),
            (*old_where, "schema"),
            (*where, "schema"),
            "request",
        )
