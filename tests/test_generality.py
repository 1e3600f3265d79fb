"""Hand-written 3.0 and 3.1 documents using the constructs real APIs use.

Each document generates a package (under a unique name, in a temporary folder) that imports,
passes `mypy --strict`, and whose client is driven against the scripted local server.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from specforge.config import Config
from specforge.generator.pipeline import GenerationResult, build, generate
from tests.scripted_server import Reply, ScriptedServer

CONSTRUCTS = Path(__file__).resolve().parent / "fixtures" / "constructs"
SPEC_31 = CONSTRUCTS / "constructs-3.1.yaml"
SPEC_30 = CONSTRUCTS / "constructs-3.0.yaml"
KEY = "sk-constructs-key"
CAT = {"id": 1, "name": "Tom", "pet_type": "cat", "lives": 9, "born_at": "2020-01-02T03:04:05Z"}
DOG = {"id": 2, "name": "Rex", "pet_type": "dog", "good_boy": True, "tag": None}
ORDER = {
    "id": "3f1c2a56-5b7e-4a43-9a52-2f0a4d1f0c11",
    "created_at": "2024-05-06T07:08:09+00:00",
    "item": "book",
    "quantity": 2,
    "note": None,
    "priority": None,
}


class Generated:
    """A package generated from one fixture, imported under its own name."""

    def __init__(self, result: GenerationResult, root: Path, package: str) -> None:
        self.result = result
        self.root = root
        self.package = package
        self.module = importlib.import_module(package)
        self.models = importlib.import_module(f"{package}.models")

    def client(self, server: ScriptedServer, **options: Any) -> Any:
        return self.module.Client(api_key=KEY, base_url=server.base_url, **options)

    def async_client(self, server: ScriptedServer) -> Any:
        return self.module.AsyncClient(api_key=KEY, base_url=server.base_url)


def _generate(base: Path, spec: Path, package: str) -> Generated:
    config = Config(spec=spec, package=package, output=base / package)
    result = generate(config)
    sys.path.insert(0, str(base / package / "src"))
    return Generated(result, base / package, package)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Generated]]:
    """Both fixtures generated once per session under names no other test uses."""
    base = tmp_path_factory.mktemp("constructs")
    suffix = uuid.uuid4().hex[:8]
    made = {
        "3.1": _generate(base, SPEC_31, f"constructs31_{suffix}"),
        "3.0": _generate(base, SPEC_30, f"constructs30_{suffix}"),
    }
    yield made
    for item in made.values():
        sys.path.remove(str(item.root / "src"))
        for name in [m for m in sys.modules if m.split(".")[0] == item.package]:
            del sys.modules[name]


@pytest.fixture
def v31(packages: dict[str, Generated]) -> Generated:
    return packages["3.1"]


@pytest.fixture
def v30(packages: dict[str, Generated]) -> Generated:
    return packages["3.0"]


def _query(seen_path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(seen_path).query, keep_blank_values=True)


# -- generation -----------------------------------------------------------------------------


def test_both_documents_generate_every_operation_and_schema_without_warnings(
    packages: dict[str, Generated],
) -> None:
    assert packages["3.1"].result.summary() == "16 operations, 22 models, 0 warnings"
    assert packages["3.0"].result.summary() == "7 operations, 12 models, 0 warnings"
    for item in packages.values():
        for name, cls in item.result.api.schema_classes.items():
            assert hasattr(item.models, cls), f"component {name} has no model {cls}"


def test_generated_packages_pass_mypy_strict(packages: dict[str, Generated]) -> None:
    sources = [str(item.root / "src") for item in packages.values()]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *sources],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_operations_without_operation_id_get_stable_readable_names() -> None:
    names = []
    for _ in range(2):
        api = build(Config(spec=SPEC_31, package="x", output=Path("unused"))).api
        names.append(sorted(".".join((*op.resource, op.method_name)) for op in api.operations))
    assert names[0] == names[1]
    for expected in (
        "pets.create",
        "pets.update",
        "pets.replace",
        "pets.delete",
        "pets.retrieve",
        "auth.create_token",
        "health.retrieve",
        "report.retrieve",
        "pets.update_photo",
        "pets.retrieve_photo",
        "owners.pets.retrieve",
    ):
        assert expected in names[0]


def test_several_tags_group_by_path_not_tag(v31: Generated) -> None:
    client = v31.client(ScriptedServer())
    assert {"pets", "owners", "auth", "tree", "graph", "settings", "events", "health"} <= {
        name for name in dir(client) if not name.startswith("_")
    }


# -- parameters -----------------------------------------------------------------------------


def test_query_header_cookie_parameters_with_style_and_explode(
    v31: Generated, server: ScriptedServer
) -> None:
    server.script(Reply(body={"data": [CAT, DOG], "next": None}))
    request_id = "0b6c3d0e-3f7a-4a8e-9a55-2a2b7f5e1e10"
    page = v31.client(server).pets.list(
        limit=5,
        tags=["a", "b"],
        kinds=["x", "y"],
        filter={"color": "red"},
        x_request_id=request_id,
        session="s-1",
    )
    seen = server.requests[0]
    assert seen.path.startswith("/v1/pets?")
    query = _query(seen.path)
    assert query == {"limit": ["5"], "tags": ["a,b"], "kinds": ["x|y"], "color": ["red"]}
    assert seen.headers["X-Request-Id"] == request_id
    assert "session=s-1" in seen.headers["Cookie"]
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    cat, dog = page.data
    assert isinstance(cat, v31.models.PetCat) and isinstance(dog, v31.models.PetDog)


def test_array_path_parameter_simple_style_and_uuid(v31: Generated, server: ScriptedServer) -> None:
    server.script(Reply(body=[CAT]))
    owner = "7d4e0a4b-1c77-4c0a-8d1f-4e0a9a2b6c3d"
    result = v31.client(server).owners.pets.retrieve(owner, [1, 2, 3])
    assert server.requests[0].path == f"/v1/owners/{owner}/pets/1,2,3"
    assert isinstance(result[0], v31.models.PetCat)


def test_exploded_array_query_and_enum_parameter_30(v30: Generated, server: ScriptedServer) -> None:
    server.script(Reply(body=[ORDER]))
    orders = v30.client(server).orders.list(status="open", ids=[1, 2], x_trace="t")
    seen = server.requests[0]
    assert _query(seen.path) == {"status": ["open"], "ids": ["1", "2"]}
    assert seen.headers["X-Trace"] == "t" and seen.headers["X-API-Key"] == KEY
    assert str(orders[0].id) == ORDER["id"]


# -- methods and bodies -----------------------------------------------------------------------


def test_post_without_operation_id_put_patch_delete(v31: Generated, server: ScriptedServer) -> None:
    client = v31.client(server)
    server.script(Reply(status=201, body=CAT), Reply(body=DOG), Reply(body=CAT), Reply(status=204))
    created = client.pets.create(name="Tom", pet_type="cat")
    replaced = client.pets.replace(2, name="Rex", pet_type="dog")
    updated = client.pets.update(1, nickname=None)
    deleted = client.pets.delete(1)
    methods = [(r.method, r.path) for r in server.requests]
    assert methods == [
        ("POST", "/v1/pets"),
        ("PUT", "/v1/pets/2"),
        ("PATCH", "/v1/pets/1"),
        ("DELETE", "/v1/pets/1"),
    ]
    assert server.requests[0].json() == {"name": "Tom", "pet_type": "cat"}
    assert server.requests[2].json() == {"nickname": None}
    assert isinstance(created, v31.models.PetCat)
    assert isinstance(replaced, v31.models.PetDog) and replaced.good_boy is True
    assert isinstance(updated, v31.models.PetCat) and deleted is None


def test_request_bounds_are_checked_before_sending(
    v31: Generated, v30: Generated, server: ScriptedServer
) -> None:
    with pytest.raises(v31.module.RequestValidationError, match="name"):
        v31.client(server).pets.create(name="", pet_type="cat")
    with pytest.raises(v30.module.RequestValidationError, match="quantity"):
        v30.client(server).orders.create(item="book", quantity=0)  # exclusiveMinimum: true (3.0)
    assert server.requests == []


def test_multipart_body_and_text_response(v31: Generated, server: ScriptedServer) -> None:
    server.script(Reply(body=b"stored 3 bytes", headers={"Content-Type": "text/plain"}))
    receipt = v31.client(server).pets.update_photo(1, file=b"PNG", caption="me")
    seen = server.requests[0]
    assert seen.method == "PUT" and seen.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="caption"' in seen.body and b"me" in seen.body and b"PNG" in seen.body
    assert receipt == "stored 3 bytes"


def test_binary_and_csv_responses(v31: Generated, server: ScriptedServer) -> None:
    server.script(
        Reply(body=b"\x89PNG", headers={"Content-Type": "image/png"}),
        Reply(body=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"}),
    )
    client = v31.client(server)
    assert client.pets.retrieve_photo(1) == b"\x89PNG"
    assert client.report.retrieve() == "a,b\n1,2\n"


def test_form_encoded_body_without_auth(v31: Generated, server: ScriptedServer) -> None:
    server.script(
        Reply(
            body={"access_token": "t", "token_type": "bearer", "expires_at": "2030-01-01T00:00:00Z"}
        )
    )
    token = v31.client(server).auth.create_token(username="u", password="p w")
    seen = server.requests[0]
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(seen.body.decode()) == {"username": ["u"], "password": ["p w"]}
    assert "Authorization" not in seen.headers
    assert token.token_type == "bearer" and isinstance(token.expires_at, datetime)


def test_form_encoded_body_30(v30: Generated, server: ScriptedServer) -> None:
    server.script(Reply(body={"text": "hi", "pinned": True}))
    note = v30.client(server).orders.create_notes("o-1", text="hi", pinned=True)
    seen = server.requests[0]
    assert seen.path == "/orders/o-1/notes"
    assert parse_qs(seen.body.decode()) == {"text": ["hi"], "pinned": ["true"]}
    assert note.pinned is True


def test_multipart_with_nullable_field_30(v30: Generated, server: ScriptedServer) -> None:
    server.script(Reply(body={"size": 2**40}))
    result = v30.client(server).attachments.create(file=b"data", label="x")
    assert server.requests[0].headers["Content-Type"].startswith("multipart/form-data")
    assert result.size == 2**40  # int64 stays a Python int


def test_discriminated_union_body_and_response_30(v30: Generated, server: ScriptedServer) -> None:
    server.script(Reply(body={"kind": "square", "side": 2.0}))
    shape = v30.models.Shape.model_validate({"kind": "circle", "radius": 1.5})
    answer = v30.client(server).shapes.create(body=shape)
    assert server.requests[0].json() == {"kind": "circle", "radius": 1.5}
    assert isinstance(answer, v30.models.ShapeSquare)


# -- schemas --------------------------------------------------------------------------------


def test_recursive_and_mutually_recursive_schemas(v31: Generated, server: ScriptedServer) -> None:
    tree = {"value": "a", "children": [{"value": "b", "children": [{"value": "c"}]}]}
    person = {"name": "Ann", "pets": [{"name": "Tom", "owner": {"name": "Ann"}}]}
    server.script(Reply(body=tree), Reply(body=person))
    client = v31.client(server)
    node = client.tree.retrieve()
    assert isinstance(node.children[0].children[0], v31.models.TreeNode)
    owner = client.graph.retrieve()
    assert isinstance(owner.pets[0].owner, v31.models.Person)


def test_map_and_union_without_discriminator(v31: Generated, server: ScriptedServer) -> None:
    server.script(Reply(body={"a": 1, "b": 2}), Reply(body=[{"text": "x"}, {"number": 2.5}, None]))
    client = v31.client(server)
    assert client.settings.retrieve() == {"a": 1, "b": 2}
    events = client.events.list()
    assert isinstance(events[0], v31.models.TextEvent)
    assert isinstance(events[1], v31.models.NumberEvent) and events[2] is None


def test_default_only_response_is_the_result(v31: Generated, server: ScriptedServer) -> None:
    server.script(Reply(body={"status": "ok", "big": 2**62}))
    health = v31.client(server).health.retrieve()
    assert isinstance(health, v31.models.Health) and health.big == 2**62


def test_default_error_response_raises_with_body(v30: Generated, server: ScriptedServer) -> None:
    server.script(Reply(status=400, body={"title": "bad", "status": 400}))
    with pytest.raises(v30.module.BadRequestError) as caught:
        v30.client(server, max_retries=0).orders.create(item="book", quantity=1)
    assert caught.value.body == {"title": "bad", "status": 400}


def test_nullable_const_formats_read_and_write_only(v31: Generated, v30: Generated) -> None:
    fields_31 = v31.models.PetBase.model_fields
    assert fields_31["tag"].annotation == (str | None)  # 3.1 type array with "null"
    assert fields_31["id"].annotation is int  # readOnly, int64
    assert v31.models.NewPet.model_fields["secret"].annotation == (str | None)  # writeOnly
    order = v30.models.Order.model_validate(ORDER)
    assert order.note is None and order.priority is None  # 3.0 nullable: true
    assert isinstance(order.created_at, datetime) and isinstance(order.id, uuid.UUID)
    assert v31.models.Token.model_fields["token_type"].annotation.__args__ == ("bearer",)


def test_async_client_works_the_same(v31: Generated, server: ScriptedServer) -> None:
    import asyncio

    server.script(Reply(body=DOG))

    async def go() -> Any:
        async with v31.async_client(server) as client:
            return await client.pets.retrieve(2)

    assert isinstance(asyncio.run(go()), v31.models.PetDog)
