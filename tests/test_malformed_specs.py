"""Malformed specs: every command ends with exit 2 and names the file, the pointer and what was
expected; never a traceback. YAML-isms that have one sure meaning are normalised instead."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from specforge.cli import main
from tests.package_checks import mypy_strict

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "spec" / "together-videos.yaml"
HEAD = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"


def _operation(extra: str = "", responses: str = "'200': {description: ok}") -> str:
    return f"paths:\n  /a:\n    get:\n      operationId: getA\n{extra}      responses:\n        {responses}\n"


def _schema_spec(schema: str) -> str:
    """A document whose one operation answers with component S, written as `schema`."""
    return (
        HEAD
        + _operation(
            responses="'200': {description: ok, content: {application/json: "
            "{schema: {$ref: '#/components/schemas/S'}}}}"
        )
        + "components:\n  schemas:\n    S:\n"
        + "".join(f"      {line}\n" for line in schema.strip("\n").splitlines())
    )


def _json(document: object) -> str:
    return json.dumps(document)


_SURROGATE = (
    '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": '
    '{"description": "x\\ud800y", "responses": {"200": {"description": "ok"}}}}}}'
)
_SURROGATE_KEY = (
    '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, "components": '
    '{"schemas": {"S": {"type": "object", "properties": {"a\\udc00": {"type": "string"}}}}}}'
)


@dataclass(frozen=True)
class Malformed:
    name: str
    text: str
    pointer: str  # JSON pointer the message must name ("" for the document)
    needle: str  # what the message must say (the rule, or what was expected)
    suffix: str = ".yaml"


MALFORMED = [
    Malformed("path-item-not-a-mapping", HEAD + "paths:\n  /a: 5\n", "/paths/~1a", "[shape]"),
    Malformed(
        "parameter-not-a-mapping",
        HEAD + _operation("      parameters: [5]\n"),
        "/paths/~1a/get/parameters/0",
        "expected a Parameter Object (a mapping), found the integer 5",
    ),
    Malformed(
        "path-parameters-not-a-list",
        HEAD
        + "paths:\n  /a:\n    parameters: 5\n    get: {responses: {'200': {description: ok}}}\n",
        "/paths/~1a/parameters",
        "expected a list of Parameter Objects",
    ),
    Malformed(
        "responses-a-list",
        HEAD + "paths:\n  /a:\n    get: {responses: [1]}\n",
        "/paths/~1a/get/responses",
        "expected a mapping of Response Objects",
    ),
    Malformed(
        "response-not-a-mapping",
        HEAD + _operation(responses="'200': 7"),
        "/paths/~1a/get/responses/200",
        "expected a Response Object",
    ),
    Malformed(
        "content-a-list",
        HEAD + _operation("      requestBody: {content: [1]}\n"),
        "/paths/~1a/get/requestBody/content",
        "expected a mapping of Media Type Objects",
    ),
    Malformed(
        "components-a-string", HEAD + "paths: {}\ncomponents: oops\n", "/components", "[shape]"
    ),
    Malformed("servers-a-number", HEAD + "servers: 5\npaths: {}\n", "/servers", "a list of"),
    Malformed(
        "tags-a-mapping",
        HEAD + _operation("      tags: {a: b}\n"),
        "/paths/~1a/get/tags",
        "expected a list",
    ),
    Malformed(
        "properties-a-number",
        _schema_spec("type: object\nproperties: 5"),
        "/components/schemas/S/properties",
        "expected a mapping of Schema Objects",
    ),
    Malformed(
        "required-a-boolean",
        _schema_spec("type: object\nrequired: yes\nproperties: {a: {type: string}}"),
        "/components/schemas/S/required",
        "expected a list of strings, found the boolean true",
    ),
    Malformed(
        "enum-a-number",
        _schema_spec("type: string\nenum: 5"),
        "/components/schemas/S/enum",
        "expected a list",
    ),
    Malformed(
        "items-a-string",
        _schema_spec("type: array\nitems: string"),
        "/components/schemas/S/items",
        "expected a Schema Object",
    ),
    Malformed(
        "lone-surrogate-in-a-string",
        _SURROGATE,
        "/paths/~1a/get/description",
        "lone UTF-16 surrogate",
        ".json",
    ),
    Malformed(
        "lone-surrogate-in-a-key",
        _SURROGATE_KEY,
        "/components/schemas/S/properties/a\\udc00",
        "lone UTF-16 surrogate",
        ".json",
    ),
    Malformed(
        "yes-and-no-keys",
        _schema_spec("type: object\nproperties:\n  yes: {type: string}\n  no: {type: string}"),
        "/components/schemas/S/properties/yes",
        "read by YAML as the boolean true",
    ),
    Malformed("true-key", HEAD + "paths: {}\ntrue: 1\n", "/true", "quote it ('true')"),
    Malformed("null-key", HEAD + "paths: {}\n~: 1\n", "/~0", "read by YAML as null"),
    Malformed(
        "number-key",
        HEAD + "paths: {}\ncomponents:\n  schemas:\n    1.5: {type: string}\n",
        "/components/schemas/1.5",
        "the number 1.5",
    ),
    Malformed(
        "integer-key-outside-responses",
        _schema_spec("type: object\nproperties:\n  200: {type: string}"),
        "/components/schemas/S/properties/200",
        "read by YAML as the integer 200",
    ),
    Malformed(
        "not-a-number",
        _schema_spec("type: number\ndefault: .nan"),
        "/components/schemas/S/default",
        "not a JSON number",
    ),
    Malformed(
        "binary-tag",
        _schema_spec("type: string\nexample: !!binary aGVsbG8="),
        "/components/schemas/S/example",
        "not a JSON value",
    ),
    Malformed(
        "set-tag",
        _schema_spec("type: string\nexample: !!set {a, b}"),
        "/components/schemas/S/example",
        "not a JSON value",
    ),
    Malformed(
        "recursive-alias",
        HEAD + "paths: {}\nx-loop: &loop {self: *loop}\n",
        "/x-loop/self",
        "recursive structure",
    ),
    Malformed("not-a-mapping", "- just\n- a list\n", "", "must be a mapping"),
    Malformed("not-utf8", "openapi: '3.1.0'\ninfo: {title: \udcff}\n", "", "[encoding]"),
]


def _write(tmp_path: Path, case: Malformed) -> Path:
    path = tmp_path / f"{case.name}{case.suffix}"
    path.write_bytes(case.text.encode("utf-8", "surrogateescape"))
    return path


def command_lines(spec: Path, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """(label, argv) for every command reading `spec` (diff with it on either side)."""
    out = tmp_path / "out"
    yield "validate", ["validate", "--spec", str(spec)]
    yield "validate --lenient", ["validate", "--spec", str(spec), "--lenient"]
    yield "lint", ["lint", str(spec)]
    yield "diff (new)", ["diff", str(GOOD), str(spec)]
    yield "diff (old)", ["diff", str(spec), str(GOOD)]
    yield "generate", ["generate", "--spec", str(spec), "--output", str(out), "--package", "pkg"]
    yield (
        "generate --lenient",
        ["generate", "--spec", str(spec), "--output", str(out), "--package", "pkg", "--lenient"],
    )
    yield "check", ["check", "--spec", str(spec), "--output", str(out), "--package", "pkg"]
    yield "mock", ["mock", "--spec", str(spec), "--port", "0", "--lenient"]
    yield "conform", ["conform", "--spec", str(spec), "--lenient"]


def run_every_command(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[str, int, str, float]]:
    """(label, exit code, stderr, seconds) of each command on `spec`."""
    for label, argv in command_lines(spec, tmp_path):
        started = time.perf_counter()
        code = main(argv)
        seconds = time.perf_counter() - started
        captured = capsys.readouterr()
        yield label, code, captured.err, seconds


@pytest.mark.timeout(300)
@pytest.mark.parametrize("case", MALFORMED, ids=[case.name for case in MALFORMED])
def test_every_command_refuses_a_malformed_spec_with_its_pointer(
    case: Malformed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _write(tmp_path, case)
    for label, code, err, _ in run_every_command(spec, tmp_path, capsys):
        assert code == 2, f"{label}: exit {code}\n{err}"
        assert "Traceback" not in err, f"{label}:\n{err}"
        assert f"{spec}#{case.pointer}:" in err, f"{label}: pointer missing\n{err}"
        assert case.needle in err, f"{label}: {case.needle!r} missing\n{err}"
    assert not (tmp_path / "out").exists()


def test_a_malformed_spec_in_a_subprocess_gives_no_traceback(tmp_path: Path) -> None:
    spec = _write(tmp_path, MALFORMED[0])
    done = subprocess.run(
        [sys.executable, "-m", "specforge", "generate", "--spec", str(spec), "--lenient"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{spec}#/paths/~1a: [shape] expected a Path Item Object" in done.stderr


STATUS_KEYS = (
    HEAD
    + """paths:
  /a:
    get:
      operationId: getA
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
        404: {description: not found}
        4XX: {description: client error}
        default: {description: error}
