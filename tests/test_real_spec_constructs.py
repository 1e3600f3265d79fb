"""One minimal document per construct that broke generation of a real public spec.

Each root cause found with `tests/test_real_specs.py` has its own small document here, written
for the test (none is taken from a real spec). All are generated once, imported, and
type-checked together by one `mypy --strict` run; each test then reads its own package.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from specforge.config import Config
from specforge.generator.pipeline import GenerationResult, generate


def _document(
    schemas: dict[str, Any], paths: dict[str, Any] | None = None, version: str = "3.1.0"
) -> str:
    return yaml.safe_dump(
        {
            "openapi": version,
            "info": {"title": "Constructs", "version": "1.0.0"},
            "servers": [{"url": "https://api.example.com"}],
            "paths": paths or {},
            "components": {"schemas": schemas},
        },
        sort_keys=False,
    )


def _get(name: str, ref: str) -> dict[str, Any]:
    """A GET operation answering with the component `ref`."""
    return {
        "get": {
            "operationId": name,
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}
                    },
                }
            },
        }
    }


SPECS: dict[str, str] = {
    # A `properties` map naming properties `type` and `default` is no schema (the default
    # checks read it as one and crashed); `default` is a `type` list with null.
    "property_names": _document(
        {
            "Setting": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["flag", "text"]},
                    "default": {"type": ["boolean", "null"]},
                    "value": {"type": ["string", "null"], "default": "on"},
                },
            }
        },
        {"/settings": _get("getSetting", "Setting")},
    ),
    # A union's default is the property's, not that of the root model of each branch.
    "union_default": _document(
        {
            "Hyperparameters": {
                "type": "object",
                "properties": {
                    "batch_size": {
                        "oneOf": [
                            {"type": "string", "enum": ["auto"]},
                            {"type": "integer", "minimum": 1, "maximum": 256},
                        ],
                        "default": "auto",
                    },
                    "rate": {
                        "anyOf": [
                            {"type": "string", "enum": ["auto"]},
                            {"type": "number", "exclusiveMinimum": 0},
                        ],
                        "default": "auto",
                    },
                },
            }
        }
    ),
    # `default: null` on a schema that refuses null (a root model cannot default to None).
    "null_default": _document(
        {
            "Conversation": {
                "default": None,
                "oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/ConversationRef"}],
            },
            "ConversationRef": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Label": {"type": "string", "default": None},
        }
    ),
    # String defaults of formats the models type as something else than str.
    "format_defaults": _document(
        {
            "Deployment": {
                "type": "object",
                "properties": {
                    "environment_url": {"type": "string", "format": "uri", "default": ""},
                    "started_at": {
                        "type": "string",
                        "format": "date-time",
                        "default": "1970-01-01T00:00:00Z",
                    },
                    "id": {"type": "string", "format": "uuid", "default": "x"},
                    "email": {"type": "string", "format": "email", "default": "a@example.com"},
                },
            }
        }
    ),
    # Defaults of properties typed by a root model or a model: pydantic validates them.
    "model_defaults": _document(
        {
            "ParallelToolCalls": {"type": "boolean", "default": True},
            "Voice": {"anyOf": [{"type": "string"}, {"type": "string", "enum": ["alloy"]}]},
            "Count": {"type": "integer", "minimum": 1, "maximum": 10},
            "Options": {
                "type": "object",
                "properties": {
                    "parallel_tool_calls": {"$ref": "#/components/schemas/ParallelToolCalls"},
                    "voice": {"$ref": "#/components/schemas/Voice", "default": "alloy"},
                    "n": {"$ref": "#/components/schemas/Count", "default": 1},
                    "tags": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
                    "counts": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Count"},
                        "default": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                    },
                    "limits": {
                        "type": "object",
                        "additionalProperties": {"$ref": "#/components/schemas/Count"},
                        "default": {"a": 1},
                    },
                },
            },
        }
    ),
    # allOf subclasses that type an inherited property differently: redefined, narrowed by a
    # discriminator where the base has an enum, or required again where the base's field is
    # narrowed to a Literal.
    "allof_overrides": _document(
        {
            "Item": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Links": {"type": "object", "properties": {"next": {"type": "string"}}},
            "Collection": {
                "type": "object",
                "properties": {
                    "data": {"type": "array", "items": {"type": "object"}},
                    "links": {"type": "object"},
                },
            },
            "ItemList": {
                "allOf": [
                    {"$ref": "#/components/schemas/Collection"},
                    {
                        "properties": {
                            "data": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Item"},
                            },
                            "links": {"$ref": "#/components/schemas/Links"},
                        }
                    },
                ]
            },
            "NamedCollection": {
                "allOf": [
                    {"$ref": "#/components/schemas/Collection"},
                    {"properties": {"name": {"type": "string"}}},
                ]
            },
            "Event": {
                "type": "object",
                "required": ["kind"],
                "properties": {
                    "kind": {"type": "string", "enum": ["created", "deleted"]},
                    "at": {"type": "integer"},
                },
            },
            "Created": {"allOf": [{"$ref": "#/components/schemas/Event"}]},
            "Deleted": {"allOf": [{"$ref": "#/components/schemas/Event"}]},
            "AnyEvent": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Created"},
                    {"$ref": "#/components/schemas/Deleted"},
                ],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {
                        "created": "#/components/schemas/Created",
                        "deleted": "#/components/schemas/Deleted",
                    },
                },
            },
            "Message": {
                "type": "object",
                "properties": {
                    "role": {"type": "string", "enum": ["user", "assistant"]},
                    "text": {"type": "string"},
                },
            },
            "AssistantMessage": {"allOf": [{"$ref": "#/components/schemas/Message"}]},
            "UserMessage": {"allOf": [{"$ref": "#/components/schemas/Message"}]},
            "AnyMessage": {
                "oneOf": [
                    {"$ref": "#/components/schemas/AssistantMessage"},
                    {"$ref": "#/components/schemas/UserMessage"},
                ],
                "discriminator": {"propertyName": "role"},
            },
            "Node": {"type": "object", "properties": {"type": {"type": "string"}}},
            "TextNode": {
                "allOf": [
                    {"$ref": "#/components/schemas/Node"},
                    {"properties": {"type": {"type": "string", "enum": ["TEXT"]}}},
                ]
            },
            "WeightedAssistantMessage": {
                "allOf": [
                    {"properties": {"weight": {"type": "integer", "enum": [0, 1]}}},
                    {"$ref": "#/components/schemas/AssistantMessage"},
                ],
                "required": ["role"],
            },
        },
        {
            "/events": _get("listEvents", "AnyEvent"),
            "/items": _get("listItems", "ItemList"),
            "/nodes": _get("getNode", "TextNode"),  # a response: its enums are opened
        },
    ),
    # A create/retrieve pair whose `id` may be absent: `poll(id)`, and a `create_and_poll` that
    # says so when the answer lacks the id.
    "poller_id": _document(
        {
            "Job": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "string", "enum": ["queued", "completed"]},
                },
            },
            "Task": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "string", "enum": ["running", "done"]},
                },
            },
        },
        {
            "/jobs": {"post": _get("createJob", "Job")["get"]},
            "/jobs/{id}": {
                "get": _get("getJob", "Job")["get"],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
            },
            "/tasks": {"post": _get("createTask", "Task")["get"]},
            "/tasks/{id}": {
                "get": _get("getTask", "Task")["get"],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
            },
        },
    ),
    # Operations whose constants would both be `_TEAMS_LIST_EXPORT` (`teams.list_export` and
    # `teams.list.export`): one used to overwrite the other, dropping an operation.
    "constant_clash": _document(
        {"Team": {"type": "object", "properties": {"id": {"type": "string"}}}},
        {
            "/teams": _get("listTeams", "Team"),
            "/v1/teams": _get("list_export", "Team"),
            "/teams/list/{id}/export": {
                "get": {
                    **_get("exportList", "Team")["get"],
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                }
            },
        },
    ),
    # A resource named like an attribute of the client is `client.timeout_`, its operations'
    # names (which the README and the request checks use) included.
    "client_attribute": _document(
        {"Limit": {"type": "object", "properties": {"seconds": {"type": "integer"}}}},
        {"/timeout/limits": _get("getLimits", "Limit")},
    ),
    # Path items kept elsewhere (3.1 components/pathItems, or another path) are followed.
    "path_item_refs": yaml.safe_dump(
        {
            "openapi": "3.1.0",
            "info": {"title": "Constructs", "version": "1.0.0"},
            "paths": {
                "/ping": {"$ref": "#/components/pathItems/Ping"},
                "/health": _get("health", "Status"),
                "/status": {"$ref": "#/paths/~1health"},
            },
            "components": {
                "pathItems": {"Ping": _get("ping", "Status")},
                "schemas": {
                    "Status": {"type": "object", "properties": {"ok": {"type": "boolean"}}}
                },
            },
        },
        sort_keys=False,
    ),
}
# Status codes YAML reads as integers (`200:` unquoted), as many real YAML specs write them.
SPECS["integer_status_keys"] = """\
openapi: 3.0.3
info: {title: Constructs, version: 1.0.0}
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getThing
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        404:
          description: not found
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Problem'}
        default:
          description: error
