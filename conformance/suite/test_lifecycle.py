"""Jobs: a created job can be retrieved, its status only moves forward, completed has outputs."""

from __future__ import annotations

import time

import pytest

from specforge.conformance import cases, checks
from specforge.conformance.http import Call
from specforge.conformance.model import success_state
from specforge.conformance.runtime import Run
from specforge.conformance.suite.helpers import assert_clean, auth, judge
from specforge.generator.ir import Operation

FIRST_POLL_WAIT = 0.1


def poll_wait(interval: float, attempt: int) -> float:
    """The wait before poll `attempt + 2`: doubling from 0.1 s up to the run's interval, so a
    job that is done at once is not waited on for whole intervals."""
    return float(min(interval, FIRST_POLL_WAIT * 2**attempt))


def select(run: Run, op: Operation) -> bool:
    return any(create.operation_id == op.operation_id for _, create, _ in run.model.pollers())


def test_lifecycle(run: Run, operation_id: str) -> None:
    mark = len(run.recorder.outcomes)
    poller, create, retrieve = next(
        p for p in run.model.pollers() if p[1].operation_id == operation_id
    )
    base = cases.baseline(run.model, create)
    if base is None:
        pytest.skip("no JSON request can be built for the create operation")
    created = run.check(
        checks.baseline_accepted, create, base.call(auth(run, create)), "create a job"
    )
    if created is None:
        pytest.skip("over budget")
    body = created.json()
    job_id = body.get(poller.id_field) if isinstance(body, dict) else None
    if not isinstance(job_id, str) or not 200 <= created.status < 300:
        assert_clean(run, mark)
        pytest.fail(
            f"the create answer carries no {poller.id_field!r}: {created.describe()}", pytrace=False
        )
    done = success_state(poller)
    schema_pointer = create.success.schema_pointer if create.success else ""
    statuses = [str(body.get(poller.status_field))]
    path = retrieve.full_path.replace("{" + retrieve.path_fields[0].name + "}", job_id)
    extra_after_terminal = 1
    for attempt in range(run.settings.poll_limit):
        placed = auth(run, retrieve)
        call = Call("GET", path, query=dict(placed.query), headers=placed.all_headers())
        got = run.send(retrieve, call, f"retrieve {job_id} (#{attempt + 1})")
        if got is None:
            break
        if attempt == 0:
            judge(
                run,
                checks.lifecycle_retrievable,
                retrieve,
                "retrieve the created job",
                call,
                created,
                got,
            )
        answer = got.json()
        if not 200 <= got.status < 300 or not isinstance(answer, dict):
            break
        statuses.append(str(answer.get(poller.status_field)))
        judge(
            run,
            checks.lifecycle_completed_outputs,
            retrieve,
            f"{done} job",
            call,
            run.model,
            poller,
            schema_pointer,
            answer,
            done,
        )
        if statuses[-1] in poller.terminal:
            if extra_after_terminal == 0:
                break
            extra_after_terminal -= 1
        time.sleep(poll_wait(run.settings.poll_interval, attempt))
    judge(
        run,
        checks.lifecycle_status_forward,
        retrieve,
        " -> ".join(statuses),
        None,
        poller,
        statuses,
    )
    unknown = Call(
        "GET",
        retrieve.full_path.replace("{" + retrieve.path_fields[0].name + "}", "never-created-0000"),
        query=dict(auth(run, retrieve).query),
        headers=auth(run, retrieve).all_headers(),
    )
    got = run.send(retrieve, unknown, "retrieve an unknown id")
    if got is not None:
        judge(run, checks.lifecycle_unknown_id, retrieve, "retrieve an unknown id", unknown, got)
    assert_clean(run, mark)
