"""Schemathesis with every check, positive and negative data, against the mock: zero findings.

Every built-in check runs, except that `status_code_conformance` is replaced by
`status_documented_or_spec_gap`: the specs document only their successes (`200`), so the mock's
400, 401, 404, 405, 413 and 415 are undocumented to Schemathesis. Those are spec gaps (the
conformance suite reports them apart, see docs/conformance.md), not server faults; an
undocumented 2xx, 3xx or 5xx is still a finding.

The mock runs with `api_key` set, as a real server does: `ignored_auth` sends made-up
credentials and expects 401/403 (by default the mock takes any non-empty bearer key).

Schemathesis ignores operation-level `servers`, so the spec is rewritten with every operation at
its full path first (`specforge.conformance.schemathesis_schema`).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import load_all_checks  # type: ignore[attr-defined]

from specforge.conformance.faults import parse_faults
from specforge.conformance.mock.server import MockOptions, running
from specforge.conformance.model import load_model
from specforge.conformance.schemathesis_schema import schemathesis_document

ROOT = Path(__file__).resolve().parents[1]
SPECS = {
    "videos": ROOT / "spec" / "together-videos.yaml",
    "videos-with-retrieve": ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml",
}
KEY = "schemathesis-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
LONG = os.environ.get("SPECFORGE_HYPOTHESIS_PROFILE") == "fuzz"
MAX_EXAMPLES = 1500 if LONG else 30
SPEC_GAP_STATUSES = frozenset({400, 401, 403, 404, 405, 408, 413, 415, 431})

load_all_checks()
ALL_CHECKS = {check.__name__: check for check in CHECKS.get_all()}


def status_documented_or_spec_gap(ctx: Any, response: Any, case: Any) -> bool | None:
    """`status_code_conformance`, with the mock's undocumented 4xx answers as spec gaps."""
    if response.status_code in SPEC_GAP_STATUSES:
        return None
    original: Any = ALL_CHECKS["status_code_conformance"]
    return bool(original(ctx, response, case))


def checks() -> list[Any]:
    """Every built-in check, `status_code_conformance` replaced as the module says."""
    chosen = [c for name, c in ALL_CHECKS.items() if name != "status_code_conformance"]
    return [*chosen, status_documented_or_spec_gap]


@pytest.fixture(scope="module", params=list(SPECS))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    spec = SPECS[request.param]
    with running(MockOptions(spec=spec, api_key=KEY)) as origin:
        yield origin, schema_for(spec, origin)


def schema_for(spec: Path, origin: str) -> Any:
    """The Schemathesis schema of `spec`, every operation at its full path on `origin`."""
    return schemathesis.openapi.from_dict(schemathesis_document(load_model(spec), origin))


def run_schemathesis(
    origin: str, schema: Any, mode: GenerationMode, max_examples: int
) -> tuple[Counter[int], dict[str, str]]:
    """Statuses received and findings (first of each kind per operation, with a curl command)."""
    findings: dict[str, str] = {}
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=mode)

        @settings(
            max_examples=max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def run(case: Any) -> None:
            # the key wins over generated credentials; negative cases that drop the credentials
            # on purpose still go out without them (and get 401)
            headers = {**(case.headers or {}), **AUTH}
            response = case.call(base_url=origin, headers=headers)
            statuses[response.status_code] += 1
            try:
                case.validate_response(
                    response,
                    checks=checks(),
                    headers=headers,
                    transport_kwargs={"base_url": origin, "headers": headers},
                )
            except (Exception, FailureGroup) as error:  # every failure of every check counts
                key = f"{case.method} {case.path}: {type(error).__name__}"
                findings.setdefault(key, f"{error}"[:1500] + "\n" + case.as_curl_command())

        run()
    return statuses, findings


@pytest.mark.fuzz
@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
def test_every_check_zero_findings(served: tuple[str, Any], mode: GenerationMode) -> None:
    origin, schema = served
    statuses, findings = run_schemathesis(origin, schema, mode, MAX_EXAMPLES)
    print(f"schemathesis {mode.value}: statuses {dict(statuses)}, {len(findings)} findings")
    if mode == GenerationMode.POSITIVE:
        assert any(200 <= status < 300 for status in statuses), statuses
    assert not findings, "\n\n".join(f"{k}\n{v}" for k, v in findings.items())


@pytest.mark.parametrize(
    ("fault", "mode"),
    [
        ("wrong-type", GenerationMode.POSITIVE),
        ("no-auth-check", GenerationMode.POSITIVE),
        ("undocumented-status", GenerationMode.POSITIVE),
        ("accept-invalid-body", GenerationMode.NEGATIVE),
        ("server-error-on-input", GenerationMode.NEGATIVE),
    ],
)
def test_the_same_run_finds_injected_faults(fault: str, mode: GenerationMode) -> None:
    """The harness is not blind: the mock with a fault switched on gives findings."""
    spec = SPECS["videos"]
    with running(MockOptions(spec=spec, api_key=KEY, faults=parse_faults([fault]))) as origin:
        _, findings = run_schemathesis(origin, schema_for(spec, origin), mode, 15)
    assert findings, fault
