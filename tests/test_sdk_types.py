"""The types users write against: lists and dicts instead of root models, member models and
TypedDicts where a union or an object goes, open enums that stay enums, defaults where the
spec states them. The user code in tests/sdk_usage/ passes `mypy --strict` over the generated
packages (the refused lines in wrong_usage.py do not) and runs against the mock.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from specforge.conformance.mock.server import MockOptions, running
from specforge.generator.models import generate_models, model_document, open_enum_refs
from tests.sdk_support import (
    ACME_SPEC,
    BUILDS_SPEC,
    FULL_SPEC,
    ROOT,
    VIDEO_SPEC,
    Package,
    build_package,
    imported,
    needs_full,
)

USAGE = ROOT / "tests" / "sdk_usage"
GOLDEN_SRC = ROOT / "generated" / "together_videos" / "src"
MYPY_CONFIG = """\
[mypy]
strict = True
python_version = 3.10
cache_dir = {cache}

[mypy-jsonschema.*]
ignore_missing_imports = True
"""


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    where = tmp_path_factory.mktemp("builds")
    with imported(build_package(BUILDS_SPEC, "builds_types", where)) as package:
        yield package


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    if not FULL_SPEC.exists():
        pytest.skip(f"{FULL_SPEC} is absent (../shared is not beside the project)")
    where = tmp_path_factory.mktemp("full")
    with imported(build_package(FULL_SPEC, "together_types", where, lenient=True)) as package:
        yield package


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    with imported(build_package(ACME_SPEC, "acme_types", tmp_path_factory.mktemp("acme"))) as p:
        yield p


def _mypy(tmp_path: Path, sources: list[Path], *paths: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "mypy.ini"
    config.write_text(MYPY_CONFIG.format(cache=tmp_path / "cache"), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), *map(str, sources)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={"MYPYPATH": ":".join(str(p) for p in paths), "PATH": ""},
    )


# -- the user code: type-checked and run -----------------------------------------------------
def test_user_code_passes_mypy_strict(
    builds: Package, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    sources = [USAGE / "builds_usage.py", USAGE / "video_usage.py"]
    paths = [builds.src, GOLDEN_SRC]
    if FULL_SPEC.exists():
        full: Package = request.getfixturevalue("full")
        sources.append(USAGE / "full_usage.py")
        paths.append(full.src)
    done = _mypy(tmp_path, sources, *paths)
    assert done.returncode == 0, done.stdout[-4000:]


def test_what_the_types_refuse(builds: Package, tmp_path: Path) -> None:
    wrong = USAGE / "wrong_usage.py"
    marked = {
        number
        for number, line in enumerate(wrong.read_text(encoding="utf-8").splitlines(), 1)
        if line.rstrip().endswith("# refused")
    }
    done = _mypy(tmp_path, [wrong], builds.src)
    flagged = {int(m) for m in re.findall(r"wrong_usage\.py:(\d+): error", done.stdout)}
    assert flagged == marked, done.stdout[-4000:]


def _quiet_run(spec: Path, run: Any, lenient: bool = False) -> None:
    with running(MockOptions(spec=spec, lenient=lenient)) as url, warnings.catch_warnings():
        warnings.simplefilter("error")  # no drift, no deprecation
        run(url)


def test_builds_user_code_runs_against_the_mock(builds: Package) -> None:
    from tests.sdk_usage import builds_usage

    _quiet_run(BUILDS_SPEC, builds_usage.run)


def test_video_user_code_runs_against_the_mock() -> None:
    from tests.sdk_usage import video_usage

    _quiet_run(VIDEO_SPEC, video_usage.run)


@needs_full
def test_full_user_code_runs_against_the_mock(full: Package) -> None:
    from tests.sdk_usage import full_usage

    _quiet_run(FULL_SPEC, full_usage.run, lenient=True)


# -- lists and dicts, not root models --------------------------------------------------------
def test_root_types_are_the_types_they_hold(builds: Package) -> None:
    models = builds.module("models")
    source = models.Source.model_validate({"kind": "git", "url": "https://g/r"})
    assert type(source) is models.GitSource
    assert type(models.Source({"kind": "archive", "archive_url": "https://a"})) is (
        models.ArchiveSource
    )
    build = models.Build.model_validate(
        {
            "id": "b",
            "status": "queued",
            "source": {"kind": "git", "url": "https://g/r"},
            "created_at": "2024-01-01T00:00:00Z",
            "artifacts": [{"name": "a", "size": 1}],
        }
    )
    assert isinstance(build.artifacts, list) and isinstance(build.artifacts[0], models.Artifact)
    assert isinstance(build.source, models.GitSource)
    assert models.BuildStats.model_validate({"a": "1"}) == {"a": 1}
    assert isinstance([], models.ArtifactList)  # isinstance checks the shape (a list)
    assert isinstance({"a": 1}, models.BuildStats) and not isinstance([], models.BuildStats)
    assert models.ArtifactList.model_json_schema()["type"] == "array"
    assert models.ListBuildsResponse.model_rebuild()
    text = (builds.src / "builds_types" / "models.py").read_text(encoding="utf-8")
    assert "RootModel" not in text
    assert "ListBuildsResponse: TypeAlias = list[Build]" in text


def test_list_response_over_a_socket(builds: Package, server: Any) -> None:
    from tests.scripted_server import Reply

    item = {
        "id": "b1",
        "status": "completed",
        "source": {"kind": "archive", "archive_url": "https://a/x.tgz"},
        "created_at": "2024-01-01T00:00:00Z",
    }
    server.script(Reply(body=[item, item]), Reply(body={"completed": 2}))
    client = builds.module().Client(api_key="k", base_url=server.base_url)
    found = client.builds.list()
    assert type(found) is list and len(found) == 2
    assert isinstance(found[0].created_at, datetime.datetime)
    assert isinstance(found[1].source, builds.module("models").ArchiveSource)
    assert client.stats.retrieve() == {"completed": 2}


@needs_full
def test_full_spec_arrays_are_lists(full: Package) -> None:
    models = full.module("models")
    response = models.ChatCompletionResponse.model_validate(
        {
            "id": "c",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "prompt": [],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
        }
    )
    assert response.choices[0].message.content == "hi" and len(response.choices) == 1
    assert [choice.index for choice in response.choices] == [0]
    message = models.ChatCompletionMessageParam.model_validate({"role": "user", "content": "x"})
    assert type(message) is models.ChatCompletionUserMessageParam
    text = (full.src / "together_types" / "models.py").read_text(encoding="utf-8")
    assert "ChatCompletionChoicesData: TypeAlias = list[" in text


def _models(schemas: dict[str, Any], opened: set[str] | None = None) -> str:
    classes = {name: name for name in schemas}
    opened = set(schemas) if opened is None else opened
    document = model_document(schemas, classes, opened)
    enums = {n for n, s in schemas.items() if "enum" in s and "properties" not in s}
    open_enum_refs(document, enums, opened)
    return generate_models(document, "pkg._base_model.BaseModel")


def test_a_cycle_of_root_types_stays_a_root_model() -> None:
    json_value = {"$ref": "#/components/schemas/Json"}
    source = _models(
        {
            "Json": {"oneOf": [{"type": "string"}, {"type": "array", "items": json_value}]},
            "A": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/B"}]},
            "B": {"type": "array", "items": {"$ref": "#/components/schemas/A"}},
            "Names": {"type": "array", "items": {"type": "string"}},
        }
    )
    for name in ("Json", "A", "B"):
        assert f"class {name}(RootModel[" in source
    assert "Names: TypeAlias = list[str]" in source and "class Names(RootType)" in source


# -- open enums ------------------------------------------------------------------------------
def test_open_enum_keeps_unknown_values_as_members(builds: Package) -> None:
    models = builds.module("models")
    status = models.BuildStatus
    assert status("queued") is status.QUEUED
    paused = status("paused")
    assert isinstance(paused, status) and paused == "paused" and paused.value == "paused"
    assert paused not in list(status) and len(list(status)) == 4
    build = models.Build.model_validate(
        {
            "id": "b",
            "status": "paused",
            "source": {"kind": "git", "url": "https://g"},
            "created_at": "2024-01-01T00:00:00Z",
        }
    )
    assert isinstance(build.status, status) and build.status == "paused"
    assert json.loads(build.model_dump_json())["status"] == "paused"
    assert build.model_dump(mode="json")["status"] == "paused"
    assert hash(build.status) == hash(status("paused"))
    with pytest.raises(ValueError):
        status(3)  # a non-string is no member


def test_request_only_enums_stay_closed(builds: Package) -> None:
    models = builds.module("models")
    with pytest.raises(ValueError):
        models.BuildCreatePriority("urgent")
    assert models.BuildPriority("urgent") == "urgent"  # the response's copy is open


def test_open_enum_field_is_the_enum_in_the_golden_package() -> None:
    text = (GOLDEN_SRC / "together_videos" / "models.py").read_text(encoding="utf-8")
    assert "    status: VideoStatus\n" in text and "VideoStatus | str" not in text
    assert "@_open_enum\nclass VideoStatus(str, Enum):" in text


def test_string_enum_without_type_is_a_str_enum() -> None:
    source = _models(
        {
            "Kind": {"enum": ["a", "b"]},
            "Thing": {
                "type": "object",
                "properties": {"kind": {"$ref": "#/components/schemas/Kind"}},
            },
        }
    )
    assert "class Kind(str, Enum):" in source and "kind: Kind | None = None" in source


# -- defaults stay where the spec states them ------------------------------------------------
def test_acme_defaults_stay_on_project_create(acme: Package) -> None:
    models = acme.module("models")
    assert models.ProjectCreate(name="n").visibility is models.Visibility.PRIVATE
    assert models.ProjectUpdate(name="n").visibility is None
    assert models.ProjectUpdate.model_fields["visibility"].default is None
    assert models.Project.model_fields["visibility"].is_required()


@pytest.mark.parametrize("opened", [set(), {"Project"}, None], ids=["closed", "response", "all"])
def test_defaults_of_identical_properties_stay_apart(opened: set[str] | None) -> None:
    enum = {"type": "string", "enum": ["private", "team", "public"]}
    ref = {"$ref": "#/components/schemas/Visibility"}
    schemas = {
        "Visibility": dict(enum),
        "ProjectCreate": {
            "type": "object",
            "properties": {
                "visibility": {**ref, "default": "private"},
                "inline": {**enum, "default": "team"},
                "tags": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
            },
        },
        "ProjectUpdate": {
            "type": "object",
            "properties": {
                "visibility": dict(ref),
                "inline": dict(enum),
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Project": {
            "type": "object",
            "properties": {"visibility": dict(ref), "inline": dict(enum)},
        },
    }
    source = _models(schemas, opened)
    create = source.split("class ProjectCreate(", 1)[1].split("\nclass ", 1)[0]
    update = source.split("class ProjectUpdate(", 1)[1].split("\nclass ", 1)[0]
    assert re.search(r"visibility: Visibility \| None = \(?\s*Visibility\.PRIVATE", create)
    assert re.search(r"inline: \w+ \| None = \(?\s*\w+\.TEAM", create)
    assert '= ["a"]' in create
    assert "PRIVATE" not in update and "TEAM" not in update and '["a"]' not in update
    assert update.count("= None") == 3


# -- params ----------------------------------------------------------------------------------
def test_params_exist_for_type_checkers_only(builds: Package) -> None:
    models = builds.module("models")
    assert not hasattr(models.BuildCreate, "Param")
    text = (builds.src / "builds_types" / "models.py").read_text(encoding="utf-8")
    assert "    if TYPE_CHECKING:\n\n        class Param(TypedDict, total=False):" in text
    resource = (builds.src / "builds_types" / "resources" / "builds.py").read_text("utf-8")
    assert "source: GitSource | GitSource.Param | ArchiveSource | ArchiveSource.Param," in resource


def test_params_with_keys_that_are_no_identifiers() -> None:
    source = _models(
        {
            "Odd": {
                "type": "object",
                "required": ["a-b"],
                "properties": {"a-b": {"type": "string"}, "class": {"type": "integer"}},
            }
        },
        set(),
    )
    expected = """Param = TypedDict("Param", {'a-b': Required[str], 'class': int}, total=False)"""
    assert expected in source


def test_a_param_names_only_classes_that_have_one() -> None:
    """A request field typed by a name the models module holds as a union alias (or under
    another name) takes the alias alone: `X.Param` exists only on classes that get one."""
    from specforge.generator.models import insert_params

    source = (
        "from __future__ import annotations\n\n"
        "from pydantic import BaseModel\n\n\n"
        "class Named(BaseModel):\n    id: str\n\n\n"
        "class Options(BaseModel):\n    tool: Choice | None\n    named: Named | None\n\n\n"
        "class Sub(Named):\n    extra: str | None = None\n\n\n"
        "Choice = Named | str\n"
    )
    params = {
        "Named": [("id", "str", True, "")],
        "Options": [
            ("tool", "Choice | Choice.Param | None", True, ""),
            ("named", "Named | Named.Param | None", False, ""),
            ("sub", "Sub | Sub.Param", False, ""),
        ],
    }
    text = insert_params(source, params, "pkg._base_model")
    assert "tool: Required[Choice | None]" in text
    assert "named: Named | Named.Param | None" in text
    assert "sub: Sub | Sub.Param" in text  # inherited from Named
    assert "Choice.Param" not in text
