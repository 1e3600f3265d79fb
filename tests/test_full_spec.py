"""The full Together API document: every operation a method, every schema a model, typed.

Skipped, saying why, when `../shared/specs/together-openapi.yaml` is not beside the project.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from specforge.config import Config
from specforge.generator.pipeline import GenerationResult, generate
from tests.scripted_server import Reply, ScriptedServer

FULL_SPEC = Path(__file__).resolve().parents[2] / "shared/specs/together-openapi.yaml"
PACKAGE = "together_full_spec"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

pytestmark = pytest.mark.skipif(
    not FULL_SPEC.exists(), reason=f"{FULL_SPEC} is absent (../shared is not beside the project)"
)


class Full:
    """The generated package and the run that made it."""

    def __init__(self, result: GenerationResult, root: Path) -> None:
        self.result = result
        self.root = root
        self.src = root / "src"


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Full]:
    """Generate the full document once per session, leniently (it fails the validator)."""
    root = tmp_path_factory.mktemp("full") / PACKAGE
    config = Config(spec=FULL_SPEC, package=PACKAGE, output=root, lenient=True)
    yield Full(generate(config), root)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded = yaml.safe_load(FULL_SPEC.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _run(full: Full, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(full.src), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_summary_counts_operations_models_and_warnings(full: Full) -> None:
    summary = full.result.summary()
    assert summary.startswith("99 operations, ")
    assert f"{len(full.result.warnings)} warnings" in summary
    for warning in full.result.warnings:
        assert warning.pointer.startswith("/"), warning


def test_the_validator_findings_are_warnings_when_lenient(full: Full) -> None:
    pointers = {w.pointer for w in full.result.warnings}
    assert "/components/schemas/TrainingMethodSFT/properties/train_on_inputs/default" in pointers


def test_every_operation_has_a_method(full: Full, document: dict[str, Any]) -> None:
    spec_operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in HTTP_METHODS
        if isinstance(item.get(method), dict)
    }
    assert len(spec_operations) == 99
    api = full.result.api
    assert {(op.method, op.path) for op in api.operations} == spec_operations
    methods = {".".join((*op.resource, op.method_name)) for op in api.operations}
    assert len(methods) == 99  # distinct, so no operation hides another
    # ...and each is a real, callable method on the generated client
    listing = _run(
        full,
        f"import inspect\nfrom typing import Any\nfrom {PACKAGE} import Client\n"
        + inspect.getsource(_walk)
        + "print('\\n'.join(_walk(Client(api_key='k'), '')))",
    )
    found = set(listing.split())
    assert methods <= found, sorted(methods - found)


def _walk(node: Any, prefix: str) -> list[str]:
    """Dotted names of the public methods under a client or resource."""
    names: list[str] = []
    for name in dir(type(node)):
        if name.startswith("_") or name == "with_raw_response":
            continue
        value = getattr(node, name)
        if inspect.ismethod(value):
            names.append(prefix + name)
        elif hasattr(value, "_transport"):
            names.extend(_walk(value, f"{prefix}{name}."))
    return names


def test_resources_read_like_the_official_sdk(full: Full) -> None:
    methods = {".".join((*op.resource, op.method_name)) for op in full.result.api.operations}
    for expected in (
        "chat.completions.create",
        "completions.create",
        "embeddings.create",
        "files.upload",
        "files.list",
        "files.retrieve",
        "files.retrieve_content",
        "files.delete",
        "fine_tunes.cancel",
        "videos.create",
        "videos.retrieve",
        "models.list",
        "audio.speech.create",
        "images.generations.create",
        "batches.cancel",
    ):
        assert expected in methods


def test_every_component_schema_has_a_model(full: Full, document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    assert len(components) == 243
    classes = full.result.api.schema_classes
    assert set(components) <= set(classes)
    wanted = sorted(classes[name] for name in components)
    missing = _run(
        full,
        f"import {PACKAGE}.models as m\nprint(' '.join(n for n in {wanted!r} if not hasattr(m, n)))",
    )
    assert missing.strip() == ""


def test_every_model_builds(full: Full) -> None:
    """Pydantic accepts every model (validation is built lazily, so force it)."""
    code = (
        f"import inspect, pydantic, {PACKAGE}.models as m\n"
        "bad = []\n"
        "for name, cls in vars(m).items():\n"
        "    if inspect.isclass(cls) and issubclass(cls, pydantic.BaseModel) "
        "and cls.__module__ == m.__name__:\n"
        "        try:\n"
        "            cls.model_rebuild(force=True)\n"
        "        except Exception as error:\n"
        "            bad.append(f'{name}: {error}')\n"
        "print('\\n'.join(bad))\n"
    )
    assert _run(full, code).strip() == ""


def test_import_defers_models_and_resources(full: Full) -> None:
    """Importing the package loads neither the models nor a resource (timed in `make bench`)."""
    code = (
        f"import sys, {PACKAGE}\n"
        f"print(sorted(m for m in sys.modules if m.startswith('{PACKAGE}.')))"
    )
    loaded = _run(full, code)
    assert f"{PACKAGE}.models" not in loaded and f"{PACKAGE}.resources." not in loaded


def test_polling_helper_for_videos(full: Full) -> None:
    listing = _run(
        full,
        f"from {PACKAGE} import Client\nv = Client(api_key='k').videos\n"
        "print(callable(v.poll), callable(v.create_and_poll))",
    )
    assert listing.split() == ["True", "True"]


def test_operation_servers_are_honoured(full: Full, server: ScriptedServer) -> None:
    """createVideo has an operation-level server ending in /v2; the client posts there."""
    video = {
        "id": "v1",
        "model": "m",
        "status": "completed",
        "size": "1x1",
        "seconds": "4",
        "created_at": 1,
    }
    server.script(Reply(body=video))
    sys.path.insert(0, str(full.src))
    try:
        module = __import__(PACKAGE)
        client = module.Client(api_key="k", base_url=server.base_url)
        client.videos.create(model="m", prompt="p")
    finally:
        sys.path.remove(str(full.src))
    assert (server.requests[0].method, server.requests[0].path) == ("POST", "/v2/videos")


def test_mypy_strict_passes(full: Full) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "src"],
        cwd=full.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
