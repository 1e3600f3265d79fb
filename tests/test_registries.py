"""The registries: conformance checks, mock faults and diff categories are typed tables.

Each entry has a unique name and a description, and each is reachable: every check is run by
the suite, every fault changes what the mock answers, every diff category is emitted.
"""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from specforge.conformance import checks
from specforge.conformance.faults import FAULTS, Fault, FaultName, parse_faults
from specforge.conformance.http import Call
from specforge.conformance.mock.app import MockApp
from specforge.conformance.mock.handler import MockHandler, Reply, Request
from specforge.conformance.mock.server import free_port
from specforge.conformance.model import SpecModel, load_model
from specforge.conformance.results import Outcome, render, summarize
from specforge.conformance.runner import ConformOptions, conform
from specforge.conformance.runtime import Run
from specforge.conformance.settings import SuiteSettings
from specforge.document.document import load_document
from specforge.document.errors import ConfigError
from specforge.document.schemas import normalize
from specforge.document.validate import openapi_version
from specforge.gate import diff
from tests.corpus_own_checks import own_checks

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests" / "fixtures" / "diff"
SPEC_GATE_DOC = ROOT / "docs" / "spec-gate.md"
SEED_SPEC = ROOT / "spec" / "together-videos.yaml"
WITH_RETRIEVE = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"
CONFORMANCE_DOC = ROOT / "docs" / "conformance.md"


# -- conformance checks ----------------------------------------------------------------------------
def test_checks_have_unique_names_and_descriptions() -> None:
    assert len(checks.CHECKS) >= 19
    for name, entry in checks.CHECKS.items():
        assert entry.name == name and re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        assert entry.description.endswith("."), name
    assert [c.name for c in checks.RESPONSE_CHECKS] == [
        name for name, entry in checks.CHECKS.items() if entry.every_response
    ]
    assert len(checks.RESPONSE_CHECKS) == 7


def test_a_second_check_of_the_same_name_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):

        @checks.check("no_server_error")
        def again() -> checks.Verdict:
            """A second check under a taken name."""
            return checks.PASS


def test_a_check_without_a_description_is_refused() -> None:
    with pytest.raises(ValueError, match="no docstring"):

        @checks.check("undescribed_check")
        def undescribed() -> checks.Verdict:
            return checks.PASS

    assert "undescribed_check" not in checks.CHECKS


def test_every_check_is_documented() -> None:
    text = CONFORMANCE_DOC.read_text(encoding="utf-8")
    section = text[text.index("### Checks") : text.index("**Schemathesis' whole engine**")]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert documented == set(checks.CHECKS)


def test_every_check_is_run_by_the_suite() -> None:
    """Every check passes somewhere, apart from the transport one: against the conformant mock
    of the video spec with a retrieve (jobs, deprecated fields), and against conformant servers
    of three specs of other shapes (query parameters with bounds and enums, cursor, offset and
    Link pagination, patterns, forms, resources replaced under If-Match)."""
    results = [conform(ConformOptions(spec=WITH_RETRIEVE, max_examples=4), out=io.StringIO())]
    results += [own_checks(name) for name in ("bookshelf/base", "tracker/base", "ledger/base")]
    passed: set[str] = set()
    for result in results:
        assert result.failed_checks == [], result.report[-2000:]
        passed |= set(result.passed_checks)
        for name, entry in checks.CHECKS.items():
            if name in result.passed_checks:
                assert f"{name}: " in result.report and entry.description in result.report
    assert set(checks.CHECKS) - passed == {"no_transport_error"}


def test_a_request_without_an_answer_is_judged_by_no_transport_error() -> None:
    settings = SuiteSettings(
        spec=str(WITH_RETRIEVE), base_url=f"http://127.0.0.1:{free_port()}", api_key="k"
    )
    run = Run.start(settings)
    try:
        op = run.model.api.operations[0]
        assert run.send(op, Call("GET", "/v2/videos/x"), "closed port") is None
    finally:
        run.sender.close()
    (outcome,) = run.recorder.outcomes
    assert (outcome.check, outcome.kind, outcome.expected) == (
        "no_transport_error",
        "violation",
        "an HTTP response",
    )
    assert outcome.curl.startswith("curl ")


