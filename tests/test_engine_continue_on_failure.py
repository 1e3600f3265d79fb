"""Schemathesis' engine stops an operation at its first failure unless `--continue-on-failure`.

Against a corpus server whose every create answer breaks the schema (`videos/missing-size`), the
engine alone (`-k test_schemathesis`) finds the same failing checks either way; by default it
sends fewer requests, as `schemathesis run` does, and with the option it goes on generating.
"""

from __future__ import annotations

from specforge.conformance.runner import ConformResult
from tests.corpus_own_checks import conform_variant

ENGINE_ONLY = ["-k", "test_schemathesis"]


def engine_run(continue_on_failure: bool) -> ConformResult:
    return conform_variant(
        "videos/missing-size",
        max_examples=20,
        pytest_args=ENGINE_ONLY,
        continue_on_failure=continue_on_failure,
    )


def test_the_first_failure_ends_an_operation_unless_asked_to_go_on() -> None:
    stopping, going_on = engine_run(False), engine_run(True)
    assert stopping.exit_code == going_on.exit_code == 1
    assert "response_schema_conformance" in stopping.failed_checks
    assert set(stopping.failed_checks) <= set(going_on.failed_checks), (
        stopping.failed_checks,
        going_on.failed_checks,
    )
    assert 0 < stopping.sent < going_on.sent, (stopping.sent, going_on.sent)