components:
  responses:
    500: {description: server error}
"""
)


def test_unquoted_status_codes_are_read_as_strings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from specforge.document.loader import load_spec

    spec = tmp_path / "status.yaml"
    spec.write_text(STATUS_KEYS)
    document = load_spec(spec).document
    responses = document["paths"]["/a"]["get"]["responses"]
    assert list(responses) == ["200", "404", "4XX", "default"]
    assert all(type(key) is str for key in responses)
    assert list(document["components"]["responses"]) == ["500"]
    assert main(["validate", "--spec", str(spec)]) == 0
    assert main(["lint", str(spec)]) in (0, 1)
    out = tmp_path / "status_pkg"
    code = main(["generate", "--spec", str(spec), "--output", str(out), "--package", "status_pkg"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    resource = (out / "src" / "status_pkg" / "resources" / "a.py").read_text()
    assert '"200"' in resource and '"404"' in resource


def test_a_status_code_given_twice_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "twice.yaml"
    spec.write_text(
        HEAD + _operation(responses="200: {description: a}\n        '200': {description: b}")
    )
    assert main(["validate", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "duplicate key '200'" in err and "line 9" in err and "Traceback" not in err


# Component names the generated code uses itself, used directly as request and response bodies.
COLLIDING = [
    "Any",
    "None",
    "NotGiven",
    "NOT_GIVEN",
    "BaseModel",
    "Field",
    "RootModel",
    "ConfigDict",
    "Literal",
    "Optional",
    "Annotated",
    "Enum",
    "Mapping",
    "TYPE_CHECKING",
    "True",
    "False",
    "list",
    "str",
    "int",
    "dict",
    "type",
    "object",
    "Exception",
    "Client",
    "AsyncClient",
    "RawResponse",
    "OperationSpec",
    "RequestInput",
    "APIError",
    "UUID",
    "Decimal",
    "AwareDatetime",
    "1st",
    "AnyModel",
]


def _colliding_document() -> dict[str, object]:
    paths: dict[str, object] = {}
    schemas: dict[str, object] = {}
    for index, name in enumerate(COLLIDING):
        schemas[name] = {
            "type": "object",
            "properties": {
                "value": {"type": "string", "format": "date-time"},
                "size": {"type": "integer", "maximum": 10},
                "kind": {"type": "string", "enum": ["a", "b"]},
            },
        }
        ref = {"$ref": f"#/components/schemas/{name}"}
        paths[f"/things{index}"] = {
            "post": {
                "operationId": f"make{index}",
                "requestBody": {"content": {"application/json": {"schema": ref}}},
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": ref}}}
                },
            }
        }
    schemas["Enumish"] = {"type": "string", "enum": ["x", "y"]}
    schemas["Holder"] = {
        "type": "object",
        "properties": {
            name.lower() + str(i): {"$ref": f"#/components/schemas/{name}"}
            for i, name in enumerate([*COLLIDING, "Enumish"])
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Names", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


@pytest.mark.timeout(600)
def test_schema_names_used_by_the_generated_code_get_safe_class_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "names.json"
    spec.write_text(json.dumps(_colliding_document()))
    out = tmp_path / "names_pkg"
    code = main(["generate", "--spec", str(spec), "--output", str(out), "--package", "names_pkg"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    models = (out / "src" / "names_pkg" / "models.py").read_text()
    classes = {node.name for node in ast.parse(models).body if isinstance(node, ast.ClassDef)}
    for expected in ("AnyModel", "NoneModel", "NotGivenModel", "BaseModelModel", "FieldModel"):
        assert expected in classes
    for unsafe in ("Any", "None", "NotGiven", "BaseModel", "Field", "RootModel", "Literal"):
        assert unsafe not in classes
    script = (
        "import importlib, pkgutil, names_pkg, names_pkg.models as m\n"
        "import names_pkg.resources as r\n"
        "for x in pkgutil.iter_modules(r.__path__):\n"
        "    importlib.import_module('names_pkg.resources.' + x.name)\n"
        "m.Holder.model_validate({'any0': {'value': '2024-01-01T00:00:00Z', 'size': 1}})\n"
        "names_pkg.Client(api_key='k', base_url='http://127.0.0.1:9')\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(out / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    typed = mypy_strict(out)
    assert typed.returncode == 0, typed.stdout[-3000:]


# Every schema key datamodel-code-generator reads as an instruction (see generator/models.py).
STEERING = {
    "CustomBase": {
        "type": "object",
        "customBasePath": "evil_base.Base",
        "properties": {"a": {"type": "string"}},
    },
    "CustomType": {
        "type": "object",
        "properties": {"a": {"type": "string", "customTypePath": "evil_type.T"}},
    },
    "PythonType": {
        "type": "object",
        "properties": {"a": {"type": "string", "x-python-type": "evil_pytype.Q"}},
    },
    "PythonImport": {
        "type": "object",
        "x-python-import": {"module": "evil_import", "name": "Imported"},
    },
    "UsesImport": {
        "type": "object",
        "properties": {"a": {"$ref": "#/components/schemas/PythonImport"}},
    },
    "BaseClass": {
        "type": "object",
        "x-is-base-class": True,
        "properties": {"a": {"type": "string"}},
    },
    "ClassVariable": {
        "type": "object",
        "properties": {"a": {"type": "string", "x-is-classvar": True}},
    },
    "EnumNames": {
        "type": "string",
        "enum": ["a", "b"],
        "x-enum-varnames": ["EVIL_A", "EVIL_B"],
        "x-enumNames": ["EVIL_C", "EVIL_D"],
        "x-enum-descriptions": ["evil_description", "evil_description"],
    },
    "EnumLiteral": {
        "type": "object",
        "properties": {
            "a": {"type": "string", "enum": ["x", "y"], "x-enum-field-as-literal": True}
        },
    },
    "Factory": {
        "type": "object",
        "properties": {
            "a": {"type": "array", "items": {"type": "string"}, "default_factory": "set"}
        },
    },
    "Dialect": {
        "$schema": "http://evil.invalid/schema",
        "$id": "http://evil.invalid/id",
        "type": "object",
        "properties": {"a": {"type": "string"}},
    },
    "PropertyNames": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "x-propertyNames": {"type": "string", "x-python-type": "evil_keys.K"},
    },
    "ReadAsConst": {
        "type": "object",
        "properties": {"a": {"type": "string", "x-datamodel-code-generator-read-as-const": True}},
    },
    "Nested": {
        "type": "object",
        "properties": {
            "deep": {
                "type": "array",
                "items": {
                    "anyOf": [
                        {"type": "string", "customTypePath": "evil_nested.N"},
                        {"type": "object", "x-python-type": "evil_nested2.M"},
                    ]
                },
            }
        },
    },
    # Property names and data that look like the keys stay as they are.
    "Lookalike": {
        "type": "object",
        "properties": {"customTypePath": {"type": "string"}, "x-python-type": {"type": "string"}},
        "example": {"customTypePath": "kept", "x-python-type": "kept"},
    },
}


@pytest.mark.timeout(600)
def test_model_generator_extensions_are_stripped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = {
        f"/s{index}": {
            "get": {
                "operationId": f"get{index}",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                        },
                    }
                },
            }
        }
        for index, name in enumerate(STEERING)
    }
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Steer", "version": "1"},
        "paths": paths,
        "components": {"schemas": STEERING},
    }
    spec = tmp_path / "steer.json"
    spec.write_text(json.dumps(document))
    out = tmp_path / "steer_pkg"
    code = main(
        [
            "generate",
            "--spec",
            str(spec),
            "--output",
            str(out),
            "--package",
            "steer_pkg",
            "--lenient",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    models = (out / "src" / "steer_pkg" / "models.py").read_text()
    assert "evil" not in models.lower()
    imported = set()
    for node in ast.walk(ast.parse(models)):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    allowed = {"__future__", "enum", "typing", "pydantic", "datetime", "steer_pkg._base_model"}
    assert imported <= allowed, imported - allowed
    tree = ast.parse(models)
    bases = {
        base.id
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for base in node.bases
        if isinstance(base, ast.Name)
    }
    assert bases <= {"BaseModel", "RootModel", "str", "Enum"}, bases
    assert "ClassVar[" not in models and "default_factory" not in models
    # properties named like the keys are kept
    assert "customTypePath: str | None = None" in models and 'alias="x-python-type"' in models
    done = subprocess.run(
        [sys.executable, "-c", "import steer_pkg.models"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(out / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
