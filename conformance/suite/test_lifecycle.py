"""Jobs: a created job can be retrieved, its status only moves forward, completed has outputs.

Every resource whose jobs the generator polls (`Resource.polling`, see `SpecModel.lifecycles`)
and whose create names the new job is followed: create it, retrieve it by the id its create
answered with until its status is terminal (and once more), then ask for an id never created.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest

from specforge.conformance import cases, checks
from specforge.conformance.http import Call
from specforge.conformance.model import (
    FAILURE_STATES,
    Lifecycle,
    completed_value,
    completion_fields,
    success_state,
)
from specforge.conformance.pagination import at
from specforge.conformance.runtime import Run
from specforge.conformance.suite.helpers import assert_clean, auth, judge
from specforge.generator.ir import Operation, Poller

FIRST_POLL_WAIT = 0.1
# Pending states a resource reaches from a terminal one (a running service scaled, stopped or
# deleted): its status is a resource's state, which may leave a terminal value, not a job's.
WAYS_BACK = frozenset(
    {"stopping", "deleting", "updating", "scaling", "restarting", "pausing", "resuming"}
    | {"terminating", "upgrading", "resizing", "suspending", "draining", "deprovisioning"}
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def poll_wait(interval: float, attempt: int) -> float:
    """The wait before poll `attempt + 2`: doubling from 0.1 s up to the run's interval, so a
    job that is done at once is not waited on for whole intervals."""
    return float(min(interval, FIRST_POLL_WAIT * 2**attempt))


def select(run: Run, op: Operation) -> bool:
    return any(job.create.operation_id == op.operation_id for job in run.model.lifecycles())


def not_a_job(poller: Poller) -> str:
    """Why the lifecycle checks' reading (pending states, then one terminal state that stays)
    does not fit the resource's status ("" when it does): a pending state reached from a
    terminal one, or more than one terminal state that is no failure (a server may move
    between them)."""

    def words(state: str) -> set[str]:
        return {word.lower() for word in _WORD.findall(state)} or {state.lower()}

    back = [state for state in poller.pending if words(state) & WAYS_BACK]
    if back:
        verb = "follows" if len(back) == 1 else "follow"
        return f"its pending {', '.join(back)} {verb} a terminal state"
    steady = [state for state in poller.terminal if not words(state) & FAILURE_STATES]
    if len(steady) > 1:
        return f"a server may move between its terminal states {', '.join(steady)}"
    return ""


def unheld_outputs(run: Run, schema_pointer: str) -> list[str]:
    """The outputs properties of a finished job (`completion_fields`) whose schema admits no
    value the completed-outputs check counts: it cannot be asked of a server."""
    schema = run.model.schema_at(schema_pointer)
    properties = schema.get("properties") or {}
    return [
        name
        for name in completion_fields(schema)
        if completed_value(run.model, properties.get(name)) is None
    ]


def retrieve_path(job: Lifecycle, path_params: dict[str, str], job_id: str) -> str:
    """The retrieve's path for `job_id`, its other path parameters as the create took them."""
    values = {**path_params, job.retrieve.path_fields[-1].name: job_id}
    path = job.retrieve.full_path
    for field in job.retrieve.path_fields:
        path = path.replace("{" + field.name + "}", quote(values.get(field.name, "x"), safe=""))
    return path


def test_lifecycle(run: Run, operation_id: str) -> None:
    mark = len(run.recorder.outcomes)
    job = next(j for j in run.model.lifecycles() if j.create.operation_id == operation_id)
    poller, create, retrieve = job.poller, job.create, job.retrieve
    reason = not_a_job(poller)
    if reason:
        pytest.skip(
            f"{'.'.join(poller.resource)} is no job whose {poller.status_field} goes from pending"
            f" to one terminal value that stays: {reason}"
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
    job_id = at(body, job.created_id)
    if not isinstance(job_id, str) or not 200 <= created.status < 300:
        assert_clean(run, mark)
        pytest.fail(
            f"the create answer carries no {'.'.join(job.created_id)!r}: {created.describe()}",
            pytrace=False,
        )
    done = success_state(poller)
    schema_pointer = retrieve.success.schema_pointer if retrieve.success else ""
    unheld = unheld_outputs(run, schema_pointer)
    skipped_outputs = False
    statuses = [str(at(body, job.created_status))] if job.created_status else []
    path = retrieve_path(job, base.path_params, job_id)
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
        if statuses[-1] == done and unheld:
            if not skipped_outputs:
                skipped_outputs = True
                run.judge(
                    checks.lifecycle_completed_outputs,
                    retrieve,
                    f"{done} job",
                    checks.Verdict(
                        "skip",
                        f"a {done} job has {', '.join(unheld)}",
                        f"the schema of {', '.join(unheld)} admits no value but null, {{}} or []",
                    ),
                    call,
                )
        else:
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
    placed = auth(run, retrieve)
    unknown = Call(
        "GET",
        retrieve_path(job, base.path_params, "never-created-0000"),
        query=dict(placed.query),
        headers=placed.all_headers(),
    )
    got = run.send(retrieve, unknown, "retrieve an unknown id")
    if got is not None:
        judge(run, checks.lifecycle_unknown_id, retrieve, "retrieve an unknown id", unknown, got)
    assert_clean(run, mark)
