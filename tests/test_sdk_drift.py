"""Drifting responses keep their types: every valid part is built as its model, recursively;
only the offending fields stay as they came, and the drift warning names each of them.

Driven over a real socket (the scripted server) on the video spec (the committed package),
tests/fixtures/acme-projects.yaml and the full Together spec (skipped without ../shared).
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import together_videos
from together_videos import Client, ResponseDriftWarning
from together_videos._base_model import build
from together_videos.models import VideoJob, VideoJobError, VideoJobOutputs, VideoStatus

from tests.scripted_server import Reply, ScriptedServer
from tests.sdk_support import (
    ACME_SPEC,
    BUILDS_SPEC,
    FULL_SPEC,
    Package,
    build_package,
    imported,
    needs_full,
)

KEY = "sk-test-0123456789"
JOB: dict[str, Any] = {
    "id": "job-1",
    "object": "video",
    "model": "m",
    "status": "completed",
    "created_at": 1.0,
    "size": "1280x720",
    "seconds": "4",
}
DRIFTED_JOB: dict[str, Any] = {
    **JOB,
    "created_at": "yesterday",
    "outputs": {"cost": "two dollars", "video_url": "https://cdn.example/v.mp4"},
    "error": {"code": 5, "message": "none"},
}
DRIFT_POINTERS = {"/created_at", "/outputs/cost", "/error/code"}


def _drift_pointers(record: list[warnings.WarningMessage]) -> set[str]:
    """The JSON pointers the drift warnings name."""
    found = set()
    for warning in record:
        if warning.category.__name__ == ResponseDriftWarning.__name__:  # any package's
            text = str(warning.message)
            found.add(text.split(" at ", 1)[1].split(":", 1)[0])
    return found


# -- the video spec (committed package) ------------------------------------------------------
def _video_client(server: ScriptedServer, mode: str) -> Client:
    return Client(api_key=KEY, base_url=server.base_url, response_validation=mode)  # type: ignore[arg-type]


def _assert_typed_job(job: VideoJob) -> None:
    assert isinstance(job, VideoJob)
    assert isinstance(job.outputs, VideoJobOutputs)
    assert job.outputs.video_url == "https://cdn.example/v.mp4"
    assert job.outputs.cost == "two dollars"  # the offending field, as it came
    assert isinstance(job.error, VideoJobError) and job.error.message == "none"
    assert job.error.code == 5  # type: ignore[comparison-overlap]
    assert job.status is VideoStatus.COMPLETED
    assert job.created_at == "yesterday"  # type: ignore[comparison-overlap]
    assert job.id == "job-1" and job.object == "video"


def test_video_warn_builds_nested_models_and_names_each_field(server: ScriptedServer) -> None:
    server.script(Reply(body=DRIFTED_JOB))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        job = _video_client(server, "warn").videos.create(model="m")
    _assert_typed_job(job)
    assert _drift_pointers(record) == DRIFT_POINTERS
    assert set(build(VideoJob, DRIFTED_JOB)[1]) == DRIFT_POINTERS


def test_video_off_builds_the_same_without_a_warning(server: ScriptedServer) -> None:
    server.script(Reply(body=DRIFTED_JOB))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        job = _video_client(server, "off").videos.create(model="m")
    _assert_typed_job(job)


def test_video_valid_response_is_unchanged(server: ScriptedServer) -> None:
    body = {**JOB, "outputs": {"cost": 2, "video_url": "https://v"}}
    server.script(Reply(body=body))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        job = _video_client(server, "warn").videos.create(model="m")
    assert job == VideoJob.model_validate(body)
    assert build(VideoJob, body) == (job, [])


def test_missing_required_field_leaves_the_rest_typed(server: ScriptedServer) -> None:
    body = {k: v for k, v in DRIFTED_JOB.items() if k != "size"}
    server.script(Reply(body=body))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        job = _video_client(server, "warn").videos.create(model="m")
    assert isinstance(job.outputs, VideoJobOutputs)
    assert "size" not in job.model_fields_set
    assert "/size" in _drift_pointers(record)


def test_extra_properties_stay_reachable_in_a_drifting_model() -> None:
    job = VideoJob.model_construct(**{**DRIFTED_JOB, "priority": 7})
    assert job.model_extra == {"priority": 7}
    assert isinstance(job.outputs, VideoJobOutputs)


def test_the_golden_package_carries_the_lenient_builder() -> None:
    assert together_videos.__name__ == "together_videos"
    assert callable(build)


# -- the acme fixture (apiKey header, date-times, a page of projects) ------------------------
@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    with imported(build_package(ACME_SPEC, "acme_drift", tmp_path_factory.mktemp("acme"))) as p:
        yield p


PROJECT: dict[str, Any] = {
    "id": "prj_abcdefgh",
    "name": "Moon",
    "visibility": "team",
    "created_at": "2024-01-01T00:00:00Z",
}


def _acme_client(acme: Package, server: ScriptedServer, mode: str) -> Any:
    return acme.module().Client(api_key=KEY, base_url=server.base_url, response_validation=mode)


@pytest.mark.parametrize("mode", ["warn", "off"])
def test_acme_page_items_are_projects_and_datetimes(
    acme: Package, server: ScriptedServer, mode: str
) -> None:
    models = acme.module("models")
    page = {
        "data": [PROJECT, {**PROJECT, "id": "prj_bad", "created_at": "last week"}],
        "has_more": "maybe",
    }
    server.script(Reply(body=page))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = _acme_client(acme, server, mode).projects.list()
    assert isinstance(result, models.ProjectPage)
    first, second = result.data
    assert isinstance(first, models.Project) and isinstance(second, models.Project)
    assert first.created_at == datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    assert first.visibility == "team" and second.visibility == "team"
    assert second.created_at == "last week" and second.id == "prj_bad"
    assert result.has_more == "maybe"
    left = set(acme.module("_base_model").build(models.ProjectPage, page)[1])
    assert left == {"/data/1/id", "/data/1/created_at", "/has_more"}
    if mode == "warn":
        assert _drift_pointers(record) == left
    else:
        assert _drift_pointers(record) == set()


def test_acme_project_with_a_wrong_name(acme: Package, server: ScriptedServer) -> None:
    models = acme.module("models")
    server.script(Reply(body={**PROJECT, "name": 5}))
    with pytest.warns(acme.module().ResponseDriftWarning, match="/name"):
        project = _acme_client(acme, server, "warn").projects.retrieve("prj_abcdefgh")
    assert isinstance(project, models.Project)
    assert project.name == 5 and isinstance(project.created_at, datetime.datetime)


# -- the full Together spec ------------------------------------------------------------------
@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    if not FULL_SPEC.exists():
        pytest.skip(f"{FULL_SPEC} is absent (../shared is not beside the project)")
    where: Path = tmp_path_factory.mktemp("full")
    with imported(build_package(FULL_SPEC, "together_drift", where, lenient=True)) as package:
        yield package


CHAT: dict[str, Any] = {
    "id": "c1",
    "object": "chat.completion",
    "prompt": [],
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}},
        {"index": "one", "message": {"role": "assistant", "content": 5}},
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": "two", "total_tokens": 3},
}
CHAT_POINTERS = {"/choices/1/index", "/choices/1/message/content", "/usage/completion_tokens"}


@needs_full
@pytest.mark.parametrize("mode", ["warn", "off"])
def test_full_chat_completion_choices_stay_typed(
    full: Package, server: ScriptedServer, mode: str
) -> None:
    models = full.module("models")
    server.script(Reply(body=CHAT))
    client = full.module().Client(api_key=KEY, base_url=server.base_url, response_validation=mode)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
    assert isinstance(result, models.ChatCompletionResponse)
    assert isinstance(result.choices, list) and len(result.choices) == 2
    first, second = result.choices
    assert first.message.content == "hi" and first.finish_reason == "stop"
    assert type(first.message).__name__ == "ChatCompletionMessage"
    assert second.index == "one" and second.message.content == 5
    assert isinstance(result.usage, models.UsageData) and result.usage.total_tokens == 3
    built = full.module("_base_model").build(models.ChatCompletionResponse, CHAT)
    assert set(built[1]) == CHAT_POINTERS
    expected = CHAT_POINTERS if mode == "warn" else set()
    assert _drift_pointers(record) == expected


# -- a list response: its valid items are built as their models too ------------------------------
@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    where = tmp_path_factory.mktemp("builds")
    with imported(build_package(BUILDS_SPEC, "builds_drift", where)) as package:
        yield package


BUILD: dict[str, Any] = {
    "id": "b1",
    "status": "completed",
    "source": {"kind": "git", "url": "https://git.example/r"},
    "created_at": "2024-01-01T00:00:00Z",
}


def test_builder_keeps_list_items_typed(builds: Package) -> None:
    models = builds.module("models")
    data = [BUILD, {**BUILD, "id": 7}]
    built, left = builds.module("_base_model").build(models.ListBuildsResponse, data)
    assert left == ["/1/id"]
    assert all(isinstance(item, models.Build) for item in built)
    assert isinstance(built[1].created_at, datetime.datetime) and built[1].id == 7


def test_union_object_response_is_built_as_its_member(builds: Package) -> None:
    models = builds.module("models")
    source = models.Source.model_construct(kind="git", url="https://git.example/r", ref=5)
    assert isinstance(source, models.GitSource) and source.ref == 5


def test_list_response_drift_keeps_items_typed(builds: Package, server: ScriptedServer) -> None:
    server.script(Reply(body=[BUILD, {**BUILD, "id": 7}]))
    client = builds.module().Client(api_key=KEY, base_url=server.base_url)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        found = client.builds.list()
    assert _drift_pointers(record) == {"/1/id"}
    assert all(isinstance(item, builds.module("models").Build) for item in found)
