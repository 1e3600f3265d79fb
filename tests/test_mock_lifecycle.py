"""The mock plays the job lifecycle of every resource the generator polls (`Resource.polling`).

On the full Together spec, a job created through the mock (plain httpx over a socket) is
pending on its create answer and first retrieve, then terminal (a successful status) from the
second retrieve on, and stays so; the id is the one the create answered with, where the
generator's `Polling.id_path` says (`job.id` for batches, `workflow_id` for evaluations).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from specforge.conformance import cases
from specforge.conformance.mock.server import MockOptions, running
from specforge.conformance.model import FAILURE_STATES, SpecModel, load_model, success_state
from tests.sdk_lab import FULL, needs_full

pytestmark = needs_full()

AUTH = {"Authorization": "Bearer test-key"}
RETRIEVES = 6  # the mock finishes a job on its 2nd retrieve (`--complete-after 2`)


@pytest.fixture(scope="module")
def model() -> SpecModel:
    return load_model(FULL, lenient=True)


@pytest.fixture(scope="module")
def mock(model: SpecModel) -> Iterator[httpx.Client]:
    with (
        running(MockOptions(spec=FULL, lenient=True), model=model) as url,
        httpx.Client(base_url=url, headers=AUTH, timeout=10) as client,
    ):
        yield client


def at(body: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        body = body.get(name) if isinstance(body, dict) else None
    return body


def follow(mock: httpx.Client, path: str, status: str) -> list[str]:
    """The job's status on each of `RETRIEVES` retrieves of `path` (each a 200)."""
    seen = []
    for _ in range(RETRIEVES):
        got = mock.get(path)
        assert got.status_code == 200, got.text
        seen.append(got.json()[status])
    return seen


def assert_pending_then_terminal(
    seen: list[str], pending: set[str], terminal: str, created: str | None = None
) -> None:
    """pending (on the create answer, when it says, and the first retrieve), then `terminal`
    on every later retrieve."""
    if created is not None:
        assert created in pending, (created, seen)
    assert seen[0] in pending, seen
    first = next(i for i, status in enumerate(seen) if status not in pending)
    assert seen[first:] == [terminal] * (len(seen) - first), seen


# resource: (create path, body, id path in the create answer, retrieve path, status property,
# pending statuses, the successful terminal status)
JOBS: dict[str, tuple[str, dict[str, Any], tuple[str, ...], str, str, set[str], str]] = {
    "batches": (
        "/v1/batches",
        {"endpoint": "/v1/chat/completions", "input_file_id": "file-abc123"},
        ("job", "id"),
        "/v1/batches/{}",
        "status",
        {"VALIDATING", "IN_PROGRESS"},
        "COMPLETED",
    ),
    "fine_tunes": (
        "/v1/fine-tunes",
        {"training_file": "file-abc123", "model": "meta-llama/Meta-Llama-3.1-8B-Instruct"},
        ("id",),
        "/v1/fine-tunes/{}",
        "status",
        {"pending", "queued", "running"},
        "completed",
    ),
    "endpoints": (
        "/v1/endpoints",
        {
            "model": "deepseek-ai/DeepSeek-R1",
            "hardware": "1x_nvidia_a100_80gb_sxm",
            "autoscaling": {"min_replicas": 1, "max_replicas": 2},
        },
        ("id",),
        "/v1/endpoints/{}",
        "state",
        {"PENDING", "STARTING"},
        "STARTED",
    ),
    "evaluation": (
        "/v1/evaluation",
        {
            "type": "classify",
            "parameters": {
                "judge": {
                    "model": "Qwen/Qwen3.5-9B",
                    "system_template": "You are a judge",
                    "model_source": "serverless",
                },
                "input_data_file_path": "file-abc123",
            },
        },
        ("workflow_id",),
        "/v1/evaluation/{}",
        "status",
        {"pending", "queued", "running"},
        "completed",
    ),
    "rl_sample": (
        "/v1/rl/training-sessions/session-1/operations/sample",
        {"prompts": []},
        ("id",),
        "/v1/rl/training-sessions/session-1/operations/sample/{}",
        "status",
        {"TRAINING_OPERATION_STATUS_PENDING", "TRAINING_OPERATION_STATUS_RUNNING"},
        "TRAINING_OPERATION_STATUS_COMPLETED",
    ),
    "videos": (
        "/v2/videos",
        {"model": "together/video-model", "prompt": "a cat"},
        ("id",),
        "/v2/videos/{}",
        "status",
        {"in_progress"},
        "completed",
    ),
}


