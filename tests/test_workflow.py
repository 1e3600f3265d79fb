"""The spec-gate workflow: valid YAML with the triggers, paths filter and steps the gate needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOW = Path(__file__).parent.parent / ".github" / "workflows" / "spec-gate.yml"
PATHS = ["spec/**", "templates/**", "generator/**", "generated/**"]


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    jobs = workflow["jobs"]
    assert list(jobs) == ["gate"]
    found = jobs["gate"]["steps"]
    assert isinstance(found, list) and all(isinstance(step, dict) for step in found)
    return found


def test_triggers_on_pull_requests_touching_the_contract(workflow: dict[Any, Any]) -> None:
    # YAML 1.1 reads the bare key `on` as True.
    triggers = workflow["on"] if "on" in workflow else workflow[True]
    assert list(triggers) == ["pull_request"]
    assert triggers["pull_request"]["paths"] == PATHS


def test_job_shape(workflow: dict[Any, Any]) -> None:
    assert workflow["name"] == "spec-gate"
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["gate"]
    assert job["runs-on"] == "ubuntu-latest"
    assert isinstance(job["timeout-minutes"], int)


def test_every_step_uses_or_runs_something(steps: list[dict[str, Any]]) -> None:
    for step in steps:
        assert ("uses" in step) != ("run" in step), step
        assert set(step) <= {"name", "uses", "run", "with", "env", "if", "id"}, step


def test_checkout_has_full_history(steps: list[dict[str, Any]]) -> None:
    checkout = steps[0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0


def test_python_311(steps: list[dict[str, Any]]) -> None:
    setup = next(step for step in steps if step.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11"


def test_runs_make_gate_against_the_base_branch(steps: list[dict[str, Any]]) -> None:
    gate = next(step for step in steps if "make gate" in step.get("run", ""))
    assert gate["run"] == 'make gate BASE="origin/$BASE_REF"'
    assert gate["env"] == {"BASE_REF": "${{ github.base_ref }}"}


def test_posts_the_diff_and_uploads_reports_even_on_failure(steps: list[dict[str, Any]]) -> None:
    names = [step.get("uses", step.get("run", "")) for step in steps]
    gate_index = next(i for i, name in enumerate(names) if "make gate" in name)
    summary = next(
        step for step in steps[gate_index:] if "GITHUB_STEP_SUMMARY" in step.get("run", "")
    )
    assert 'cat reports/spec-diff.md >> "$GITHUB_STEP_SUMMARY"' in summary["run"]
    upload = next(
        step
        for step in steps[gate_index:]
        if step.get("uses", "").startswith("actions/upload-artifact@")
    )
    assert upload["with"]["path"] == "reports/"
    assert summary["if"] == upload["if"] == "always()"