components:
  schemas:
    Thing: {type: object, properties: {id: {type: string}}}
    Problem: {type: object, properties: {detail: {type: string}}}
"""


@dataclass
class Built:
    """One document's package, imported under a name of its own."""

    result: GenerationResult
    root: Path
    package: str
    module: ModuleType
    models: ModuleType

    def resource(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.resources.{name}")


@dataclass
class Packages:
    built: dict[str, Built]
    failed: dict[str, str]  # documents whose generation or import failed, with the error
    mypy_output: str

    def __getitem__(self, name: str) -> Built:
        if name in self.failed:
            pytest.fail(f"{name}: {self.failed[name]}")
        return self.built[name]

    def mypy_errors(self, name: str) -> list[str]:
        package = self.built[name].package
        return [line for line in self.mypy_output.splitlines() if f"/{package}/" in line]


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Packages]:
    base = tmp_path_factory.mktemp("real_constructs")
    suffix = uuid.uuid4().hex[:8]
    built: dict[str, Built] = {}
    failed: dict[str, str] = {}
    for name, text in SPECS.items():
        spec = base / f"{name}.yaml"
        spec.write_text(text, encoding="utf-8")
        package = f"rc_{name}_{suffix}"
        root = base / package
        try:
            result = generate(Config(spec=spec, package=package, output=root, lenient=True))
            sys.path.insert(0, str(root / "src"))
            module = importlib.import_module(package)
            built[name] = Built(
                result, root, package, module, importlib.import_module(f"{package}.models")
            )
        except Exception as error:  # one document's failure is its own test's
            failed[name] = f"{type(error).__name__}: {error}"
            if str(root / "src") in sys.path:
                sys.path.remove(str(root / "src"))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
        + [str(item.root / "src") for item in built.values()],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    yield Packages(built, failed, done.stdout + done.stderr)
    for item in built.values():
        sys.path.remove(str(item.root / "src"))
        for loaded in [m for m in sys.modules if m.split(".")[0] == item.package]:
            del sys.modules[loaded]


