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


def surface_delta(old: Surface, new: Surface) -> dict[str, list[str]]:
    """Names added and removed, per kind (`classes_added`, `methods_removed`, ...)."""
    delta: dict[str, list[str]] = {}
    for name in ("classes", "methods", "parameters"):
        before, after = getattr(old, name), getattr(new, name)
        delta[f"{name}_added"] = sorted(after - before)
        delta[f"{name}_removed"] = sorted(before - after)
    return delta
