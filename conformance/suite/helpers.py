"""Small helpers for the suite's tests."""

from __future__ import annotations

import pytest

from specforge.conformance.runtime import Run


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
