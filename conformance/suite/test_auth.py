"""Missing, malformed or misplaced credentials get 401/403 on every secured operation."""

from __future__ import annotations

from specforge.conformance import cases
from specforge.conformance.runtime import Run
from specforge.conformance.suite.helpers import assert_clean
from specforge.generator.ir import Operation


def select(run: Run, op: Operation) -> bool:
    return bool(run.model.security(op)) and cases.baseline(run.model, op) is not None


def test_auth(run: Run, operation_id: str) -> None:
    mark = len(run.recorder.outcomes)
    op = run.model.operation(operation_id)
    base = cases.baseline(run.model, op)
    assert base is not None
    for case in cases.auth_cases(run.model, base, run.sender.api_key):
        run.check(case.check, op, case.call, case.name)
    assert_clean(run, mark)
