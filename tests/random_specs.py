"""Hypothesis strategies for random, valid OpenAPI 3.1 documents."""

from __future__ import annotations

import keyword
from typing import Any

from hypothesis import strategies as st

_NAME_CHARS = st.sampled_from("abcXYZ_-0 .é")
PROPERTY_NAMES = st.one_of(
    st.text(_NAME_CHARS, min_size=1, max_size=8),
    st.sampled_from(
        [
            *keyword.kwlist[:10],
            "self",
            "json",
            "model_config",
            "schema",
            "copy",
            "user-id",
            "userId",
        ]
    ),
)
SCHEMA_NAMES = st.text(st.sampled_from("AbcZ_.-9"), min_size=1, max_size=6).filter(
    lambda n: n[0].isalpha()
)


def _nullable(schema: dict[str, Any], draw: Any) -> dict[str, Any]:
    if draw(st.booleans()) and isinstance(schema.get("type"), str) and "enum" not in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return schema


@st.composite
def leaves(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["string", "integer", "number", "boolean", "enum", "const"]))
    if kind == "string":
        schema: dict[str, Any] = {"type": "string"}
        low = draw(st.none() | st.integers(0, 5))
        if low is not None:
            schema["minLength"] = low
            if draw(st.booleans()):
                schema["maxLength"] = low + draw(st.integers(0, 5))
    elif kind == "integer":
        schema = {"type": "integer"}
        low = draw(st.none() | st.integers(-50, 50))
        if low is not None:
            schema["minimum"] = low
            if draw(st.booleans()):
                schema["maximum"] = low + draw(st.integers(0, 100))
    elif kind == "number":
        schema = {"type": "number"}
        if draw(st.booleans()):
            schema["maximum"] = draw(st.integers(-10, 10))
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind == "enum":
        values = draw(
            st.lists(
                st.text(st.sampled_from("ab'\"\n1 "), min_size=1, max_size=4),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        schema = {"type": "string", "enum": values}
    else:
        schema = {
            "type": "string",
            "const": draw(st.text(st.sampled_from("xy'"), min_size=1, max_size=3)),
        }
    return _nullable(schema, draw)


def _objects(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        properties = draw(st.dictionaries(PROPERTY_NAMES, children, min_size=1, max_size=4))
        required = draw(
            st.lists(st.sampled_from(sorted(properties)), unique=True, max_size=len(properties))
        )
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = sorted(required)
        extra = draw(st.sampled_from([None, False, {"type": "integer"}]))
        if extra is not None:
            schema["additionalProperties"] = extra
        return schema

    return build()


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    arrays = st.builds(lambda items: {"type": "array", "items": items}, children)
    distinct = st.lists(leaves(), min_size=2, max_size=3, unique_by=lambda s: str(s.get("type")))
    any_of = distinct.map(lambda branches: {"anyOf": branches})
    one_of = distinct.filter(
        lambda b: (
            len({str(s["type"]) for s in b}) == len(b)
            and not any("null" in s["type"] or s["type"] in ("integer", "number") for s in b)
        )
    ).map(lambda b: {"oneOf": b})
    return st.one_of(_objects(children), arrays, any_of, one_of)


SCHEMAS = st.recursive(leaves(), _extend, max_leaves=8)
TOP_SCHEMAS = _objects(SCHEMAS)


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    """A valid OpenAPI 3.1 document: random named schemas, one operation using the first."""
    names = draw(st.lists(SCHEMA_NAMES, min_size=1, max_size=3, unique_by=str.lower))
    schemas = {name: draw(TOP_SCHEMAS) for name in names}
    first = {"$ref": f"#/components/schemas/{names[0]}"}
    media = {"application/json": {"schema": first}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Random", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.invalid/v1"}],
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "requestBody": {"content": media},
                    "responses": {"200": {"description": "ok", "content": media}},
                }
            }
        },
        "components": {"schemas": schemas},
    }
