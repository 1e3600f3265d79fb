"""Every real public document of `tests/real_specs.py` generates a complete, typed package.

For each document present in the cache (see `tests/real_specs.py`): generation succeeds
(leniently: real documents break the validator here and there); every operation of the
document, counted from the document itself (method and path, path items followed through
`$ref`), is exactly one `OperationSpec` of the package, reachable as a method of `Client`;
every component schema has a model class of its own; the package imports and pydantic
builds every model; `mypy --strict` finds nothing.

A document that is absent is skipped, saying how to fetch it. Documents over
`HEAVY_BYTES` (about 1 MB) take tens of seconds each to generate and type-check, so they
run only with SPECFORGE_REAL_SPECS_HEAVY=1, as `make real-specs` sets; `make test` checks
the light ones present (on CI: the ../shared one).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from specforge.config import Config
from specforge.generator.pipeline import GenerationResult, generate
from tests.package_checks import mypy_strict
from tests.real_specs import MANIFEST, RealSpec, locate

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
HEAVY = os.environ.get("SPECFORGE_REAL_SPECS_HEAVY") == "1"


def _params() -> list[Any]:
    params = []
    for spec in MANIFEST:
        marks = [pytest.mark.slow, pytest.mark.timeout(1800)] if spec.heavy else []
        params.append(pytest.param(spec, id=spec.name, marks=marks))
    return params


@dataclass
class Generated:
    """A real document, loaded, and the package generated from it."""

    spec: RealSpec
    document: dict[str, Any]
    result: GenerationResult
    root: Path
    package: str


@pytest.fixture(scope="module", params=_params())
def generated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Generated]:
    spec: RealSpec = request.param
    if spec.heavy and not HEAVY:
        pytest.skip(
            f"{spec.name} is {spec.size // 1000} kB (heavy): set SPECFORGE_REAL_SPECS_HEAVY=1 "
            "or run `make real-specs`"
        )
    path, why = locate(spec)
    if path is None:
        pytest.skip(why)
    package = "real_" + "".join(c if c.isalnum() else "_" for c in spec.name.rsplit(".", 1)[0])
    root = tmp_path_factory.mktemp("real") / package
    result = generate(Config(spec=path, package=package, output=root, lenient=True))
    missing = _missing_dependencies(root)
    if missing:
        pytest.skip(
            f"the {spec.name} package needs {', '.join(missing)}: `make real-specs` installs it"
        )
    yield Generated(spec, _load(path), result, root, package)


def _missing_dependencies(root: Path) -> list[str]:
    """The generated package's requirements that cannot be imported here."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    missing = []
    for requirement in project["project"]["dependencies"]:
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
        if importlib.util.find_spec(name.replace("-", "_")) is None:
            missing.append(requirement)
    return missing


def _load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    loaded = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Loader)
    assert isinstance(loaded, dict)
    return loaded


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """`node`, or what its local `$ref` (chain) points at."""
    for _ in range(32):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        target: Any = document
        for token in node["$ref"].lstrip("#/").split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            target = target.get(token) if isinstance(target, dict) else None
        node = target
    return node


def _base_path(*levels: Any) -> str:
    """The path of the first server of the innermost level that has servers."""
    for servers in levels:
        if isinstance(servers, list) and servers and isinstance(servers[0], dict):
            url = str(servers[0].get("url", "/"))
            for name, variable in (servers[0].get("variables") or {}).items():
                if isinstance(variable, dict):
                    url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
            try:
                return urlsplit(url).path.rstrip("/")
            except ValueError:
                return ""
    return ""


def spec_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, server path + path) of every operation the document defines."""
    found = set()
    for path, raw in (document.get("paths") or {}).items():
        item = _resolve(document, raw)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                base = _base_path(
                    operation.get("servers"), item.get("servers"), document.get("servers")
                )
                found.add((method.upper(), base + str(path)))
    return found


_INSPECT = """
import importlib, inspect, json, pkgutil, sys
import pydantic
import {package}.models as models
import {package}.resources as resources
from {package} import Client
from {package}._runtime import OperationSpec

specs = []
for info in pkgutil.iter_modules(resources.__path__):
    module = importlib.import_module("{package}.resources." + info.name)
    specs += [v for v in vars(module).values() if isinstance(v, OperationSpec)]
client = Client(api_key="k", base_url="http://127.0.0.1:9")

def reachable(name):
    node = client
    for part in name.split("."):
        node = getattr(node, part, None)
    return inspect.ismethod(node)

unbuilt = []
for name, cls in vars(models).items():
    if inspect.isclass(cls) and issubclass(cls, pydantic.BaseModel) and cls.__module__ == models.__name__:
        try:
            cls.model_rebuild(force=True)  # pydantic builds validation lazily: force it
        except Exception as error:
            unbuilt.append(f"{{name}}: {{error}}")
wanted = json.load(sys.stdin)
print(json.dumps({{
    "operations": [[s.method, s.path, s.name, reachable(s.name)] for s in specs],
    "missing_classes": [n for n in wanted if not inspect.isclass(getattr(models, n, None))],
    "unbuilt": unbuilt[:20],
}}))
"""


@pytest.fixture(scope="module")
def inspected(generated: Generated) -> dict[str, Any]:
    """What the package shows once imported: its operations, classes and model builds."""
    classes = generated.result.api.schema_classes
    components = (generated.document.get("components") or {}).get("schemas") or {}
    wanted = sorted({classes[name] for name in components if name in classes})
    done = subprocess.run(
        [sys.executable, "-c", _INSPECT.format(package=generated.package)],
        input=json.dumps(wanted),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "PYTHONPATH": str(generated.root / "src")},
    )
    assert done.returncode == 0, f"the package does not import: {done.stderr[-4000:]}"
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_every_operation_is_one_method_of_the_client(
    generated: Generated, inspected: dict[str, Any]
) -> None:
    expected = spec_operations(generated.document)
    assert len(expected) == generated.spec.operations
    found = inspected["operations"]
    pairs = [(method, unquote(path)) for method, path, _, _ in found]
    assert len(pairs) == len(set(pairs)), "two methods send the same request"
    assert set(pairs) == expected, (
        f"missing: {sorted(expected - set(pairs))[:10]}, extra: {sorted(set(pairs) - expected)[:10]}"
    )
    unreachable = [name for _, _, name, ok in found if not ok]
    assert not unreachable, unreachable[:10]
    assert len(generated.result.api.operations) == len(expected)


def test_every_component_schema_has_a_model(
    generated: Generated, inspected: dict[str, Any]
) -> None:
    components = (generated.document.get("components") or {}).get("schemas") or {}
    assert len(components) == generated.spec.schemas
    classes = generated.result.api.schema_classes
    missing = sorted(set(components) - set(classes))
    assert not missing, missing[:10]
    wanted = [classes[name] for name in components]
    assert len(set(wanted)) == len(wanted), "two component schemas share a class"
    assert inspected["missing_classes"] == []


def test_the_package_imports_and_every_model_builds(inspected: dict[str, Any]) -> None:
    assert inspected["unbuilt"] == []


def test_mypy_strict_finds_nothing(generated: Generated) -> None:
    done = mypy_strict(generated.root)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
