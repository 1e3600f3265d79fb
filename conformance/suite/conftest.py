"""Shared set-up of the suite: one `Run` per session, operations as parameters."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from specforge.conformance import secrets
from specforge.conformance.runtime import Run
from specforge.conformance.settings import SuiteSettings

_RUN: Run | None = None


def current_run() -> Run:
    """The session's run (created on first use)."""
    global _RUN
    if _RUN is None:
        _RUN = Run.start(SuiteSettings.from_env())
    return _RUN


def pytest_configure(config: pytest.Config) -> None:
    """Run on its own (not by `specforge conform`), the suite still scrubs its credentials."""
    if secrets.active() is not None:
        return  # the runner installed the run's scrubber and its plugin
    try:
        settings = SuiteSettings.from_env()
    except RuntimeError:
        return
    scrubber = secrets.Scrubber(secrets.credentials(settings.api_key, settings.api_key_env))
    secrets.install(scrubber)
    config.pluginmanager.register(secrets.ScrubPlugin(scrubber), "specforge-scrub")


@pytest.fixture(scope="session")
def run() -> Run:
    return current_run()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `operation_id` with the operations the module's `select(run, op)` accepts."""
    if "operation_id" not in metafunc.fixturenames:
        return
    select: Callable[..., Any] = getattr(metafunc.module, "select", lambda run, op: True)
    run = current_run()
    ids = [op.operation_id for op in run.model.api.operations if select(run, op)]
    metafunc.parametrize(
        "operation_id",
        ids
        or [
            pytest.param(
                "",
                marks=pytest.mark.skip(reason="no operation of the spec has what this test needs"),
            )
        ],
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _RUN
    if _RUN is None:
        return
    run, _RUN = _RUN, None
    if run.settings.results_path:
        results = Path(run.settings.results_path)
        run.recorder.save(results)
        stats = {
            "sent": run.sender.sent,
            "retried": run.sender.retried,
            "paid": run.sender.budget.spent,
        }
        results.with_suffix(".stats.json").write_text(json.dumps(stats), encoding="utf-8")
    run.sender.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis' engine runs last: its stateful phase deletes what it finds (on a live server
    too), which would turn the other checks' requests on the same ids into 404s."""
    items.sort(
        key=lambda item: getattr(item, "nodeid", "").split("::")[0].endswith("test_engine.py")
    )
