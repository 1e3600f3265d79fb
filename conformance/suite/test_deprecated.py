"""Deprecated fields: answered like their replacement; both together never a 5xx."""

from __future__ import annotations

from specforge.conformance import cases, checks
from specforge.conformance.auth import Placement
from specforge.conformance.runtime import Run
from specforge.conformance.suite.helpers import assert_clean, auth, judge
from specforge.generator.ir import Operation


def select(run: Run, op: Operation) -> bool:
    base = cases.baseline(run.model, op)
    return base is not None and bool(cases.deprecated_cases(run.model, base, Placement()))


def test_deprecated(run: Run, operation_id: str) -> None:
    mark = len(run.recorder.outcomes)
    op = run.model.operation(operation_id)
    base = cases.baseline(run.model, op)
    assert base is not None
    for case in cases.deprecated_cases(run.model, base, auth(run, base.op)):
        label = f"{case.name} -> {case.replacement}"
        replacement = run.send(op, case.replacement_only, f"{label}: replacement only")
        again = run.send(op, case.replacement_only, f"{label}: replacement only, again")
        deprecated = run.send(op, case.deprecated_only, f"{label}: deprecated only")
        if replacement is None or again is None or deprecated is None:
            continue
        judge(
            run,
            checks.deprecated_fallback,
            op,
            f"{label}: deprecated only",
            case.deprecated_only,
            deprecated,
            replacement,
            again,
        )
        both = run.send(op, case.both, f"{label}: both given")
        if both is not None:
            judge(
                run,
                checks.deprecated_conflict,
                op,
                f"{label}: both given",
                case.both,
                both,
                replacement,
                again,
            )
    assert_clean(run, mark)
