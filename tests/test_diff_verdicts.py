"""Verdicts for three real transitions of the video API, judged for clients and servers."""

from __future__ import annotations

import copy
from typing import Any

from specforge.gate.diff import diff_documents


def _spec(prompt: dict[str, Any], server: str = "https://api.together.xyz/v1") -> dict[str, Any]:
    body = {"type": "object", "required": ["model"], "properties": {"model": {"type": "string"}}}
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


def test_a_request_type_widened_to_a_union_breaks_servers() -> None:
    old = _spec({"type": "string"})
    new = _spec({"oneOf": [{"type": "string"}, {"type": "object"}]})
    assert ("type-widened", False, True) in _verdicts(old, new)


def test_another_host_with_the_same_path_is_information() -> None:
    old = _spec({"type": "string"}, "https://api.together.xyz/v1")
    new = _spec({"type": "string"}, "https://api.together.ai/v1")
    assert _verdicts(old, new) == [("server-url-changed", False, False)]
    assert not diff_documents(old, new).breaking
