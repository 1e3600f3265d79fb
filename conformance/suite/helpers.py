"""Small helpers for the suite's tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ParamSpec

import pytest

from specforge.conformance import cases
from specforge.conformance.auth import Placement
from specforge.conformance.checks import Check
from specforge.conformance.http import Call, Exchange
from specforge.conformance.model import SpecModel
from specforge.conformance.runtime import Run
from specforge.generator.ir import Operation

P = ParamSpec("P")


def auth(run: Run, op: Operation) -> Placement:
    """The run's key where the operation's security scheme puts it (header, query or cookie)."""
    return run.model.credentials(op, run.sender.api_key)


def judge(
    run: Run,
    check: Check[P],
    op: Operation,
    case: str,
    call: Call | None,
    *evidence: P.args,
    **named: P.kwargs,
) -> None:
    """Run `check` on the evidence (typed as its function takes it) and record its verdict
    (with the last exchange among the evidence, for the cassette)."""
    exchange = next((e for e in reversed(evidence) if isinstance(e, Exchange)), None)
    run.judge(check, op, case, check(*evidence, **named), call, exchange)


def assert_clean(run: Run, mark: int) -> None:
    """Fail the test when a violation (or, with --strict, a spec gap) was recorded since `mark`."""
    failures = run.failures_since(mark)
    if failures:
        lines = [
            f"{o.check} [{o.operation}] {o.case}: expected {o.expected}; got {o.got}"
            for o in failures[:10]
        ]
        more = f"\n... and {len(failures) - 10} more" if len(failures) > 10 else ""
        pytest.fail("\n".join(lines) + more, pytrace=False)


def baseline(run: Run, operation_id: str) -> cases.Baseline:
    """The minimal valid request of an operation the test selected (it has one), on the id of
    a resource the server lists where one can be found (see `known_ids`)."""
    base = cases.baseline(run.model, run.model.operation(operation_id))
    assert base is not None
    ids = known_ids(run, base)
    if ids:
        # values that must be accepted are judged on it; a 404 stays a skip (what was listed
        # may be gone by now, and a mock lists what its examples hold)
        base.path_params.update(ids)
        base.documented_ids = True
    return base


_LAST_PARAM = re.compile(r"^(.*)/\{([^{}/]+)\}(/[^{}]*)?$")


def known_ids(run: Run, base: cases.Baseline) -> dict[str, str]:
    """The last path parameter of the operation as the id of the first item its collection
    (`GET` on the path before it, whose own parameters are the spec's examples) lists, asked
    afresh (an earlier test may have deleted what was listed before); nothing for DELETE (the
    suite deletes only what it made up) or when no such item is found."""
    if not base.path_params or base.op.method == "DELETE":
        return {}
    match = _LAST_PARAM.match(base.op.full_path)
    if match is None:
        return {}
    parent, name = match.group(1), match.group(2)
    listing = next(
        (op for op in run.model.api.operations if op.method == "GET" and op.full_path == parent),
        None,
    )
    if listing is None:
        return {}
    listed = cases.baseline(run.model, listing)
    if listed is None or not listed.positive:
        return {}
    exchange = run.send(listing, listed.call(auth(run, listing)), f"list to find a {name}")
    if exchange is None or not 200 <= exchange.status < 300:
        return {}
    body = exchange.json()
    items = body if isinstance(body, list) else None
    if isinstance(body, dict):
        items = next((v for v in body.values() if isinstance(v, list) and v), None)
    first = items[0] if items else None
    if not isinstance(first, dict):
        return {}
    for key in (name, name.rsplit("_", 1)[-1], "id"):
        value = first.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return {**listed.path_params, name: str(value)}
    return {}


CaseBuilder = Callable[[SpecModel, cases.Baseline, Placement], list[cases.Case]]


def check_cases(run: Run, operation_id: str, build: CaseBuilder, none_apply: str) -> None:
    """Send each case `build` makes for the operation, judge it by its check, fail on findings;
    skip, saying `none_apply`, when no case applies."""
    mark = len(run.recorder.outcomes)
    base = baseline(run, operation_id)
    found = build(run.model, base, auth(run, base.op))
    if not found:
        pytest.skip(none_apply)
    for case in found:
        run.check(case.check, base.op, case.call, case.name)
    assert_clean(run, mark)
