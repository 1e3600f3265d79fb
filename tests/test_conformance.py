"""The suite's power: each fault of the mock is caught by the check meant for it, none on a good server."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from specforge.conformance.faults import FAULTS
from specforge.conformance.mock.server import MockOptions, running
from specforge.conformance.runner import ConformOptions, ConformResult, conform

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "together-videos.yaml"
WITH_RETRIEVE = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"
DETECTABLE = sorted(name for name, info in FAULTS.items() if info.detected_by)


def run(spec: Path = WITH_RETRIEVE, **options: object) -> ConformResult:
    options.setdefault("max_examples", 8)
    return conform(ConformOptions(spec=spec, **options), out=io.StringIO())  # type: ignore[arg-type]


def test_conformant_mock_has_no_violation() -> None:
    result = run()
    assert (result.exit_code, result.violations, result.failed_checks) == (0, 0, [])
    assert result.gaps > 0  # 400/401 answers the spec does not document
    assert "Spec gaps (reported, not failing" in result.report
    for check in (
        "lifecycle_status_forward",
        "deprecated_fallback",
        "auth_required",
        "response_schema",
    ):
        assert check in result.passed_checks


def test_strict_fails_on_spec_gaps() -> None:
    result = run(strict=True)
    assert result.exit_code == 1 and result.violations == 0


def test_enough_faults_are_covered() -> None:
    assert len(DETECTABLE) >= 12


@pytest.mark.parametrize("fault", DETECTABLE)
def test_fault_is_detected_by_its_check(fault: str) -> None:
    result = run(faults=[fault])
    assert result.exit_code == 1
    assert FAULTS[fault].detected_by in result.failed_checks, result.failed_checks


@pytest.mark.parametrize("fault", ["rate-limit=3", "unavailable=4", "latency=20"])
def test_transient_faults_are_survived(fault: str) -> None:
    result = run(faults=[fault])
    assert result.exit_code == 0, result.failed_checks
    if not fault.startswith("latency"):
        assert not re.search(r"\b0 retried", result.report)


def test_report_has_curl_reproducers_without_the_key() -> None:
    result = run(faults=["accept-invalid-body"])
    assert "### invalid_input_rejected" in result.report
    assert "- expected: 4xx for an invalid request" in result.report
    assert '-H "Authorization: Bearer $TOGETHER_API_KEY"' in result.report
    assert "specforge-embedded-key" not in result.report


@pytest.fixture
def live_mock() -> Iterator[str]:
    with running(MockOptions(spec=WITH_RETRIEVE, api_key="sk-secret-123", retry_after=0)) as url:
        yield url


def test_live_server_run_respects_the_budget(live_mock: str) -> None:
    out = io.StringIO()
    options = ConformOptions(
        spec=WITH_RETRIEVE, base_url=live_mock, api_key="sk-secret-123", budget=5, max_examples=5
    )
    result = conform(options, out=out)
    text = out.getvalue()
    assert "planning" in text.splitlines()[0] and "budget 5" in text.splitlines()[0]
    assert "5 accepted (2xx) on unsafe methods" in result.report
    assert "sk-secret-123" not in text
    assert result.violations == 0


def test_cli_on_the_video_spec_writes_reports(tmp_path: Path) -> None:
    junit, report = tmp_path / "conformance.xml", tmp_path / "conformance.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "specforge",
            "conform",
            "--spec",
            str(SPEC),
            "--junit-xml",
            str(junit),
            "--report",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TOGETHER_API_KEY": ""},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert ET.parse(junit).getroot().iter("testcase")
    assert "PASS enum_values_accepted" in report.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "http://127.0.0.1:1/v2"], "is not accepted: give an origin"),
        (
            ["--base-url", "http://127.0.0.1:1", "--fault", "wrong-type"],
            "cannot be used with --base-url",
        ),
        (["--spec", str(ROOT / "tests" / "fixtures" / "missing.yaml")], "cannot read the spec"),
        (["--max-examples", "0"], "--max-examples must be at least 1"),
    ],
)
def test_cli_bad_usage_exits_2(args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "specforge", "conform", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TOGETHER_API_KEY": "k"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_full_together_spec_mock_is_conformant() -> None:
    full = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"
    if not full.is_file():
        pytest.skip(f"{full} is absent (the shared specs folder is not next to the project)")
    result = run(spec=full, lenient=True, max_examples=2)
    assert (result.exit_code, result.failed_checks) == (0, [])
    assert "lifecycle_status_forward" in result.passed_checks


def test_junit_has_one_testcase_per_check_and_case(tmp_path: Path) -> None:
    """A fault's violations are failures of their check's suite, each named by operation and
    case; every other (check, case) pair is a testcase of its own."""
    junit = tmp_path / "conformance.xml"
    fault = next(name for name in DETECTABLE if FAULTS[name].detected_by == "enum_values_accepted")
    result = run(faults=[fault], junit_xml=junit)
    root = ET.parse(junit).getroot()
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    failing = suites["enum_values_accepted"]
    failures = [case for case in failing.iter("testcase") if case.find("failure") is not None]
    assert failures and all(": " in str(case.get("name")) for case in failures)
    assert failing.get("failures") == str(len(failures))
    cases = [(case.get("classname"), case.get("name")) for case in root.iter("testcase")]
    assert len(cases) == len(set(cases)) and len(suites) >= 10
    assert result.violations >= int(root.get("failures", "0")) > 0
    assert all(
        suite.get("name") in result.failed_checks
        for suite in root.iter("testsuite")
        if suite.get("failures") != "0"
    )
