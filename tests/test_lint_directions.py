"""Lint judges examples by their direction: requests never carry readOnly, responses writeOnly."""

from __future__ import annotations

import copy
from typing import Any

from specforge.gate.lint import lint_document

PET = {
    "type": "object",
    "required": ["id", "name", "password"],
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "name": {"type": "string"},
        "password": {"type": "string", "writeOnly": True},
    },
}


def _spec(request_example: dict[str, Any], response_example: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pets", "version": "1"},
        "paths": {
            "/pets": {
                "post": {
                    "operationId": "createPet",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Pet"},
                                "example": request_example,
                            }
                        }
                    },
                    "responses": {
                        "201": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Pet"},
                                    "example": response_example,
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"Pet": copy.deepcopy(PET)}},
    }


def _invalid(document: dict[str, Any]) -> list[str]:
    return [f.pointer for f in lint_document(document, ()) if f.rule == "example-invalid"]


def test_a_correct_spec_gets_no_example_error() -> None:
    document = _spec({"name": "Rex", "password": "p"}, {"id": "pet_1", "name": "Rex"})
    assert _invalid(document) == []


def test_what_a_direction_does_carry_is_still_required() -> None:
    document = _spec(
        {"password": "p"}, {"name": "Rex"}
    )  # name missing in the request, id in the answer
    assert len(_invalid(document)) == 2
