"""The mock as faithful as the suite is strict, over a real socket: form bodies validated,
deleted resources gone, every security scheme type checked where the spec puts it, requests
held to their formats and integer ranges, and `Prefer: code=` answering a documented response.
`specforge conform` then passes on the mock of each of these specs and catches it ignoring
credentials."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from specforge.conformance.faults import parse_faults
from specforge.conformance.mock.server import MockOptions, running
from specforge.conformance.runner import ConformOptions, conform

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "tests" / "fixtures" / "acme-projects.yaml"
KEY = "fidelity-key-0123456789"
PROJECT = "prj_abcd1234"


def _spec(tmp: Path, name: str, scheme: dict[str, Any], *, forbidden: bool = False) -> Path:
    """A small 3.0 spec: one secured collection with a create (urlencoded form) and a list."""
    responses: dict[str, Any] = {
        "401": {"description": "No or wrong credentials."},
        "400": {"description": "Invalid input."},
    }
    if forbidden:
        responses["403"] = {"description": "Wrong credentials."}
    item = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": f"{name} API", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "security": [{"Key": []}],
        "components": {"securitySchemes": {"Key": scheme}},
        "paths": {
            "/notes": {
                "get": {
                    "operationId": "listNotes",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "format": "int32", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Notes.",
                            "content": {
                                "application/json": {"schema": {"type": "array", "items": item}}
                            },
                        },
                        **responses,
                    },
                },
                "post": {
                    "operationId": "createNote",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "required": ["title"],
                                    "properties": {
                                        "title": {"type": "string", "maxLength": 20},
                                        "due": {"type": "string", "format": "date-time"},
                                        "priority": {"type": "integer", "format": "int32"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Created.",
                            "content": {"application/json": {"schema": item}},
                        },
                        **responses,
                    },
                },
            }
        },
    }
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


SCHEMES: dict[str, tuple[dict[str, Any], Any]] = {
    "query": ({"type": "apiKey", "in": "query", "name": "api_key"}, {"params": {"api_key": KEY}}),
    "cookie": (
        {"type": "apiKey", "in": "cookie", "name": "session"},
        {"headers": {"Cookie": f"session={KEY}"}},
    ),
    "basic": (
        {"type": "http", "scheme": "basic"},
        {"headers": {"Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()}},
    ),
}


@pytest.fixture(scope="module")
def acme() -> Iterator[httpx.Client]:
    with (
        running(MockOptions(spec=ACME, api_key=KEY)) as url,
        httpx.Client(base_url=url + "/v1", headers={"X-Acme-Key": KEY}) as client,
    ):
        yield client


# -- bodies ------------------------------------------------------------------------------------
def test_multipart_is_validated(acme: httpx.Client) -> None:
    upload = f"/projects/{PROJECT}/assets"
    good = acme.post(upload, files={"file": ("a.png", b"\x89PNG\x00\x01")}, data={"caption": "hi"})
    assert good.status_code == 201, good.text
    no_file = acme.post(upload, files={"other": ("a.txt", b"x")}, data={"caption": "hi"})
    assert no_file.status_code == 400 and "file" in no_file.text
    too_long = acme.post(upload, files={"file": ("a.png", b"x")}, data={"caption": "c" * 201})
    assert too_long.status_code == 400 and "caption" in too_long.text
    broken = acme.post(
        upload, content=b"--x\r\nnot a part", headers={"content-type": "multipart/form-data"}
    )
    assert broken.status_code == 400


def test_a_deleted_resource_is_gone(acme: httpx.Client) -> None:
    project = "prj_zzzz9999"
    assert acme.get(f"/projects/{project}").status_code == 200
    assert acme.delete(f"/projects/{project}").status_code in (200, 204)
    assert acme.get(f"/projects/{project}").status_code == 404
    assert acme.patch(f"/projects/{project}", json={"name": "x"}).status_code == 404
    assert acme.get(f"/projects/{PROJECT}").status_code == 200  # the others are still there


def test_prefer_code_answers_a_documented_response(acme: httpx.Client) -> None:
    spec = yaml.safe_load(ACME.read_text(encoding="utf-8"))
    got = acme.get(f"/projects/{PROJECT}", headers={"Prefer": "code=404"})
    assert got.status_code == 404
    schema = {**spec["components"]["schemas"]["Error"], "components": spec["components"]}
    jsonschema.validate(got.json(), schema)
    undocumented = acme.get(f"/projects/{PROJECT}", headers={"Prefer": "code=418"})
    assert undocumented.status_code == 400 and "418" in undocumented.text


def test_a_wrong_key_gets_401_when_403_is_not_documented(acme: httpx.Client) -> None:
    got = acme.get("/projects", headers={"X-Acme-Key": KEY[:-1] + "x"})
    assert got.status_code == 401


# -- auth of every kind, formats and ranges -------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(SCHEMES))
def test_every_scheme_type_is_checked_where_the_spec_puts_it(kind: str, tmp_path: Path) -> None:
    scheme, credentials = SCHEMES[kind]
    spec = _spec(tmp_path, kind, scheme, forbidden=True)
    with running(MockOptions(spec=spec, api_key=KEY)) as url, httpx.Client(base_url=url) as client:
        assert client.get("/v1/notes", **credentials).status_code == 200
        assert client.get("/v1/notes").status_code == 401
        wrong = json.loads(json.dumps(credentials).replace(KEY, KEY[:-1] + "x"))
        if kind == "basic":
            wrong = {"headers": {"Authorization": "Basic " + base64.b64encode(b"other:").decode()}}
        assert client.get("/v1/notes", **wrong).status_code == 403  # documented here
        misplaced = {"headers": {"api_key": KEY, "session": KEY, "Authorization": f"Bearer {KEY}"}}
        assert client.get("/v1/notes", **misplaced).status_code == 401


def test_formats_and_integer_ranges_are_held(tmp_path: Path) -> None:
    scheme, credentials = SCHEMES["query"]
    spec = _spec(tmp_path, "ranges", scheme)
    with running(MockOptions(spec=spec, api_key=KEY)) as url, httpx.Client(base_url=url) as client:

        def create(**form: str) -> int:
            return client.post("/v1/notes", data=form, **credentials).status_code

        assert create(title="ok", due="2024-01-01T00:00:00Z", priority="3") == 201
        assert create(title="ok", due="yesterday") == 400
        assert create(title="ok", priority=str(2**31)) == 400
        assert create(title="t" * 21) == 400
        assert create(due="2024-01-01T00:00:00Z") == 400  # title is required
        limit = {"params": {**credentials["params"], "limit": str(2**40)}}
        assert client.get("/v1/notes", **limit).status_code == 400


@pytest.mark.parametrize("kind", sorted(SCHEMES))
def test_conform_passes_on_the_mock_and_catches_ignored_credentials(
    kind: str, tmp_path: Path
) -> None:
    spec = _spec(tmp_path, kind, SCHEMES[kind][0])
    clean = conform(ConformOptions(spec=spec, max_examples=5), out=io.StringIO())
    assert (clean.exit_code, clean.failed_checks) == (0, []), clean.report[-3000:]
    careless = conform(
        ConformOptions(spec=spec, max_examples=5, faults=["no-auth-check"]), out=io.StringIO()
    )
    assert careless.exit_code == 1
    assert {"auth_required", "ignored_auth"} <= set(careless.failed_checks), careless.failed_checks
    assert parse_faults(["no-auth-check"]).active


BOOKSHELF = ROOT / "tests" / "fault_corpus" / "specs" / "bookshelf.yaml"


def test_documented_response_headers_are_sent(tmp_path: Path) -> None:
    """The bookshelf spec's create answers with `Location` and `ETag` (both required), its
    retrieve with `ETag`: the mock sends them, so Schemathesis' header check passes on it."""
    with running(MockOptions(spec=BOOKSHELF, api_key=KEY)) as origin:
        document = yaml.safe_load(BOOKSHELF.read_text(encoding="utf-8"))
        scheme = next(iter(document["components"]["securitySchemes"].values()))
        answer = httpx.post(
            f"{origin}/v1/books",  # the server URL's path
            json={"title": "Dune", "author": "Frank Herbert", "isbn": "9780441172719"},
            headers={scheme["name"]: KEY},
            timeout=10,
        )
    assert answer.status_code < 300, answer.text
    assert answer.headers.get("location") and answer.headers.get("etag")


@pytest.mark.parametrize("name", ["bookshelf", "tracker"])
def test_the_suite_passes_on_the_mock_of_specs_of_other_shapes(name: str) -> None:
    """Specs of the fault corpus (3.0 apiKey, patterns, multipart, cursor pages, required
    response headers; 3.1 basic auth, forms, offset pages, a job whose id has a pattern and
    whose error is required and null): the mock answers every keyword, so its own suite and
    Schemathesis' checks pass against it."""
    spec = ROOT / "tests" / "fault_corpus" / "specs" / f"{name}.yaml"
    result = conform(ConformOptions(spec=spec, max_examples=4), out=io.StringIO())
    assert (result.exit_code, result.failed_checks) == (0, []), result.report[-3000:]
    wanted = {"bookshelf": "response_headers_conformance", "tracker": "pagination_no_repeats"}
    assert wanted[name] in result.passed_checks
