"""Schemathesis' whole engine (every phase, every built-in check) once per run, judged per operation."""

from __future__ import annotations

import pytest

from specforge.conformance.engine import EngineResults, EngineRun
from specforge.conformance.runtime import Run
from specforge.generator.ir import Operation

_RESULTS: dict[int, EngineResults] = {}


def select(run: Run, op: Operation) -> bool:
    return True


def engine_results(run: Run) -> EngineResults:
    """The engine's results for the run (it executes on first use)."""
    key = id(run)
    if key not in _RESULTS:
        _RESULTS.clear()
        _RESULTS[key] = EngineRun(run).execute()
    return _RESULTS[key]


def test_schemathesis(run: Run, operation_id: str) -> None:
    results = engine_results(run)
    if results.errors and not results.findings:
        pytest.fail("Schemathesis could not run: " + "; ".join(results.errors[:3]), pytrace=False)
    failing = [
        o
        for o in results.findings.get(operation_id, [])
        if o.kind == "violation" or (run.settings.strict and o.kind == "gap")
    ]
    if failing:
        lines = [f"{o.check}: {o.got}" for o in failing]
        pytest.fail("\n".join(lines), pytrace=False)
    if operation_id in results.skipped and not results.findings.get(operation_id):
        pytest.skip(f"Schemathesis: {results.skipped[operation_id]}"[:300])