def _warnings(item: Built) -> list[str]:
    return [f"{w.pointer}: {w.message}" for w in item.result.warnings]


def test_properties_named_type_and_default(packages: Packages) -> None:
    item = packages["property_names"]
    setting = item.models.Setting.model_validate({"type": "flag", "default": None})
    assert setting.default is None and setting.value == "on"
    assert item.models.Setting.model_validate({"default": True}).default is True
    assert packages.mypy_errors("property_names") == []


def test_union_default_stays_on_the_property(packages: Packages) -> None:
    item = packages["union_default"]
    empty = item.models.Hyperparameters()
    assert getattr(empty.batch_size, "value", empty.batch_size) == "auto"
    assert item.models.Hyperparameters(batch_size=8).batch_size is not None
    assert packages.mypy_errors("union_default") == []


def test_null_default_on_a_schema_refusing_null(packages: Packages) -> None:
    item = packages["null_default"]
    assert item.models.Conversation("c1") == "c1"
    assert any("default null" in w for w in _warnings(item)), _warnings(item)
    assert packages.mypy_errors("null_default") == []


def test_string_defaults_of_typed_formats(packages: Packages) -> None:
    item = packages["format_defaults"]
    empty = item.models.Deployment()
    assert (empty.environment_url, empty.started_at, empty.id) == (None, None, None)
    assert empty.email == "a@example.com"  # EmailStr is a str
    warned = "\n".join(_warnings(item))
    assert "'uri' string is a AnyUrl" in warned and "'date-time'" in warned
    assert packages.mypy_errors("format_defaults") == []


