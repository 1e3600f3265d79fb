"""The Tracker spec's variants: the base server, its conformant alternatives and its faults."""

from __future__ import annotations

from typing import Any

from tests.fault_corpus.tracker import BASE, KEY, SPEC_PATH, TrackerApp, basic
from tests.fault_corpus.variants import Kind, SpecInfo, Step, Variant, similar_key, step

ISSUES = f"{BASE}/projects/CORE/issues"
FORM = {"title": "Search ignores accents", "description": "é and e should match"}
CREATE = step("POST", ISSUES, form=FORM, capture={"number": "body:number"})
EXPORT = step(
    "POST",
    f"{BASE}/exports",
    json={"project_key": "CORE", "format": "csv"},
    capture={"export": "body:id"},
)

INFO = SpecInfo(
    name="tracker",
    path=SPEC_PATH,
    base_path=BASE,
    key=KEY,
    auth=basic,
    similar_key=similar_key(KEY),
    valid=(
        step("GET", f"{ISSUES}?offset=1&limit=1"),
        step("GET", f"{ISSUES}?state=open&priority=1"),
        step(
            "POST",
            ISSUES,
            form={**FORM, "priority": "2", "assignee": "mara", "due_on": "2024-06-30"},
            capture={"number": "body:number"},
        ),
        step("GET", ISSUES + "/{number}"),
        step("PATCH", ISSUES + "/{number}", json={"state": "closed", "assignee": None}),
        EXPORT,
        step("GET", f"{BASE}/exports/{{export}}"),
        step("GET", f"{BASE}/exports/{{export}}"),
    ),
)


def _create(**form: str) -> tuple[Step, ...]:
    return (step("POST", ISSUES, form={**FORM, **form}),)


def _patch(body: dict[str, Any]) -> tuple[Step, ...]:
    return (step("PATCH", ISSUES + "/1", json=body),)


def _variant(name: str, kind: Kind, description: str, trigger: tuple[Step, ...] = ()) -> Variant:
    switch = "" if name == "base" else name
    return Variant(f"tracker/{name}", INFO, kind, description, switch, TrackerApp, trigger)


VARIANTS = [
    _variant("base", "conformant", "the base server"),
    _variant("auth-403", "conformant", "a wrong password gets 403 (both documented)"),
    _variant("errors-422", "conformant", "invalid bodies get 422 (both documented)"),
    _variant("extra-fields", "conformant", "issues carry extra properties (url, comments)"),
    _variant("labels-omitted", "conformant", "the optional labels are left out when empty"),
    _variant("export-instant", "conformant", "exports succeed at once (no queued state)"),
    # faults in the answer
    _variant("priority-string", "fault", "priority is sent as a string", _create()),
    _variant("priority-zero", "fault", "the default priority is 0, outside the enum", _create()),
    _variant("closed-at-missing", "fault", "open issues lack the required closed_at", _create()),
    _variant("labels-null", "fault", "labels is null when empty (not nullable)", _create()),
    _variant(
        "created-at-no-offset", "fault", "created_at has no UTC offset (not RFC 3339)", _create()
    ),
    _variant(
        "create-200", "fault", "opening an issue answers 200, only 201 is documented", _create()
    ),
    _variant("export-created-ms", "fault", "an export's created is in milliseconds", (EXPORT,)),
    _variant(
        "export-failed-no-message",
        "fault",
        "a failed export's error lacks the required message",
        (
            step(
                "POST",
                f"{BASE}/exports",
                json={"project_key": "NOPE", "format": "csv"},
                capture={"export": "body:id"},
            ),
            step("GET", f"{BASE}/exports/{{export}}"),
        ),
    ),
    _variant(
        "create-not-retrievable",
        "fault",
        "a created issue's number is off by one, so it gets 404",
        (CREATE, step("GET", ISSUES + "/{number}")),
    ),
    # server errors
    _variant(
        "unicode-title-500", "fault", "500 on a non-ASCII title", _create(title="Café crashes")
    ),
    _variant(
        "offset-past-end-500",
        "fault",
        "500 on an offset past the last issue",
        (step("GET", f"{ISSUES}?offset=10"),),
    ),
    # invalid input accepted
    _variant(
        "limit-unbounded",
        "fault",
        "limit above 100 accepted",
        (step("GET", f"{ISSUES}?limit=101"),),
    ),
    _variant(
        "form-priority-unchecked",
        "fault",
        "a form priority outside the enum accepted",
        _create(priority="7"),
    ),
    _variant(
        "due-on-unchecked", "fault", "due_on is not checked as a date", _create(due_on="2024-02-30")
    ),
    _variant(
        "patch-priority-bool", "fault", "true accepted as priority 1", _patch({"priority": True})
    ),
    _variant(
        "patch-state-case", "fault", "state matched case-insensitively", _patch({"state": "Closed"})
    ),
    _variant(
        "patch-title-null", "fault", "null title accepted (not nullable)", _patch({"title": None})
    ),
    # valid input rejected
    _variant(
        "patch-assignee-null-rejected",
        "fault",
        "null assignee (documented: unassigns) rejected",
        _patch({"assignee": None}),
    ),
    _variant(
        "title-blank-rejected", "fault", "whitespace-only titles rejected", _create(title="   ")
    ),
    _variant(
        "title-in-bytes", "fault", "title length counted in UTF-8 bytes", _create(title="é" * 100)
    ),
    # auth
    _variant(
        "no-auth-get",
        "fault",
        "retrieving an issue needs no credentials",
        (step("GET", ISSUES + "/1", credential="none"),),
    ),
    _variant(
        "any-password",
        "fault",
        "any password accepted for a known user",
        (step("GET", ISSUES, credential="similar"),),
    ),
]