def test_report_lines_carry_the_check_description() -> None:
    outcomes = [Outcome("auth_required", "pass"), Outcome("budget", "skip")]
    report = render(summarize(outcomes), strict=False, header=["# r"])
    assert f"- PASS auth_required: 1 passed — {checks.auth_required.description}" in report
    assert "- SKIP budget: 0 passed (1 skipped)\n" in report  # not a check: no description


# -- mock faults -----------------------------------------------------------------------------------
AUTH = {"authorization": "Bearer k"}
Probe = Callable[[MockHandler], list[Reply]]


def _post(handler: MockHandler, body: dict[str, Any], headers: dict[str, str] = AUTH) -> Reply:
    request = Request(
        "POST",
        "/v2/videos",
        headers={**headers, "content-type": "application/json"},
        body=json.dumps(body).encode(),
    )
    return handler.handle(request)


def _get(handler: MockHandler, path: str) -> Reply:
    return handler.handle(Request("GET", path, headers=dict(AUTH)))


def _create(body: dict[str, Any], headers: dict[str, str] = AUTH) -> Probe:
    return lambda handler: [_post(handler, body, headers)]


def _many(count: int) -> Probe:
    return lambda handler: [_post(handler, {"model": "m", "seed": n}) for n in range(count)]


def _lifecycle(retrieves: int) -> Probe:
    def probe(handler: MockHandler) -> list[Reply]:
        created = _post(handler, {"model": "m"})
        job = f"/v2/videos/{json.loads(created.body)['id']}"
        return [created, *(_get(handler, job) for _ in range(retrieves))]

    return probe


FRAMES = [{"input_image": "https://example.com/a.png"}]
# For each fault, requests whose answers it changes (the handler's, in process; latency is the
# ASGI app's and has its own test).
PROBES: dict[str, Probe] = {
    "missing-required-field": _create({"model": "m"}),
    "wrong-type": _create({"model": "m"}),
    "unlisted-enum-value": _create({"model": "m"}),
    "undocumented-content-type": _create({"model": "m"}),
    "undocumented-status": _create({"model": "m"}),
    "server-error-on-input": _many(6),
    "no-auth-check": _create({"model": "m"}, headers={}),
    "accept-invalid-body": _create({"model": "m", "steps": 51}),
    "reject-valid-enum-value": _create({"model": "m", "output_format": "WEBM"}),
    "accept-enum-other-case": _create({"model": "m", "output_format": "mp4"}),
    "ignore-deprecated-field": _create({"model": "m", "frame_images": FRAMES}),
    "deprecated-conflict-500": _create(
        {"model": "m", "frame_images": FRAMES, "media": {"frame_images": FRAMES}}
    ),
    "boundary-edge-rejected": _create({"model": "m", "steps": 50}),
    "boundary-off-by-one": _create({"model": "m", "steps": 51}),
    "status-regression": _lifecycle(3),
    "missing-outputs-on-completed": _lifecycle(2),
    "unknown-id-found": lambda handler: [_get(handler, "/v2/videos/never-created")],
    "numeric-string-coerced": _create({"model": "m", "steps": "12"}),
    "fraction-truncated": _create({"model": "m", "steps": 12.5}),
    "boolean-as-integer": _create({"model": "m", "seed": True}),
    "null-optional-accepted": _create({"model": "m", "seed": None}),
    "enum-variant-accepted": _create({"model": "m", "output_format": " Mp4 "}),
    "length-in-bytes": _create({"model": "m", "prompt": "é" * 32000}),
    "blank-string-rejected": _create({"model": "m", "prompt": "   "}),
    "wide-integer-500": _create({"model": "m", "seed": 2**31}),
    "similar-key-accepted": _create({"model": "m"}, headers={"authorization": "Bearer sk-keyz"}),
    "undocumented-success-status": _create({"model": "m", "media": {}}),
    "timestamps-in-milliseconds": _create({"model": "m"}),
    "rate-limit": _many(3),
    "unavailable": _many(4),
}


@pytest.fixture(scope="module")
def model() -> SpecModel:
    return load_model(WITH_RETRIEVE)


def _answers(handler: MockHandler, probe: Probe) -> list[tuple[int, str, bytes]]:
    return [(reply.status, reply.content_type, reply.body) for reply in probe(handler)]


def test_faults_have_unique_names_descriptions_and_settings() -> None:
    assert list(FAULTS) == list(get_args(FaultName))
    for name, fault in FAULTS.items():
        assert fault.name == name and fault.description, name
        assert not fault.detected_by or fault.detected_by in checks.CHECKS, name
        # a fault no check catches is one clients must survive: it takes a value (N)
        assert bool(fault.detected_by) != bool(fault.default), name


