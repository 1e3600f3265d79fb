"""Requests guarded by `If-Match`, and answers about a resource's state rather than the input.

Against the corpus' ledger server (OpenAPI 3.1, cookie API key, `PUT` guarded by `If-Match`:
412 for a stale tag, 428 without one) over a real socket: the suite sends the entity tag a GET
of the same path just gave, and a 409/412/428 neither accepts nor rejects an input.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from specforge.conformance import checks
from specforge.conformance.http import Call, Exchange
from specforge.conformance.runtime import Run
from specforge.conformance.settings import SuiteSettings
from tests.fault_corpus import BY_NAME

LEDGER = BY_NAME["ledger/base"]
SENT_AS = {**LEDGER.spec.auth(LEDGER.spec.key), "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    with LEDGER.running() as origin:
        settings = SuiteSettings(
            spec=str(LEDGER.spec.path), base_url=origin, api_key=LEDGER.spec.key, budget=None
        )
        started = Run.start(settings)
        yield started
        started.sender.close()


def created_invoice(run: Run) -> tuple[str, str]:
    """A new invoice's path and its entity tag."""
    body = {
        "customer": {"name": "Ålesund Fisk AS", "email": "post@fisk.example"},
        "currency": "EUR",
        "due_on": "2024-06-30",
        "lines": [{"description": "Audit", "quantity": 1, "unit_amount": 1000}],
    }
    call = Call("POST", "/v1/invoices", json_body=body, headers=dict(SENT_AS))
    made = run.sender.send(call)
    assert made.status == 201, made.describe()
    return made.headers["location"].removeprefix(run.settings.base_url), made.headers["etag"]


def replacement(run: Run, path: str, tag: str) -> Call:
    body = {
        "customer": {"name": "Ålesund Fisk AS", "email": "post@fisk.example"},
        "currency": "EUR",
        "due_on": "2024-07-31",
        "lines": [{"description": "Audit", "quantity": 2, "unit_amount": 1000}],
    }
    return Call("PUT", path, json_body=body, headers={**SENT_AS, "If-Match": tag})


def test_a_guarded_request_carries_the_tag_a_get_just_gave(run: Run) -> None:
    path, tag = created_invoice(run)
    op = run.model.operation("replace_invoice")
    stale = replacement(run, path, '"not-the-tag"')
    assert run.sender.send(stale).status == 412  # the server really checks the tag
    fresh = run.conditional(op, stale)
    assert fresh.headers["If-Match"] == tag
    answered = run.sender.send(fresh)
    assert answered.status == 200, answered.describe()
    assert answered.headers["etag"] != tag
    # the next guarded request reads the new tag, not the one it was built with
    assert (
        run.conditional(op, replacement(run, path, tag)).headers["If-Match"]
        == answered.headers["etag"]
    )


def test_an_operation_without_if_match_is_sent_as_built(run: Run) -> None:
    call = Call("GET", "/v1/invoices", headers=dict(SENT_AS))
    assert run.conditional(run.model.operation("list_invoices"), call) is call


def exchange(status: int, method: str = "POST", path: str = "/v1/invoices") -> Exchange:
    return Exchange(Call(method, path), status, {"content-type": "application/json"}, b"{}")


@pytest.mark.parametrize("status", [409, 412, 423, 428])
def test_a_state_answer_neither_accepts_nor_rejects_an_input(status: int) -> None:
    assert checks.baseline_accepted(exchange(status), "valid").kind == "skip"
    assert checks.invalid_input_rejected(exchange(status), "invalid").kind == "skip"


def test_input_answers_keep_their_verdicts() -> None:
    assert checks.baseline_accepted(exchange(422), "valid").kind == "violation"
    assert checks.invalid_input_rejected(exchange(422), "invalid").kind == "pass"
    assert checks.invalid_input_rejected(exchange(201), "invalid").kind == "violation"


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_422_to_a_change_speaks_of_the_resource_not_the_input(method: str) -> None:
    """A value the schema allows but the resource as it stands does not (another kind's
    property, a counter going back) is refused with 422: no acceptance verdict; an invalid
    value refused with 422 is still rejected, and a create keeps its acceptance promise."""
    change = exchange(422, method, "/v1/invoices/inv_1")
    assert checks.enum_values_accepted(change, "kind='van'").kind == "skip"
    assert checks.invalid_input_rejected(change, "invalid").kind == "pass"
    assert checks.enum_values_accepted(exchange(422), "kind='van'").kind == "violation"
    assert checks.state_refusal(method, 422) and not checks.state_refusal("POST", 422)
