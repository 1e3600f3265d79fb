"""A payload in every string field, in every quoting style: nothing runs, everything works.

Each style gets one spec (OpenAPI 3.1; three styles also as 3.0) with the trap in titles,
versions, server URLs and variables, tags, names of parameters, properties, headers and
security schemes, enum values, defaults, patterns, examples, code samples, discriminator
mappings and extensions. Each must generate (or fail with a clear exit 2), and the package must
import, build a `Client`, run every method, pass `mypy --strict`, and never create the canary.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomllib
from markdown_it import MarkdownIt

from tests.payload_specs import CANARY, STYLES, payload_document

CASES = [(name, "3.1.0") for name in STYLES] + [
    (name, "3.0.3") for name in ("triple-double", "newline", "coding")
]

# Touches every resource and calls every method once (against a closed port: the request is
# built, which runs all the per-operation code, then fails to connect).
TOUCH = """
import importlib, inspect, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
resources = importlib.import_module(sys.argv[1] + ".resources")
for info in pkgutil.iter_modules(resources.__path__):
    importlib.import_module(sys.argv[1] + ".resources." + info.name)
importlib.import_module(sys.argv[1] + ".models")
client = package.Client(api_key="key", base_url="http://127.0.0.1:9", max_retries=0)
called = 0

def walk(resource):
    global called
    for name in dir(type(resource)):
        if name.startswith("_") or name == "with_raw_response":
            continue
        member = getattr(resource, name)
        if inspect.ismethod(member):
            if name in ("poll", "create_and_poll"):
                continue
            signature = inspect.signature(member)
            args = [
                "abc" for p in signature.parameters.values()
                if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty
            ]
            kwargs = {
                p.name: "abc" for p in signature.parameters.values()
                if p.kind == p.KEYWORD_ONLY and p.default is p.empty
            }
            try:
                member(*args, **kwargs)
            except package.APIError:
                pass
            called += 1
        else:
            walk(member)

for name in dir(type(client)):
    if not name.startswith("_") and name not in ("base_url", "close"):
        walk(getattr(client, name))
print(json.dumps({"called": called}))
"""


@dataclass(frozen=True)
class Generated:
    name: str
    code: int
    err: str
    package: str
    root: Path


def _package_name(style: str, version: str) -> str:
    return "payload_" + style.replace("-", "_") + "_" + version.replace(".", "")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Generated]]:
    if os.path.exists(CANARY):
        os.remove(CANARY)
    base = tmp_path_factory.mktemp("payloads")
    results: dict[str, Generated] = {}
    for style, version in CASES:
        package = _package_name(style, version)
        spec = base / f"{package}.json"
        spec.write_text(json.dumps(payload_document(STYLES[style], version)), encoding="utf-8")
        out = base / package
        err = base / f"{package}.err"
        done = subprocess.run(
            [
                *(sys.executable, "-m", "specforge", "generate", "--spec", str(spec)),
                *("--output", str(out), "--package", package, "--lenient"),
            ],
            cwd=base,  # no [tool.specforge] applies: the SDK name comes from the spec's title
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        err.write_text(done.stderr)
        results[package] = Generated(style, done.returncode, done.stderr, package, out)
    yield results
    assert not os.path.exists(CANARY), "text from a spec was executed"


@pytest.mark.parametrize(("style", "version"), CASES, ids=[f"{s}-{v}" for s, v in CASES])
def test_payload_spec_generates_an_inert_working_package(
    generated: dict[str, Generated], style: str, version: str
) -> None:
    result = generated[_package_name(style, version)]
    assert "Traceback" not in result.err, result.err[-3000:]
    assert result.code in (0, 2), result.err[-3000:]
    if result.code == 2:
        assert "#/" in result.err or "#:" in result.err, result.err
        return
    src = result.root / "src"
    done = subprocess.run(
        [sys.executable, "-c", TOUCH, result.package],
        cwd=result.root,
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1])["called"] >= 3
    assert not os.path.exists(CANARY), "text from the spec was executed"

    pyproject = tomllib.loads((result.root / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(pyproject) == {"build-system", "project", "tool"}
    assert set(pyproject["tool"]) == {"setuptools", "ruff", "mypy"}
    assert "payload" in pyproject["project"]["description"] or pyproject["project"]["description"]

    readme = (result.root / "README.md").read_text(encoding="utf-8")
    tokens = MarkdownIt().parse(readme)
    assert not any(
        t.type in ("html_block", "html_inline") and "<script" in t.content for t in tokens
    )
    fences = [t for t in tokens if t.type == "fence"]
    assert [t.info for t in fences[:2]] == ["bash", "python"]
    assert all(t.info == "python" for t in fences[2:])
    json.loads((src / result.package / "_schemas.json").read_text(encoding="utf-8"))


def test_payload_packages_pass_mypy_strict(generated: dict[str, Generated], tmp_path: Path) -> None:
    built = [g for g in generated.values() if g.code == 0]
    assert built, "no payload spec generated a package"
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nstrict = True\n\n[mypy-jsonschema.*]\nignore_missing_imports = True\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-incremental"]
        + [arg for g in built for arg in ("-p", g.package)],
        env={**os.environ, "MYPYPATH": os.pathsep.join(str(g.root / "src") for g in built)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-5000:]
