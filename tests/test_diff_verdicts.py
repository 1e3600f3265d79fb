"""Verdicts for real transitions of the video API and the pet store, judged for clients and
servers, and when a pattern counts as looser or tighter."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from specforge.gate.diff import diff_documents
from specforge.gate.diff.patterns import relation


def _spec(prompt: dict[str, Any], server: str = "https://api.together.xyz/v1") -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "object",
        "required": ["model"],
        "properties": {"model": {"type": "string"}},
    }
    body["properties"]["prompt"] = prompt
    return {
        "openapi": "3.1.0",
        "info": {"title": "Videos", "version": "1"},
        "servers": [{"url": server}],
        "paths": {
            "/videos": {
                "post": {
                    "operationId": "createVideo",
                    "requestBody": {"content": {"application/json": {"schema": body}}},
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }


def _verdicts(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, bool, bool]]:
    result = diff_documents(old, new)
    return [(c.category, c.breaks_clients, c.breaks_servers) for c in result.changes]


def test_a_new_optional_request_property_breaks_neither_side() -> None:
    old = _spec({"type": "string"})
    new = copy.deepcopy(old)
    schema = new["paths"]["/videos"]["post"]["requestBody"]["content"]["application/json"]
    schema["schema"]["properties"]["seed"] = {"type": "integer"}
    assert _verdicts(old, new) == [("property-added", False, False)]


def test_a_request_value_made_a_union_of_itself_and_more_breaks_servers() -> None:
    old = _spec({"type": "string"})
    new = _spec({"oneOf": [{"type": "string"}, {"type": "object"}]})
    assert _verdicts(old, new) == [("alternative-added", False, True)]


def test_a_request_type_widened_to_a_union_of_other_types_breaks_servers() -> None:
    old = _spec({"type": "string", "maxLength": 10})
    new = _spec({"oneOf": [{"type": "string"}, {"type": "object"}]})
    assert ("type-widened", False, True) in _verdicts(old, new)


def test_another_host_with_the_same_path_is_information() -> None:
    old = _spec({"type": "string"}, "https://api.together.xyz/v1")
    new = _spec({"type": "string"}, "https://api.together.ai/v1")
    assert _verdicts(old, new) == [("server-url-changed", False, False)]
    assert not diff_documents(old, new).breaking


def _with_pet(pet: dict[str, Any]) -> dict[str, Any]:
    """A spec whose Pet schema is sent (POST body) and answered (its 201)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pets", "version": "1"},
        "paths": {
            "/pets": {
                "post": {
                    "operationId": "createPet",
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                        }
                    },
                    "responses": {
                        "201": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                            },
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"Pet": pet}},
    }


def test_a_read_only_property_made_required_breaks_no_request() -> None:
    pet = {
        "type": "object",
        "properties": {"id": {"type": "string", "readOnly": True}, "name": {"type": "string"}},
    }
    required = {**pet, "required": ["id"]}
    changes = diff_documents(_with_pet(pet), _with_pet(required)).changes
    assert not any(c.breaks_clients for c in changes), changes


def test_a_write_only_property_removed_breaks_no_response() -> None:
    pet = {
        "type": "object",
        "properties": {"secret": {"type": "string", "writeOnly": True}, "name": {"type": "string"}},
    }
    lean = {"type": "object", "properties": {"name": {"type": "string"}}}
    changes = diff_documents(_with_pet(pet), _with_pet(lean)).changes
    assert not any(c.breaks_clients for c in changes if "response" in c.message), changes


def test_a_media_type_added_to_a_response_is_not_breaking() -> None:
    old = _with_pet({"type": "object"})
    new = copy.deepcopy(old)
    content = new["paths"]["/pets"]["post"]["responses"]["201"]["content"]
    content["application/xml"] = {"schema": {"type": "string"}}
    result = diff_documents(old, new)
    assert [c.category for c in result.changes] == ["content-type-added"]
    assert not result.breaking


@pytest.mark.parametrize(
    ("old", "new", "found"),
    [
        ("^[a-z]+$", "^[a-z0-9]+$", "looser"),  # a character class widened
        ("^[a-z]{1,5}$", "^[a-z]{1,10}$", "looser"),  # a quantifier widened
        ("^[a-z]+$", "^[a-z]*$", "looser"),
        ("^v\\d+$", "^v\\d+", "looser"),  # an anchor dropped
        ("^[a-z]+$", ".*", "looser"),  # matches anything
        ("^[a-z]+$", "", "looser"),
        ("^[a-z]+$", "^.*$", "looser"),
        ("^[A-Z]{2}-\\d+$", "^[A-Za-z]{2}-\\d+$", "looser"),
        ("^.+$", "^[a-z]+$", "tighter"),
        ("^[a-z0-9]{1,10}$", "^[a-z]{2,8}$", "tighter"),
        ("^[^0-9]+$", "^.+$", "changed"),  # `.` does not match a line end, [^0-9] does
        ("^a", "^b", "changed"),
        ("^(cat|dog)$", "^(cat|dog|bird)$", "changed"),  # alternation is not read
        ("^\\bx$", "^x$", "changed"),
        ("^[a-z]+$", "^[a-z]+$", "same"),
    ],
)
def test_a_pattern_is_looser_or_tighter_only_when_provable(old: str, new: str, found: str) -> None:
    assert relation(old, new) == found
