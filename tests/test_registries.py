"""The registries: conformance checks, mock faults and diff categories are typed tables.

Each entry has a unique name and a description, and each is reachable: every check is run by
the suite, every fault changes what the mock answers, every diff category is emitted.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest

from specforge.conformance import checks
from specforge.conformance.http import Call
from specforge.conformance.mock.server import free_port
from specforge.conformance.results import Outcome, render, summarize
from specforge.conformance.runner import ConformOptions, conform
from specforge.conformance.runtime import Run
from specforge.conformance.settings import SuiteSettings
from specforge.document.document import load_document
from specforge.gate import diff

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
    assert len(checks.RESPONSE_CHECKS) == 5


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
    section = text[text.index("### Checks") : text.index("**Robustness**")]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert documented == set(checks.CHECKS)


def test_every_check_is_run_by_the_suite() -> None:
    """Against the conformant mock every check passes somewhere, apart from the transport one."""
    result = conform(ConformOptions(spec=WITH_RETRIEVE, max_examples=4), out=io.StringIO())
    assert result.failed_checks == []
    assert set(checks.CHECKS) - set(result.passed_checks) == {"no_transport_error"}
    for name, entry in checks.CHECKS.items():
        if name in result.passed_checks:
            assert f"{name}: " in result.report and entry.description in result.report


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
        {"response-status-removed"},
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
    assert {  # the set the semver suggestion used before the table
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
