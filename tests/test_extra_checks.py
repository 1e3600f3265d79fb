"""The value checks catch the faults generated data never reaches, on the video and acme specs.

Each fault of the mock commits one of them; a conform run against the embedded mock with the
fault on reports a violation of the check meant for it and of no other check, and the run
without faults has no violation.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from specforge.conformance import checks
from specforge.conformance.builtin_checks import DESCRIPTIONS as BUILT_IN
from specforge.conformance.faults import FAULTS
from specforge.conformance.runner import ConformOptions, ConformResult, conform
from specforge.conformance.secrets import similar_key

ROOT = Path(__file__).resolve().parents[1]
VIDEOS = ROOT / "spec" / "together-videos.yaml"
ACME = ROOT / "tests" / "fixtures" / "acme-projects.yaml"
NEW_FAULTS = [
    "numeric-string-coerced",
    "fraction-truncated",
    "boolean-as-integer",
    "null-optional-accepted",
    "enum-variant-accepted",
    "length-in-bytes",
    "blank-string-rejected",
    "wide-integer-500",
    "similar-key-accepted",
    "undocumented-success-status",
    "timestamps-in-milliseconds",
]
# acme's request bodies have no number, and its one string (name) has a pattern that admits
# neither multi-byte characters nor blanks: those checks have nothing to send there
ACME_FAULTS = [
    "null-optional-accepted",
    "enum-variant-accepted",
    "similar-key-accepted",
    "undocumented-success-status",
    "timestamps-in-milliseconds",
]
# an undocumented 2xx breaks the response check on every exchange too
ALSO_FAILING = {
    "undocumented-success-status": {"status_code_documented"},
    "wide-integer-500": {"no_server_error"},  # a 5xx breaks the check on every exchange too
}


def run(spec: Path, faults: list[str] | None = None) -> ConformResult:
    return conform(
        ConformOptions(spec=spec, max_examples=2, faults=faults or []), out=io.StringIO()
    )


@pytest.fixture(scope="module")
def clean() -> dict[Path, ConformResult]:
    return {spec: run(spec) for spec in (VIDEOS, ACME)}


@pytest.mark.parametrize("spec", [VIDEOS, ACME], ids=["videos", "acme"])
def test_the_correct_mock_has_no_violation(spec: Path, clean: dict[Path, ConformResult]) -> None:
    result = clean[spec]
    assert (result.exit_code, result.violations, result.failed_checks) == (0, 0, [])
    faults = NEW_FAULTS if spec == VIDEOS else ACME_FAULTS
    for fault in faults:
        assert FAULTS[fault].detected_by in result.passed_checks, fault


def test_every_new_fault_has_its_check() -> None:
    for fault in NEW_FAULTS:
        assert FAULTS[fault].detected_by in checks.CHECKS, fault
    assert len({FAULTS[fault].detected_by for fault in NEW_FAULTS}) == len(NEW_FAULTS)


@pytest.mark.parametrize(
    ("spec", "fault"),
    [(VIDEOS, fault) for fault in NEW_FAULTS] + [(ACME, fault) for fault in ACME_FAULTS],
    ids=[f"videos-{f}" for f in NEW_FAULTS] + [f"acme-{f}" for f in ACME_FAULTS],
)
def test_fault_is_caught_by_its_check_alone(spec: Path, fault: str) -> None:
    result = run(spec, [fault])
    check = FAULTS[fault].detected_by
    assert result.exit_code == 1 and result.violations > 0
    ours = set(result.failed_checks) & set(checks.CHECKS)
    assert ours == {check} | ALSO_FAILING.get(fault, set())
    # Schemathesis' built-in checks may find the same fault through generated data
    assert set(result.failed_checks) - ours <= set(BUILT_IN), result.failed_checks
    assert f"### {check}" in result.report


def test_similar_key_keeps_length_and_character_classes() -> None:
    for key in ("specforge-embedded-key", "sk-ABC123", "k1", "tok_9zZ"):
        wrong = similar_key(key)
        assert wrong != key and len(wrong) == len(key)
        assert [c.isdigit() for c in wrong] == [c.isdigit() for c in key]
        assert [c.islower() for c in wrong] == [c.islower() for c in key]
    assert similar_key("---") == "---"  # nothing to change: the suite skips the case


@pytest.mark.parametrize(
    ("name", "schema", "unit"),
    [
        ("created_at", {"type": "integer"}, "s"),
        ("created", {"type": "number", "description": "Unix timestamp (seconds)."}, "s"),
        ("sent_ms", {"type": "integer", "description": "Epoch time in milliseconds."}, "ms"),
        ("when", {"type": "string", "format": "date-time"}, "date-time"),
        ("seconds", {"type": "integer", "description": "Clip duration in seconds."}, ""),
        ("count", {"type": "integer"}, ""),
    ],
)
def test_time_units_come_from_the_schema(name: str, schema: dict[str, object], unit: str) -> None:
    assert checks.time_unit(name, schema) == unit


def test_an_instant_the_request_carried_is_the_clients_also_from_the_engines_bytes() -> None:
    """`timestamps_plausible` leaves out values the request sent (a server echoing a client's
    year-877 date is not at fault), whether the suite built the body or the engine sent it as
    bytes; an implausible instant the server made is still a violation."""
    import json

    from specforge.conformance.http import Call, Exchange
    from specforge.conformance.model import load_model

    model = load_model(VIDEOS)
    op = next(o for o in model.api.operations if o.method == "POST")
    assert op.success is not None
    job = model.example(op.success.schema_pointer)
    ms = 1_700_000_000_000  # milliseconds where seconds are documented
    answer = json.dumps({**job, "created_at": ms}).encode()
    headers = {"content-type": "application/json"}
    sent = {"model": "m", "prompt": "p", "seed": ms}
    for call in (
        Call("POST", "/v2/videos", json_body=sent),
        Call("POST", "/v2/videos", content=json.dumps(sent).encode()),
    ):
        verdict = checks.timestamps_plausible(model, op, Exchange(call, 200, headers, answer))
        assert verdict is not None and verdict.kind == "pass", verdict
    made = Call("POST", "/v2/videos", content=b'{"model": "m", "prompt": "p"}')
    verdict = checks.timestamps_plausible(model, op, Exchange(made, 200, headers, answer))
    assert verdict is not None and verdict.kind == "violation", verdict
