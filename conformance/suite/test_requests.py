"""Baseline, invalid-input, enum, boundary, parameter and pattern cases of every operation whose
request can be built (a JSON or urlencoded body, or none)."""

from __future__ import annotations

from specforge.conformance import cases, checks
from specforge.conformance.runtime import Run
from specforge.conformance.suite.helpers import assert_clean, auth, baseline, check_cases
from specforge.generator.ir import Operation


def select(run: Run, op: Operation) -> bool:
    return cases.baseline(run.model, op) is not None


def test_baseline(run: Run, operation_id: str) -> None:
    """A minimal valid request is accepted and its answer matches the spec."""
    mark = len(run.recorder.outcomes)
    base = baseline(run, operation_id)
    call = base.call(auth(run, base.op))
    if not base.positive:
        # ids come from other operations, or no 2xx is documented: only the response checks apply
        run.send(base.op, call, "valid request with placeholder path parameters")
    else:
        run.check(checks.baseline_accepted, base.op, call, "minimal valid request")
    assert_clean(run, mark)


def test_invalid_input(run: Run, operation_id: str) -> None:
    """Bodies that break the schema get a 4xx."""
    check_cases(run, operation_id, cases.invalid_cases, "no body property to break")


def test_enums(run: Run, operation_id: str) -> None:
    """Every listed enum value is accepted; another case or an unknown value is refused."""
    check_cases(run, operation_id, cases.enum_cases, "no enum in the request body")


def test_boundaries(run: Run, operation_id: str) -> None:
    """Each bound at its edge is accepted; one step past it is refused."""
    check_cases(run, operation_id, cases.boundary_cases, "no bounded request property")


def test_params(run: Run, operation_id: str) -> None:
    """Query and path parameters: bounds on both sides, a page past the end, wrong types, enum
    values and near-misses."""
    check_cases(run, operation_id, cases.param_cases, "no parameter with a bound, type or enum")


def test_patterns(run: Run, operation_id: str) -> None:
    """A value of a `$`-anchored pattern with a trailing newline is refused."""
    check_cases(run, operation_id, cases.pattern_cases, "no body property with a `$` pattern")
