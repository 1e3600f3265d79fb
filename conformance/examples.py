"""Deterministic values built from schemas: the spec's examples first, else the simplest fit."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from specforge.conformance.patterns import pattern_value
from specforge.document.schemas import json_types

Resolve = Callable[[Any], Any]
Accepts = Callable[[Any, Any], bool]
_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "hostname": "example.com",
}
MAX_DEPTH = 8


def _any(schema: Any, value: Any) -> bool:
    return True


def build(
    schema: Any, resolve: Resolve, *, full: bool = True, accepts: Accepts = _any, depth: int = 0
) -> Any:
    """A value for `schema`: its example/default/const/first enum value, else a minimal one.

    `full` includes every property of an object; otherwise only the required ones.
    `accepts(schema, value)` picks among examples and `oneOf`/`anyOf` branches.
    """
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    for key in ("const",):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return next((v for v in schema["enum"] if accepts(schema, v)), schema["enum"][0])
    if "example" in schema and depth > 0 and accepts(schema, schema["example"]):
        return schema["example"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples and depth > 0 and accepts(schema, examples[0]):
        return examples[0]
    if isinstance(schema.get("allOf"), list):
        parts = [
            build(part, resolve, full=full, accepts=accepts, depth=depth + 1)
            for part in schema["allOf"]
        ]
        if parts and not any(isinstance(value, dict) for value in parts):
            # parts of a scalar (`allOf: [{type: string}, {minLength: 1}]`): one that fits all
            return next((v for v in parts if accepts(schema, v)), parts[0])
        merged: dict[str, Any] = {}
        for value in parts:
            if isinstance(value, dict):
                merged.update(value)
        if not accepts(schema, merged):
            # a later part's looser property (`type: string`) overwrote an earlier one's
            # narrower value (`enum: [DOCUMENT]`): let the earlier parts win instead
            first_wins: dict[str, Any] = {}
            for value in reversed(parts):
                if isinstance(value, dict):
                    first_wins.update(value)
            merged = first_wins if accepts(schema, first_wins) else merged
        own = {k: v for k, v in schema.items() if k != "allOf"}
        if own.get("properties"):
            value = build(own, resolve, full=full, accepts=accepts, depth=depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            concrete = [b for b in branches if "null" not in json_types(resolve(b) or {})]
            ordered = concrete + [b for b in branches if b not in concrete]
            values = [
                build(b, resolve, full=full, accepts=accepts, depth=depth + 1) for b in ordered
            ]
            return next((v for v in values if accepts(schema, v)), values[0])
    kinds = [k for k in json_types(schema) if k != "null"] or json_types(schema)
    kind = kinds[0] if kinds else ("object" if "properties" in schema else "")
    return _scalar_or_container(kind, schema, resolve, full, accepts, depth)


def _scalar_or_container(
    kind: str, schema: dict[str, Any], resolve: Resolve, full: bool, accepts: Accepts, depth: int
) -> Any:
    if kind == "object":
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        result: dict[str, Any] = {}
        for name, prop in properties.items():
            if name in required or (full and not _write_only(resolve(prop))):
                value = build(prop, resolve, full=full, accepts=accepts, depth=depth + 1)
                if name in required or accepts(prop, value):
                    result[name] = value
        for name in sorted(required - set(result)):
            result[name] = "value"
        return result
    if kind == "array":
        # deep in a recursive schema (a tree of nodes), an array that may be empty ends it
        fallback = 0 if depth >= MAX_DEPTH - 2 else (1 if full else 0)
        count = max(int(schema.get("minItems", fallback)), 0)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        return [
            build(schema.get("items", {}), resolve, full=full, accepts=accepts, depth=depth + 1)
            for _ in range(count)
        ]
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(kind, schema)
    if kind == "boolean":
        return (
            bool(schema.get("default", False)) if isinstance(schema.get("default"), bool) else False
        )
    if kind == "null":
        return None
    return "value"


def _write_only(schema: Any) -> bool:
    return isinstance(schema, dict) and bool(schema.get("writeOnly"))


def _string(schema: dict[str, Any]) -> str:
    default = schema.get("default")
    if isinstance(default, str):
        return default
    value = _FORMATS.get(str(schema.get("format", "")), "value")
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, len(value))))
    if len(value) < low:
        value = value + "x" * (low - len(value))
    value = value[:high]
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not _matches(pattern, value):
        matched = pattern_value(pattern)
        if matched is not None and low <= len(matched) <= int(schema.get("maxLength", 1 << 30)):
            return matched
    return value


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True  # a pattern Python cannot read: left to the validator


def _number(kind: str, schema: dict[str, Any]) -> int | float:
    default = schema.get("default")
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        return default
    value: float = 0
    if "minimum" in schema:
        value = max(value, schema["minimum"])
    if "exclusiveMinimum" in schema and isinstance(schema["exclusiveMinimum"], (int, float)):
        value = max(value, schema["exclusiveMinimum"] + 1)
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    if "exclusiveMaximum" in schema and isinstance(schema["exclusiveMaximum"], (int, float)):
        value = min(value, schema["exclusiveMaximum"] - 1)
    multiple = schema.get("multipleOf")
    if isinstance(multiple, (int, float)) and multiple > 0 and value % multiple:
        value = (value // multiple + 1) * multiple
    return int(value) if kind == "integer" else float(value)
