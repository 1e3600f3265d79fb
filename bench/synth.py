"""Synthetic OpenAPI 3.1 specs with N operations and as many component schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

OPERATIONS_PER_RESOURCE = 5


class _NoAliasDumper(yaml.SafeDumper):
    """Writes shared sub-objects out in full (loaders cap the number of YAML aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def json_of(target: str) -> dict[str, Any]:
    """A JSON content map whose schema is a $ref to `target`."""
    return {"application/json": {"schema": {"$ref": target}}}


def ok(target: str) -> dict[str, Any]:
    """A 200 response with a JSON body of `target`."""
    return {"200": {"description": "OK", "content": json_of(target)}}


def _resource(index: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Paths and schemas of one CRUD resource: 5 operations, 5 schemas."""
    name = f"Widget{index}"
    ref = f"#/components/schemas/{name}"
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    base = f"/widgets{index}"
    paths = {
        base: {
            "post": {
                "operationId": f"create{name}",
                "summary": f"Create a {name}",
                "tags": [f"widgets{index}"],
                "requestBody": {"required": True, "content": json_of(f"{ref}Create")},
                "responses": ok(ref),
            },
            "get": {
                "operationId": f"list{name}s",
                "summary": f"List {name}s",
                "tags": [f"widgets{index}"],
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    }
                ],
                "responses": ok(f"{ref}List"),
            },
        },
        base + "/{id}": {
            "parameters": [id_param],
            "get": {
                "operationId": f"retrieve{name}",
                "summary": f"Retrieve a {name}",
                "tags": [f"widgets{index}"],
                "responses": ok(ref),
            },
            "patch": {
                "operationId": f"update{name}",
                "summary": f"Update a {name}",
                "tags": [f"widgets{index}"],
                "requestBody": {"required": True, "content": json_of(f"{ref}Update")},
                "responses": ok(ref),
            },
            "delete": {
                "operationId": f"delete{name}",
                "summary": f"Delete a {name}",
                "tags": [f"widgets{index}"],
                "responses": {"204": {"description": "Deleted"}},
            },
        },
    }
    fields = {
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Its name."},
        "size": {"type": "integer", "minimum": 1, "maximum": 1000},
        "ratio": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "options": {
            "type": "object",
            "properties": {"enabled": {"type": "boolean"}, "label": {"type": "string"}},
        },
    }
    schemas = {
        f"{name}Status": {"type": "string", "enum": ["pending", "ready", "failed"]},
        name: {
            "type": "object",
            "required": ["id", "status", "name"],
            "properties": {
                "id": {"type": "string"},
                "status": {"$ref": f"{ref}Status"},
                **fields,
            },
        },
        f"{name}Create": {"type": "object", "required": ["name"], "properties": fields},
        f"{name}Update": {"type": "object", "properties": fields},
        f"{name}List": {
            "type": "object",
            "required": ["data"],
            "properties": {"data": {"type": "array", "items": {"$ref": ref}}},
        },
    }
    return paths, schemas


def synthetic_spec(operations: int) -> dict[str, Any]:
    """A valid OpenAPI 3.1 document with `operations` operations (a multiple of 5 is exact)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for index in range(max(1, operations // OPERATIONS_PER_RESOURCE)):
        more_paths, more_schemas = _resource(index)
        paths.update(more_paths)
        schemas.update(more_schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Synthetic API", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


def write_synthetic_spec(folder: Path, operations: int) -> Path:
    """Write the spec for `operations` as YAML into `folder`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"synthetic-{operations}.yaml"
    path.write_text(
        yaml.dump(synthetic_spec(operations), Dumper=_NoAliasDumper, sort_keys=False),
        encoding="utf-8",
    )
    return path