def _acts(fault: Fault) -> bool:
    hooks = (
        fault.on_arrival,
        fault.accepts_key,
        fault.on_input,
        fault.on_field,
        fault.on_conflict,
        fault.on_retrieve,
        fault.on_completed,
        fault.on_answer,
    )
    flags = (fault.skips_auth, fault.skips_validation, fault.drops_deprecated)
    return any(hook is not None for hook in hooks) or any(flags) or fault.finds_unknown_ids


def test_every_fault_but_latency_acts_through_a_hook() -> None:
    assert [name for name, fault in FAULTS.items() if not _acts(fault)] == ["latency"]
    assert set(PROBES) == set(FAULTS) - {"latency"}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_fault_changes_what_the_mock_answers(name: str, model: SpecModel) -> None:
    probe = PROBES[name]
    key = "sk-keya" if name == "similar-key-accepted" else ""  # the one fault that needs a key
    plain = _answers(MockHandler(model, api_key=key), probe)
    faulty = _answers(MockHandler(model, parse_faults([name]), api_key=key), probe)
    assert plain != faulty
    # the difference is the fault's
    assert plain == _answers(MockHandler(model, api_key=key), probe)


def test_latency_fault_delays_the_app(model: SpecModel) -> None:
    assert MockApp(MockHandler(model)).delay == 0
    assert MockApp(MockHandler(model, parse_faults(["latency=150"]))).delay == 0.15
    assert MockApp(MockHandler(model, parse_faults(["latency"]))).delay == 0.2


def test_the_handler_never_tests_a_fault_name() -> None:
    source = (ROOT / "conformance" / "mock" / "handler.py").read_text(encoding="utf-8")
    assert [name for name in FAULTS if f'"{name}"' in source] == []


def test_every_fault_is_documented() -> None:
    text = CONFORMANCE_DOC.read_text(encoding="utf-8")
    section = text[text.index("## Fault switches") : text.index("## Clients against the mock")]
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| `")]
    documented = {re.sub(r"=\w+$", "", row[1].strip().strip("`")): row[3].strip() for row in rows}
    assert set(documented) == set(FAULTS)
    for name, fault in FAULTS.items():
        assert documented[name] == f"`{fault.detected_by}`" or not fault.detected_by, name


def test_an_unknown_fault_is_refused_with_the_accepted_names() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_faults(["wrong-type,no-such-fault"])
    assert str(refused.value) == f"unknown fault 'no-such-fault'; accepted: {', '.join(FAULTS)}"
    with pytest.raises(ConfigError, match="takes no value"):
        parse_faults(["wrong-type=3"])
    assert parse_faults(["rate-limit=5", "wrong-type"]).value("rate-limit") == 5


# -- diff categories -------------------------------------------------------------------------------
def load_normalized(path: Path) -> dict[str, Any]:
    return load_document(path).normalized


def diff_files(old: Path, new: Path) -> diff.DiffResult:
    return diff.diff_documents(load_normalized(old), load_normalized(new))


Edit = Callable[[dict[str, Any]], None]


