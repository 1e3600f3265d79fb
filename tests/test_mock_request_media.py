"""The mock on shapes real specs have (the public Train Travel API's among them): a request body
documented as JSON and as XML, a required `writeOnly` property, a create whose `id` is in an
allOf part. Plain httpx over a socket against `tests/fixtures/bookings-xml-writeonly.yaml`."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from specforge.conformance.examples import build
from specforge.conformance.mock.forms import form_fields, xml_fields
from specforge.conformance.mock.handler import _identifiers
from specforge.conformance.mock.resources import DeletedPaths
from specforge.conformance.mock.server import MockOptions, running
from specforge.conformance.model import load_model, server_view

SPEC = Path(__file__).parent / "fixtures" / "bookings-xml-writeonly.yaml"
KEY = "media-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
XML = {**AUTH, "Content-Type": "application/xml"}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        running(MockOptions(spec=SPEC, api_key=KEY)) as origin,
        httpx.Client(base_url=origin, headers=AUTH, timeout=10) as http,
    ):
        yield http


def test_a_write_only_property_is_never_answered(client: httpx.Client) -> None:
    created = client.post("/bookings", json={"passenger": "Ada", "has_dog": True, "pin": "9"})
    assert created.status_code == 201, created.text
    assert "pin" not in created.json() and created.json()["id"], created.json()
    fetched = client.get(f"/bookings/{created.json()['id']}")
    assert fetched.status_code == 200 and "pin" not in fetched.json(), fetched.text


def test_an_xml_body_is_taken_and_validated(client: httpx.Client) -> None:
    valid = b"<booking><passenger>Ada</passenger><has_dog>true</has_dog><pin>1</pin></booking>"
    assert client.post("/bookings", content=valid, headers=XML).status_code == 201
    wrong_type = valid.replace(b"true", b"maybe")
    assert client.post("/bookings", content=wrong_type, headers=XML).status_code == 400
    missing = b"<booking><passenger>Ada</passenger></booking>"
    assert client.post("/bookings", content=missing, headers=XML).status_code == 400
    no_object = b"<booking>true</booking>"
    assert client.post("/bookings", content=no_object, headers=XML).status_code == 400
    assert client.post("/bookings", content=b"<booking>", headers=XML).status_code == 400
    text = {**AUTH, "Content-Type": "text/plain"}
    assert client.post("/bookings", content=b"Ada", headers=text).status_code == 415


def test_a_deleted_resource_created_again_is_back(client: httpx.Client) -> None:
    body = {"passenger": "Ada", "has_dog": False, "pin": "1"}
    booking_id = client.post("/bookings", json=body).json()["id"]
    assert client.delete(f"/bookings/{booking_id}").status_code == 204
    assert client.get(f"/bookings/{booking_id}").status_code == 404
    again = client.post("/bookings", json=body).json()["id"]
    assert again == booking_id  # the spec's example id, answered by every create
    assert client.get(f"/bookings/{booking_id}").status_code == 200


def test_xml_fields_reads_flat_bodies_only() -> None:
    assert xml_fields(b"<b><x>1</x><x>2</x><y/></b>") == ({"x": ["1", "2"], "y": [""]}, {})
    assert xml_fields(b"<b>true</b>") == "true"
    assert xml_fields(b"<b><x><z>1</z></x></b>", frozenset({"x"})) is None
    assert xml_fields(b"<b><x><z>1</z></x></b>") == ({}, {"x": {"z": "1"}})
    assert xml_fields(b'<b><x a="1">1</x></b>') is None
    assert xml_fields(b"<!DOCTYPE b [<!ENTITY e 'x'>]><b><x>&e;</x></b>") is None


def test_an_empty_multipart_form_has_no_field() -> None:
    assert form_fields("multipart/form-data; boundary=abc", b"--abc--\r\n") == {}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        # the public ReadMe API's slugs: a string held by two allOf parts
        ({"allOf": [{"type": "string"}, {"type": "string", "minLength": 1}]}, "value"),
        # its version names: an unanchored alternation
        ({"type": "string", "pattern": "stable|([0-9]+)(?:\\.([0-9]+))?"}, "stable"),
        ({"type": "string", "pattern": "^prj_[a-z0-9]{8}$"}, "prj_aaaaaaaa"),
        ({"type": "string", "pattern": "^v"}, "value"),
    ],
)
def test_built_answers_fit_scalar_all_of_and_patterns(
    schema: dict[str, Any], expected: str
) -> None:
    model = load_model(SPEC)
    value = build(schema, model.resolve, accepts=model.accepts)
    assert value == expected
    assert model.accepts(schema, value)


def test_an_all_of_keeps_the_narrower_value_and_a_deep_tree_ends() -> None:
    """The public Figma API's nodes: `allOf: [{type: enum [DOCUMENT]}, {type: string}]` over a
    recursive tree of children."""
    model = load_model(SPEC)
    node: dict[str, Any] = {
        "allOf": [
            {"type": "object", "required": ["type"], "properties": {"type": {"enum": ["DOC"]}}},
            {"type": "object", "properties": {"type": {"type": "string"}}},
        ]
    }
    assert build(node, model.resolve, accepts=model.accepts) == {"type": "DOC"}
    ref = {"$ref": "#/$defs/Node"}
    tree = {"type": "object", "properties": {"children": {"type": "array", "items": ref}}}

    def resolve(node: Any) -> Any:
        return tree if node == ref else node

    value = build(tree, resolve)
    validator = jsonschema.Draft202012Validator({**tree, "$defs": {"Node": tree}})
    assert validator.is_valid(value), value  # the deepest array is empty, not [null]


def test_a_discriminated_one_of_is_judged_by_the_branch_its_value_names() -> None:
    """The public ReadMe examples' pets: `Dog` and `Cat` both accept `{pet_type, bark}`, so plain
    `oneOf` refuses a valid dog; a server reads `pet_type` and judges the dog as a dog."""
    document: dict[str, Any] = {
        "Pet": {
            "oneOf": [{"$ref": "#/Dog"}, {"$ref": "#/Cat"}],
            "discriminator": {"propertyName": "pet_type", "mapping": {"dog": "#/Dog"}},
        },
        "Dog": {"type": "object", "properties": {"pet_type": {}, "bark": {"type": "boolean"}}},
        "Cat": {"type": "object", "properties": {"pet_type": {}, "bark": {"type": "boolean"}}},
    }
    view = server_view(copy.deepcopy(document))
    validator = jsonschema.Draft202012Validator({**view["Pet"], **{k: view[k] for k in view}})
    assert not jsonschema.Draft202012Validator(
        {**document["Pet"], **{k: document[k] for k in document}}
    ).is_valid({"pet_type": "dog", "bark": True})  # what a plain oneOf says
    assert validator.is_valid({"pet_type": "dog", "bark": True})
    assert validator.is_valid({"pet_type": "Cat", "bark": False})  # the schema name
    assert not validator.is_valid({"pet_type": "dog", "bark": "loud"})  # held to Dog
    assert not validator.is_valid({"pet_type": "bird"})
    assert not validator.is_valid({"bark": True})


def test_a_create_answering_a_deleted_slug_revives_it() -> None:
    deleted = DeletedPaths()
    deleted.add("/v2/branches/stable/guides/intro")
    deleted.add("/v2/branches/stable/guides/other")
    deleted.revive(*_identifiers({"data": {"slug": "intro", "title": "Intro", "order": 1}}))
    assert not deleted.gone("/v2/branches/stable/guides/intro")
    assert deleted.gone("/v2/branches/stable/guides/other")
