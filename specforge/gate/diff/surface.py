"""The generated SDK's public surface, as the generator names it, and its delta."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specforge.generator.parse import build_api


@dataclass(frozen=True)
class Surface:
    """The generated SDK's public names: classes, methods and their parameters."""

    classes: frozenset[str]
    methods: frozenset[str]
    parameters: frozenset[str]  # "resource.method(name)"


def sdk_surface(document: dict[str, Any]) -> Surface:
    """Classes, `resource.method`s and their parameters as the generator would name them."""
    api = build_api(document)
    methods: set[str] = set()
    parameters: set[str] = set()
    for op in api.operations:
        method = ".".join((*op.resource, op.method_name))
        methods.add(method)
        body = op.body.properties if op.body and op.body.exploded else ()
        parameters.update(f"{method}({f.python_name})" for f in (*op.parameters, *body))
    return Surface(
        frozenset(api.schema_classes.values()), frozenset(methods), frozenset(parameters)
    )


def try_surface(document: dict[str, Any], side: str, notes: list[str]) -> Surface | None:
    """`sdk_surface(document)`, or None (and a note) when the generator cannot read it: a
    diff compares documents the validator rejects, which the generator need not accept."""
    try:
        return sdk_surface(document)
    except (TypeError, AttributeError, ValueError, KeyError, IndexError, RecursionError) as error:
        notes.append(
            f"the generated SDK surface of {side} could not be built ({type(error).__name__}: "
            f"{error}); its names are not compared"
        )
        return None


def surface_delta(old: Surface | None, new: Surface | None) -> dict[str, list[str]]:
    """Names added and removed, per kind (`classes_added`, ...); none when a side is unknown."""
    delta: dict[str, list[str]] = {}
    for name in ("classes", "methods", "parameters"):
        if old is None or new is None:
            delta[f"{name}_added"] = delta[f"{name}_removed"] = []
            continue
        before, after = getattr(old, name), getattr(new, name)
        delta[f"{name}_added"] = sorted(after - before)
        delta[f"{name}_removed"] = sorted(before - after)
    return delta