def test_defaults_of_model_typed_properties(packages: Packages) -> None:
    item = packages["model_defaults"]
    options = item.models.Options()
    assert options.parallel_tool_calls is True
    assert options.voice == "alloy" and options.n == 1
    assert options.tags == ["a"]
    assert options.counts[:3] == [1, 2, 3]
    assert options.limits["a"] == 1
    assert packages.mypy_errors("model_defaults") == []


def test_allof_overrides_merge_the_base(packages: Packages) -> None:
    item = packages["allof_overrides"]
    models = item.models
    listing = models.ItemList.model_validate({"data": [{"id": "i"}], "links": {"next": "n"}})
    assert isinstance(listing.data[0], models.Item) and isinstance(listing.links, models.Links)
    collection = getattr(models, item.result.api.schema_classes["Collection"])
    assert not issubclass(models.ItemList, collection)  # merged: `data` is typed again
    assert issubclass(models.NamedCollection, collection)  # no conflict: inherited
    assert issubclass(models.TextNode, models.Node)  # an enum narrowing a string: inherited
    event = models.AnyEvent.model_validate({"kind": "deleted", "at": 1})
    assert type(event) is models.Deleted
    weighted = models.WeightedAssistantMessage.model_validate({"role": "assistant", "weight": 1})
    assert weighted.weight is not None
    assert packages.mypy_errors("allof_overrides") == []


def test_poll_by_the_path_id_and_create_and_poll_only_with_an_id(packages: Packages) -> None:
    item = packages["poller_id"]
    # `poll(id)` takes the retrieve's path parameter, whether or not the model's `id` is required
    assert hasattr(item.resource("jobs").Jobs, "poll")
    assert hasattr(item.resource("tasks").Tasks, "poll")
    response = importlib.import_module(f"{item.module.__name__}._response")
    spec = response.PollSpec("status", ("done",), ("id",))
    with pytest.raises(item.module.APIError, match="carries no 'id'"):
        response.created_id({"status": "queued"}, spec)  # an answer without the id
    job = uuid.uuid4()
    assert response.created_id({"id": job}, spec) == str(job)  # `format: uuid`, parsed
    assert response.created_id({"id": 7}, spec) == "7"
    assert packages.mypy_errors("poller_id") == []


def test_each_operation_keeps_its_constant(packages: Packages) -> None:
    item = packages["constant_clash"]
    methods = {".".join((*op.resource, op.method_name)) for op in item.result.api.operations}
    assert methods == {"teams.retrieve", "teams.list_export", "teams.list.export"}
    module = item.resource("teams")
    specs = [v for v in vars(module).values() if type(v).__name__ == "OperationSpec"]
    assert sorted(s.name for s in specs) == sorted(methods)
    assert packages.mypy_errors("constant_clash") == []


def test_resource_named_like_a_client_attribute(packages: Packages) -> None:
    item = packages["client_attribute"]
    (operation,) = item.result.api.operations
    assert operation.resource[0] == "timeout_"
    client = item.module.Client(api_key="k", base_url="http://127.0.0.1:9")
    spec = next(
        v for v in vars(item.resource("timeout_")).values() if type(v).__name__ == "OperationSpec"
    )
    node: Any = client
    for part in spec.name.split("."):
        node = getattr(node, part)
    assert callable(node)
    assert packages.mypy_errors("client_attribute") == []


def test_path_item_refs_are_followed(packages: Packages) -> None:
    item = packages["path_item_refs"]
    found = {(op.method, op.path) for op in item.result.api.operations}
    assert found == {("GET", "/ping"), ("GET", "/health"), ("GET", "/status")}
    assert not any("path item" in w for w in _warnings(item))
    assert packages.mypy_errors("path_item_refs") == []


def test_integer_status_keys(packages: Packages) -> None:
    item = packages["integer_status_keys"]
    (operation,) = item.result.api.operations
    assert [r.status for r in operation.responses] == ["200", "404", "default"]
    spec = item.resource("things")._THINGS_RETRIEVE
    assert set(spec.responses) == {"200", "404", "default"}
    assert packages.mypy_errors("integer_status_keys") == []


def test_one_mypy_run_checked_every_package(packages: Packages) -> None:
    assert not packages.failed, packages.failed
    assert "Success: no issues found" in packages.mypy_output, packages.mypy_output[-3000:]