@pytest.mark.parametrize("resource", sorted(JOBS))
def test_a_created_job_goes_from_pending_to_terminal(mock: httpx.Client, resource: str) -> None:
    create, body, id_path, retrieve, status, pending, terminal = JOBS[resource]
    created = mock.post(create, json=body)
    assert 200 <= created.status_code < 300, created.text
    job_id = at(created.json(), id_path)
    assert isinstance(job_id, str) and job_id
    created_status = at(created.json(), (*id_path[:-1], status))
    seen = follow(mock, retrieve.format(job_id), status)
    assert_pending_then_terminal(seen, pending, terminal, created_status)
    assert mock.get(retrieve.format("never-created-0000")).status_code == 404


def test_the_batch_id_is_where_the_create_answers_it(mock: httpx.Client) -> None:
    """A batch's create answers `{job: {...}, warning}`: the job's id and status are inside."""
    created = mock.post(
        "/v1/batches", json={"endpoint": "/v1/chat/completions", "input_file_id": "f-1"}
    ).json()
    assert set(created) <= {"job", "warning"} and created["job"]["status"] == "VALIDATING"
    retrieved = mock.get(f"/v1/batches/{created['job']['id']}").json()
    assert retrieved["id"] == created["job"]["id"] and retrieved["status"] == "VALIDATING"


def test_every_resource_the_generator_polls_is_played(model: SpecModel, mock: httpx.Client) -> None:
    """Each resource with `polling` and a create naming the job (all but `jobs`, which has no
    create) runs its lifecycle: the create's own minimal request, the id at `id_path`."""
    polled = {
        "/".join(resource.path): resource.polling
        for root in model.api.resources.values()
        for resource in root.walk()
        if resource.polling is not None
    }
    assert len(polled) == 15 and not polled["jobs"].create
    played = {"/".join(job.poller.resource): job for job in model.lifecycles()}
    assert set(played) == {name for name, polling in polled.items() if polling.create}
    for name, job in played.items():
        polling = polled[name]
        assert polling is not None
        base = cases.baseline(model, job.create)
        assert base is not None, name
        call = base.call(model.credentials(job.create, "test-key"))
        created = mock.request(call.method, call.path, json=call.json_body)
        assert 200 <= created.status_code < 300, (name, created.text)
        job_id = at(created.json(), polling.id_path)
        assert isinstance(job_id, str) and job_id, name
        path = job.retrieve.full_path
        for field in job.retrieve.path_fields[:-1]:
            path = path.replace(f"{{{field.name}}}", base.path_params[field.name])
        path = path.replace(f"{{{job.retrieve.path_fields[-1].name}}}", job_id)
        seen = follow(mock, path, polling.status)
        done = [status for status in seen if status in polling.terminal]
        assert seen[0] in polling.pending and done, (name, seen)
        assert seen[seen.index(done[0]) :] == [done[0]] * len(done), (name, seen)
        assert done[0] == success_state(polling), (name, seen)
        assert not FAILURE_STATES & set(done[0].lower().split("_")), (name, seen)


def test_the_suite_follows_the_jobs_and_says_why_not_the_others(model: SpecModel) -> None:
    """The suite's lifecycle checks (pending, then one terminal status that stays) follow the
    resources whose status reads as a job's; the others are skipped with the reason."""
    from specforge.conformance.suite.test_lifecycle import not_a_job

    reasons = {".".join(job.poller.resource): not_a_job(job.poller) for job in model.lifecycles()}
    followed = {name for name, reason in reasons.items() if not reason}
    assert followed == {
        "batches",
        "evaluation",
        "fine_tunes",
        "videos",
        *(
            f"rl.training_sessions.operations.{name}"
            for name in (
                "forward_backward",
                "inference_checkpoint",
                "optim_step",
                "sample",
                "training_checkpoint",
            )
        ),
    }
    assert "Deleting" in reasons["compute.clusters"]
    assert "available, bound" in reasons["compute.clusters.storage.volumes"]
    assert "Updating, Scaling" in reasons["deployments"]
    assert "STOPPING" in reasons["endpoints"]
