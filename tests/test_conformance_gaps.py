"""The suite's own checks for what generated data rarely reaches, each against the corpus fault it
is for and the conformant servers of its spec: parameter bounds and a page past the end, value
cases of urlencoded bodies and of all-optional `minProperties` bodies, pagination, credentials in
undocumented places, the trailing newline of `$`-anchored patterns and integers past 32 bits.

Schemathesis' engine is left out of these runs (`-k "not test_schemathesis"`): each check must
find its fault on its own, and a run takes about a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from specforge.conformance import cases, checks
from specforge.conformance.auth import Placement
from specforge.conformance.model import load_model
from specforge.conformance.pagination import Page, Pagination, next_link, pagination
from specforge.conformance.patterns import anchored_at_end, pattern_value
from tests.corpus_own_checks import own_checks
from tests.fault_corpus import VARIANTS

ROOT = Path(__file__).resolve().parents[1]
TRACKER = ROOT / "tests" / "fault_corpus" / "specs" / "tracker.yaml"
BOOKSHELF = ROOT / "tests" / "fault_corpus" / "specs" / "bookshelf.yaml"
LEDGER = ROOT / "tests" / "fault_corpus" / "specs" / "ledger.yaml"

GAPS = {
    "tracker/offset-past-end-500": "page_past_end_accepted",
    "tracker/patch-priority-bool": "boolean_integer_rejected",
    "tracker/patch-state-case": "enum_variants_rejected",
    "tracker/title-blank-rejected": "blank_string_accepted",
    "tracker/title-in-bytes": "multibyte_length_accepted",
    "bookshelf/cursor-loops": "pagination_no_repeats",
    "bookshelf/has-more-lies": "pagination_end_consistent",
    "bookshelf/key-as-bearer": "undocumented_credential_refused",
    "videos/key-in-query": "undocumented_credential_refused",
    "bookshelf/isbn-trailing-newline": "pattern_newline_rejected",
    "tracker/limit-unbounded": "param_past_bound_rejected",
    "bookshelf/limit-unchecked": "param_past_bound_rejected",
    "videos/large-seed-500": "wide_integer_handled",
    # properties of a nested object or of an array's first item (`lines[0].unit_amount`)
    "ledger/unit-amount-bool": "boolean_integer_rejected",
    "ledger/unit-amount-fraction": "fractional_integer_rejected",
    "ledger/unit-amount-string": "numeric_string_rejected",
    "ledger/quantity-zero": "boundary_past_rejected",
    "ledger/vat-id-unanchored": "pattern_newline_rejected",
    # a resource created, read, replaced under If-Match and deleted (suite/test_resources.py)
    "ledger/delete-soft": "deleted_resource_gone",
    "ledger/if-match-ignored": "stale_tag_refused",
    "ledger/if-match-optional": "precondition_required",
    "ledger/etag-stale-after-put": "entity_tag_changes",
    "ledger/put-merges": "replace_forgets_omitted",
    "ledger/due-on-invalid-500": "format_invalid_handled",  # 2024-02-30 for a date
    "ledger/total-ignores-filter": "page_total_consistent",  # a filtered page's total
}


@pytest.mark.parametrize("name", sorted(GAPS))
def test_each_check_finds_its_fault(name: str) -> None:
    result = own_checks(name)
    assert result.exit_code == 1, result.report[-2000:]
    assert GAPS[name] in result.failed_checks, result.failed_checks


@pytest.mark.parametrize("name", [v.name for v in VARIANTS if v.kind == "conformant"])
def test_no_false_alarm_on_conformant_servers(name: str) -> None:
    result = own_checks(name)
    assert (result.exit_code, result.failed_checks) == (0, []), result.report[-3000:]
    assert result.sent > 0


# -- the case builders ------------------------------------------------------------------------
def test_value_cases_reach_nested_objects_and_the_first_item_of_arrays() -> None:
    model = load_model(LEDGER)
    base = cases.baseline(model, model.operation("create_invoice"))
    assert base is not None
    names = {slot.name: slot.required for slot in cases.body_slots(model, base)}
    assert names["customer.name"] is True and names["customer.vat_id"] is False
    assert names["lines[0].unit_amount"] is True
    found = {(c.check.name, c.name) for c in cases.value_cases(model, base, Placement())}
    assert ("boolean_integer_rejected", "lines[0].unit_amount=True") in found
    assert ("null_optional_rejected", "customer.vat_id=None") not in found  # it is nullable
    sent = next(
        c.call.json_body
        for c in cases.value_cases(model, base, Placement())
        if c.name == "lines[0].unit_amount=True"
    )
    assert sent["lines"][0]["unit_amount"] is True and base.body["lines"][0]["unit_amount"] != 1
    assert {**sent, "lines": base.body["lines"]} == base.body  # that value changed, no other


def test_parameter_cases_cover_bounds_types_enums_and_the_page_past_the_end() -> None:
    model = load_model(TRACKER)
    base = cases.baseline(model, model.operation("list_issues"))
    assert base is not None and base.path_params == {"project_key": "CORE"}  # its own example
    found = {(c.check.name, c.name) for c in cases.param_cases(model, base, Placement())}
    assert ("page_past_end_accepted", "query offset=1000000") in found
    assert ("param_past_bound_rejected", "query limit=101") in found
    assert ("param_past_bound_rejected", "query offset=-1") in found
    assert ("param_bound_accepted", "query limit=100") in found
    assert ("param_type_rejected", "query limit=not-a-number") in found
    assert ("param_enum_near_miss_rejected", "query state=OPEN") in found
    assert ("param_enum_near_miss_rejected", "query priority=5") in found
    assert ("param_enum_accepted", "query priority=4") in found


def test_urlencoded_bodies_get_text_value_cases_only() -> None:
    model = load_model(TRACKER)
    base = cases.baseline(model, model.operation("create_issue"))
    assert base is not None and base.form
    call = base.call(Placement())
    assert call.content == b"title=value" and call.json_body is None
    names = {c.check.name for c in cases.value_cases(model, base, Placement())}
    assert {"blank_string_accepted", "multibyte_length_accepted"} <= names
    assert not names & {"numeric_string_rejected", "boolean_integer_rejected"}
    assert cases.encode_form({"a": True, "b": [1, 2], "c": None}) == b"a=true&b=1&b=2"


def test_an_all_optional_min_properties_body_gets_one_property() -> None:
    model = load_model(TRACKER)
    base = cases.baseline(model, model.operation("update_issue"))
    assert base is not None and len(base.body) == 1
    names = {c.name for c in cases.value_cases(model, base, Placement())}
    assert "priority=True" in names and "state='Closed'" in names


def test_keys_in_undocumented_places() -> None:
    model = load_model(BOOKSHELF)
    base = cases.baseline(model, model.operation("list_books"))
    assert base is not None
    found = {
        c.name: c.call
        for c in cases.auth_cases(model, base, "k3y")
        if c.check is checks.undocumented_credential_refused
    }
    bearer = found["the key only as 'Authorization: Bearer <key>'"]
    assert bearer.headers["Authorization"] == "Bearer k3y" and "X-Api-Key" not in bearer.headers
    query = next(call for name, call in found.items() if "query" in name)
    assert query.query["api_key"] == "k3y" and query.query["X-Api-Key"] == "k3y"


def test_patterns() -> None:
    assert pattern_value("^bk_[a-z0-9]{10}$") == "bk_aaaaaaaaaa"
    assert pattern_value("^(97[89])?[0-9]{9}[0-9X]$") == "0000000000"
    assert pattern_value("^[^a0]+$") == "A"
    assert anchored_at_end("^a$") and not anchored_at_end("^a\\$") and not anchored_at_end("^a")
    model = load_model(BOOKSHELF)
    base = cases.baseline(model, model.operation("create_book"))
    assert base is not None
    [case] = cases.pattern_cases(model, base, Placement())
    assert case.call.json_body["isbn"].endswith("\n")


def test_pagination_styles_and_verdicts() -> None:
    tracker, bookshelf = load_model(TRACKER), load_model(BOOKSHELF)
    offset = pagination(tracker, tracker.operation("list_issues"))
    cursor = pagination(bookshelf, bookshelf.operation("list_books"))
    assert offset is not None and (offset.style, offset.param) == ("offset", "offset")
    assert cursor is not None and (cursor.style, cursor.next_field) == ("cursor", "next_cursor")
    assert pagination(tracker, tracker.operation("get_issue")) is None
    assert next_link('<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"') == (
        "https://a/x?page=2"
    )
    plan = Pagination(
        "cursor", ("data",), "cursor", "limit", 2, cursor=("next_cursor",), more=("has_more",)
    )
    first = Page({"limit": 2}, 200, [{"id": "a"}, {"id": "b"}], "b", True)
    last = Page({"limit": 2, "cursor": "b"}, 200, [{"id": "c"}], None, False)
    again = Page({"limit": 2, "cursor": "b"}, 200, [{"id": "c"}], "a", True)
    lying = Page({"limit": 2, "cursor": "b"}, 200, [{"id": "c"}], None, True)
    big = Page({"limit": 2}, 200, [{"id": "x"}, {"id": "y"}, {"id": "z"}], None, False)
    assert checks.pagination_no_repeats(plan, [first, last]) == checks.PASS
    assert checks.pagination_end_consistent(plan, [first, last]) == checks.PASS
    looped = checks.pagination_no_repeats(plan, [first, again, again])
    assert looped is not None and looped.kind == "violation"
    lied = checks.pagination_end_consistent(plan, [first, lying])
    assert lied is not None and lied.kind == "violation"
    over = checks.page_size_within_limit(plan, [big])
    assert over is not None and over.kind == "violation"


def test_wide_integers_only_where_the_schema_sets_no_maximum() -> None:
    assert cases.wide_integers({"type": "integer"}) == [2**31]
    assert cases.wide_integers({"type": "integer", "minimum": 0}) == [2**31]
    assert cases.wide_integers({"type": "integer", "maximum": 10}) == []
    assert cases.wide_integers({"type": "integer", "exclusiveMaximum": 10}) == []
    assert cases.wide_integers({"type": "integer", "format": "int32"}) == []
    assert cases.wide_integers({"type": "integer", "format": "int64", "minimum": 1}) == [2**31]