def _set(path: tuple[str | int, ...], value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        node: Any = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return edit


def _append(path: tuple[str | int, ...], value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        node: Any = document
        for part in path:
            node = node[part]
        node.append(value)

    return edit


def _edits(*edits: Edit) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        for one in edits:
            one(document)

    return edit


PETS = ("paths", "/pets")
ITEM = ("paths", "/pets/{pet_id}")
SCHEMAS = ("components", "schemas")
JSON_BODY = {"content": {"application/json": {"schema": {"type": "object"}}}}
# Edits of tests/fixtures/diff/base.yaml reaching the categories its fixture pairs do not:
# (before, after) -> the category ids of base -> edited, and of edited -> base.
SCENARIOS: dict[str, tuple[Edit | None, Edit, set[str], set[str]]] = {
    "extensible enum value added in a request": (
        _set(
            (*SCHEMAS, "NewPet", "properties", "kind"),
            {"type": "string", "x-extensible-enum": ["cat"]},
        ),
        _set(
            (*SCHEMAS, "NewPet", "properties", "kind"),
            {"type": "string", "x-extensible-enum": ["cat", "dog"]},
        ),
        {"extensible-enum-value-added:request"},
        {"extensible-enum-value-removed:request"},
    ),
    "extensible enum value added in a response": (
        _set(
            (*SCHEMAS, "Pet", "properties", "mood"),
            {"type": "string", "x-extensible-enum": ["calm"]},
        ),
        _set(
            (*SCHEMAS, "Pet", "properties", "mood"),
            {"type": "string", "x-extensible-enum": ["calm", "happy"]},
        ),
        {"extensible-enum-value-added:response"},
        {"extensible-enum-value-removed:response"},
    ),
    "webhook added": (
        None,
        _set(
            ("webhooks",),
            {"petAdopted": {"post": {"responses": {"200": {"description": "ok"}}}}},
        ),
        {"webhook-added"},
        {"webhook-removed"},
    ),
    "optional request property added where OLD forbade unknown ones": (
        _set((*SCHEMAS, "NewPet", "additionalProperties"), False),
        _set((*SCHEMAS, "NewPet", "properties", "color"), {"type": "string"}),
        {"property-added:request-optional-closed"},
        {"property-removed:request"},
    ),
    "pattern changed": (
        _set((*SCHEMAS, "Pet", "properties", "name", "pattern"), "^a"),
        _set((*SCHEMAS, "Pet", "properties", "name", "pattern"), "^b"),
        {"bounds-changed"},
        {"bounds-changed"},
    ),
    "response bound added": (
        None,
        _set((*SCHEMAS, "Pet", "properties", "age", "maximum"), 100),
        {"bounds-tightened:response"},
        {"bounds-loosened:response"},
    ),
    "request media type added": (
        None,
        _set(
            (*PETS, "post", "requestBody", "content", "multipart/form-data"),
            {"schema": {"type": "object"}},
        ),
        {"content-type-added:request"},
        {"content-type-removed:request"},
    ),
    "error media type added": (
        None,
        _set(
            ("components", "responses", "Problem", "content", "text/plain"),
            {"schema": {"type": "string"}},
        ),
        {"content-type-added:response"},
        {"content-type-removed:other-response"},
    ),
    "operation deprecated": (
        None,
        _set((*PETS, "get", "deprecated"), True),
        {"operation-deprecated"},
        {"operation-undeprecated"},
    ),
    "parameter deprecated": (
        None,
        _set((*PETS, "get", "parameters", 0, "deprecated"), True),
        {"parameter-deprecated"},
        {"parameter-undeprecated"},
    ),
    "required parameter added": (
        None,
        _append(
            (*PETS, "get", "parameters"),
            {"name": "owner", "in": "query", "required": True, "schema": {"type": "string"}},
        ),
        {"parameter-added:required"},
        {"parameter-removed"},
    ),
    "required request property added": (
        None,
        _edits(
            _set((*SCHEMAS, "NewPet", "properties", "owner"), {"type": "string"}),
            _append((*SCHEMAS, "NewPet", "required"), "owner"),
        ),
        {"property-added:request-required"},
        {"property-removed:request"},
    ),
    "optional request body added": (
        None,
        _set((*ITEM, "get", "requestBody"), JSON_BODY),
        {"request-body-added:optional"},
        {"request-body-removed"},
    ),
    "required request body added": (
        None,
        _set((*ITEM, "get", "requestBody"), {**JSON_BODY, "required": True}),
        {"request-body-added:required"},
        {"request-body-removed"},
    ),
    "request body made optional": (
        None,
        _set((*PETS, "post", "requestBody", "required"), False),
        {"request-body-optional"},
        {"request-body-required"},
    ),
    "success status added": (
        None,
        _set((*PETS, "post", "responses", "202"), {"description": "Accepted"}),
        {"response-status-added:success"},
        {"response-status-removed:success"},
    ),
    "other host": (
        None,
        _set(("servers",), [{"url": "https://eu.example.com/v1"}]),
        {"server-url-changed:host"},
        {"server-url-changed:host"},
    ),
    "response type widened": (
        None,
        _set((*SCHEMAS, "Pet", "properties", "age", "type"), "number"),
        {"type-widened:response"},
        {"type-narrowed:response"},
    ),
}


class _Recording(dict[diff.CategoryId, diff.Category]):
    """The category table, noting every id the diff looks up."""

    def __init__(self, table: dict[diff.CategoryId, diff.Category]) -> None:
        super().__init__(table)
        self.used: list[diff.CategoryId] = []

    def __getitem__(self, key: diff.CategoryId) -> diff.Category:
        self.used.append(key)
        return super().__getitem__(key)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Recording]:
    table = _Recording(diff.BY_ID)
    monkeypatch.setattr(diff, "BY_ID", table)
    yield table


def _scenario(before: Edit | None, after: Edit) -> tuple[dict[str, Any], dict[str, Any]]:
    base = load_normalized(PAIRS / "base.yaml")
    old, new = copy.deepcopy(base), copy.deepcopy(base)
    if before is not None:
        before(old)
        before(new)
    after(new)
    return old, new


def test_categories_have_unique_ids_and_say_what_they_are() -> None:
    ids = [row.id for row in diff.CATEGORIES]
    assert len(ids) == len(set(ids)) == len(get_args(diff.CategoryId))
    for row in diff.CATEGORIES:
        assert row.description and row.example, row.id
        assert bool(row.when) == (":" in row.id), row.id  # a situation is described when named
        breaking = row.breaks_clients or row.breaks_sdk
        assert (row.level == "breaking") == breaking, row.id
        if row.level == "info":
            assert not (breaking or row.breaks_servers), row.id


def test_rows_of_one_category_agree_on_the_bump() -> None:
    additive: dict[str, set[bool]] = {}
    for row in diff.CATEGORIES:
        additive.setdefault(row.name, set()).add(row.additive)
    assert all(len(values) == 1 for values in additive.values()), additive
    assert {  # the set the semver suggestion used before the table, and the newer rows
        "path-added",
        "operation-added",
        "parameter-added",
        "property-added",
        "enum-value-added",
        "type-widened",
        "bounds-loosened",
        "component-added",
        "content-type-added",
        "response-status-added",
        "request-body-added",
        "server-url-changed",
        "operation-deprecated",
        "parameter-deprecated",
        "property-deprecated",
        "webhook-added",
        "extensible-enum-value-added",
        "all-of-member-removed",
        "alternative-added",
        "constraint-removed",
        "content-type-widened",
        "discriminator-mapping-added",
        "nullable-added",
        "response-header-added",
        "response-header-deprecated",
        "security-alternative-added",
    } == diff.ADDITIVE


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_reaches_its_categories(name: str, recording: _Recording) -> None:
    before, after, forward, reverse = SCENARIOS[name]
    old, new = _scenario(before, after)
    diff.diff_documents(old, new)
    assert set(recording.used) == forward
    recording.used.clear()
    diff.diff_documents(new, old)
    assert set(recording.used) == reverse


def test_every_category_is_emitted(recording: _Recording) -> None:
    pairs = [(PAIRS / "base.yaml", fixture) for fixture in PAIRS.glob("*.yaml")]
    pairs.append((ROOT / "tests" / "fixtures" / "together-videos-v1.yaml", SEED_SPEC))
    for old_path, new_path in pairs:
        diff_files(old_path, new_path)
        diff_files(new_path, old_path)
    for before, after, _, _ in SCENARIOS.values():
        old, new = _scenario(before, after)
        diff.diff_documents(old, new)
        diff.diff_documents(new, old)
    for pair in sorted((ROOT / "tests" / "diff_pairs").glob("*.yaml")):  # the catalogue's pairs
        loaded = yaml.safe_load(pair.read_text(encoding="utf-8"))
        base, revision = (
            normalize(loaded[side], openapi_version(loaded[side])) for side in ("base", "revision")
        )
        diff.diff_documents(base, revision)
    assert set(get_args(diff.CategoryId)) - set(recording.used) == set()


def test_emitted_changes_carry_the_verdicts_of_their_row(recording: _Recording) -> None:
    result = diff_files(PAIRS / "property-added.yaml", PAIRS / "base.yaml")
    (change,) = result.changes
    row = diff.BY_ID[recording.used[0]]
    assert (change.category, change.breaks_clients, change.breaks_servers, change.breaks_sdk) == (
        row.name,
        row.breaks_clients,
        row.breaks_servers,
        row.breaks_sdk,
    )


def test_spec_gate_doc_carries_the_category_table() -> None:
    text = SPEC_GATE_DOC.read_text(encoding="utf-8")
    start, end = "<!-- categories:start -->\n", "<!-- categories:end -->"
    documented = text[text.index(start) + len(start) : text.index(end)]
    assert documented == diff.category_table(), (
        "docs/spec-gate.md is out of date: paste in the output of "
        "`python -c 'from specforge.gate.diff import category_table; print(category_table())'`"
    )
