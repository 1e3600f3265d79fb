"""Hostile specs: generate correct, inert code or fail with a named error; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from specforge.cli import main
from tests.hostile_corpus import CANARY, CASES, Case
from tests.package_checks import mypy_strict


@pytest.fixture(autouse=True)
def no_canary() -> None:
    if os.path.exists(CANARY):
        os.remove(CANARY)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_spec(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(case.document), encoding="utf-8")
    out = tmp_path / "hostile_pkg"
    code = main(
        [
            "generate",
            "--spec",
            str(spec),
            "--output",
            str(out),
            "--package",
            "hostile_pkg",
            "--lenient",
        ]
    )
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if case.error:
        assert code == 2 and case.error in captured.err
        return
    assert code == 0, captured.err
    src = out / "src"
    script = (
        "import hostile_pkg, hostile_pkg.models as m, pkgutil, importlib\n"
        "import hostile_pkg.resources as r\n"
        "[importlib.import_module('hostile_pkg.resources.' + x.name) for x in pkgutil.iter_modules(r.__path__)]\n"
        "c = hostile_pkg.Client(api_key='k', base_url='http://127.0.0.1:9')\n"
        "print(len([n for n in dir(m) if not n.startswith('_')]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert not os.path.exists(CANARY), "text from the spec was executed"
    typed = mypy_strict(out)
    assert typed.returncode == 0, typed.stdout[-3000:]


def test_a_50_mb_spec_is_refused_by_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "huge.yaml"
    with spec.open("w") as handle:
        handle.write("openapi: 3.1.0\ninfo: {title: big, version: '1'}\npaths: {}\nx-padding: '")
        handle.write("x" * (50 * 1024 * 1024))
        handle.write("'\n")
    assert main(["validate", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "[size]" in err and "byte limit" in err


def test_inputs_named_like_the_generated_code_are_sent_intact(tmp_path: Path) -> None:
    from tests.scripted_server import Reply, ScriptedServer

    names = [
        "body",
        "call",
        "raw",
        "httpx",
        "RequestInput",
        "NOT_GIVEN",
        "Mapping",
        "timeout",
        "self",
    ]
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Names", "version": "1"},
        "paths": {
            "/things/{call}": {
                "post": {
                    "operationId": "makeThing",
                    "parameters": [
                        {
                            "name": "call",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {"name": "raw", "in": "query", "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {name: {"type": "string"} for name in names},
                                }
                            }
                        }
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(document))
    out = tmp_path / "names_pkg"
    assert (
        main(["generate", "--spec", str(spec), "--output", str(out), "--package", "names_pkg"]) == 0
    )
    script = (
        "import json, sys, names_pkg\n"
        "c = names_pkg.Client(api_key='k', base_url=sys.argv[1])\n"
        "import inspect\n"
        "method = [getattr(c.things, n) for n in dir(c.things) if not n.startswith('_') and n != 'with_raw_response'][0]\n"
        "params = [p for p in inspect.signature(method).parameters if p not in ('timeout', 'max_retries', 'extra_headers', 'extra_query', 'extra_body')]\n"
        "kwargs = {p: 'v-' + p for p in params[1:]}\n"
        "method('path-value', **kwargs)\n"
        "print(json.dumps(params))\n"
    )
    with ScriptedServer().running() as server:
        server.script(Reply(body=None))
        done = subprocess.run(
            [sys.executable, "-c", script, server.base_url],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(out / "src")},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        seen = server.requests[0]
    params = json.loads(done.stdout)
    path, _, query = seen.path.partition("?")
    assert path == "/things/path-value"
    sent = seen.json()
    assert set(sent) == set(names)
    query_value = parse_qs(query)["raw"][0]
    assert {*sent.values(), query_value} == {"v-" + p for p in params[1:]}
    assert len(set(sent.values())) == len(names)
