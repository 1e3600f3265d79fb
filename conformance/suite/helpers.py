"""Small helpers for the suite's tests."""

from __future__ import annotations

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
    """The minimal valid request of an operation the test selected (it has one)."""
    base = cases.baseline(run.model, run.model.operation(operation_id))
    assert base is not None
    return base


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
