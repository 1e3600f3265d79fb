"""Specs built to break generators, each with the outcome it must have."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CANARY = "/tmp/specforge-canary-must-not-exist"
PAYLOAD = f"__import__('os').system('touch {CANARY}')"
TEXT_TRAPS = [
    '"""',
    "'''",
    "\\",
    "\\n",
    "{{ 7*7 }}",
    "{% raw %}",
    PAYLOAD,
    "\x00nul",
    "\x07bell",
    "line\u2028sep",
    f'"""; {PAYLOAD}; """',
    f"'''; {PAYLOAD}; '''",
    '\\\\"""',
]


@dataclass(frozen=True)
class Case:
    """A hostile spec and what must happen: generate (and import) or fail with `error`."""

    name: str
    document: dict[str, Any]
    error: str = ""


def spec(
    schemas: dict[str, Any], *, paths: dict[str, Any] | None = None, version: str = "3.1.0"
) -> dict[str, Any]:
    """A minimal valid document around `schemas`, with one operation using the first schema."""
    first = next(iter(schemas), None)
    content = (
        {"application/json": {"schema": {"$ref": f"#/components/schemas/{first}"}}}
        if first
        else None
    )
    operation: dict[str, Any] = {
        "operationId": "getThing",
        "responses": {"200": {"description": "ok"}},
    }
    if content:
        operation["responses"]["200"]["content"] = content
        operation["requestBody"] = {"content": content}
        operation["post"] = None
    operation.pop("post", None)
    return {
        "openapi": version,
        "info": {"title": "Hostile", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.invalid/v1"}],
        "paths": paths if paths is not None else {"/things": {"post": operation}},
        "components": {"schemas": schemas},
    }


def _names_case() -> Case:
    names = [
        "class",
        "from",
        "import",
        "self",
        "json",
        "model_config",
        "schema",
        "copy",
        "user-id",
        "user_id",
        "userId",
        "1st",
        "with space",
        "ünïcödé",
        "",
        "x" * 300,
        "None",
        "True",
        "print",
        "__init__",
    ]
    properties = {
        name: {"type": "string", "description": f"prop {i}"} for i, name in enumerate(names)
    }
    return Case("property-names", spec({"Thing": {"type": "object", "properties": properties}}))


def _class_names_case() -> Case:
    schemas = {
        "class": {"type": "object", "properties": {"a": {"type": "string"}}},
        "Thing": {"type": "object", "properties": {"a": {"type": "string"}}},
        "thing": {"type": "object", "properties": {"b": {"type": "string"}}},
        "Thing.V2": {"type": "object", "properties": {"c": {"type": "string"}}},
        "Thing-V2": {"type": "object", "properties": {"d": {"type": "string"}}},
        "BaseModel": {"type": "object", "properties": {"e": {"type": "string"}}},
        "Field": {"type": "string", "enum": ["a"]},
    }
    return Case("colliding-class-names", spec(schemas))


def _text_case() -> Case:
    properties = {
        f"p{i}": {"type": "string", "description": trap, "example": trap, "default": trap}
        for i, trap in enumerate(TEXT_TRAPS)
    }
    properties["choice"] = {
        "type": "string",
        "enum": ['a"b', "c'd", "e\nf", "123", "", "\\", PAYLOAD],
    }
    document = spec(
        {
            "Thing": {
                "type": "object",
                "description": TEXT_TRAPS[0] + PAYLOAD,
                "properties": properties,
            }
        }
    )
    document["info"]["title"] = f'Hostile """ {PAYLOAD}'
    document["paths"]["/things"]["post"]["summary"] = f"{{% for x in y %}} {PAYLOAD} '''"
    document["paths"]["/things"]["post"]["description"] = "\\" + TEXT_TRAPS[5]
    return Case("text-stays-text", document)


def _operation_ids_case() -> Case:
    ok: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
    paths = {
        "/a/b": {"get": {**ok, "operationId": "a/b.c"}, "post": {**ok, "operationId": "class"}},
        "/a/{id}": {
            "get": {
                **ok,
                "operationId": "import",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
            }
        },
        "/c": {"get": ok, "delete": ok},
    }
    return Case("operation-ids", spec({}, paths=paths))


def _structure_case() -> Case:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(200):
        deep = {"type": "object", "properties": {"n": deep}}
    schemas = {
        "Node": {
            "type": "object",
            "properties": {
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
            },
        },
        "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
        "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}},
        "Conflict": {"allOf": [{"type": "string"}, {"type": "integer"}]},
        "Empty": {},
        "MapAny": {"type": "object", "additionalProperties": True},
        "MapNone": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"x": {"type": "string"}},
        },
        "MapTyped": {"type": "object", "additionalProperties": {"type": "integer"}},
        "Deep": deep,
    }
    return Case("structure", spec(schemas))


def _nullable_30_case() -> Case:
    schemas = {
        "Thing": {
            "type": "object",
            "properties": {
                "a": {"type": "string", "nullable": True},
                "b": {"$ref": "#/components/schemas/Other", "nullable": True},
                "c": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            },
        },
        "Other": {"type": "object", "properties": {"x": {"type": "string"}}},
    }
    return Case("nullable-3.0", spec(schemas, version="3.0.3"))


def _ref_cycle_case() -> Case:
    return Case(
        "ref-cycle",
        spec({"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}),
        error="",
    )


CASES = [
    _names_case(),
    _class_names_case(),
    _text_case(),
    _operation_ids_case(),
    _structure_case(),
    _nullable_30_case(),
    _ref_cycle_case(),
]
