"""The Ledger spec's variants: the base server, its conformant alternatives and its faults."""

from __future__ import annotations

from typing import Any

from tests.fault_corpus.ledger import BASE, KEY, SPEC_PATH, LedgerApp, session_cookie
from tests.fault_corpus.variants import Kind, SpecInfo, Step, Variant, similar_key, step

INVOICES = f"{BASE}/invoices"
ONE = INVOICES + "/{id}"
CUSTOMER = {"name": "Nordlicht Logistik GmbH", "email": "billing@nordlicht.example"}
LINE = {"description": "Warehouse audit (hours)", "quantity": 6, "unit_amount": 9500}
NEW = {"customer": CUSTOMER, "currency": "EUR", "due_on": "2024-06-30", "lines": [LINE]}
CREATE = step("POST", INVOICES, json=NEW, capture={"id": "body:id", "etag": "header:etag"})
REPLACEMENT = {
    **NEW,
    "currency": "GBP",
    "lines": [LINE, {"description": "Travel", "quantity": 1, "unit_amount": 18000}],
}
FINALIZE = step("POST", ONE + "/finalize")
PAYMENT = {"amount": 20000, "paid_on": "2024-05-02", "method": "bank_transfer", "reference": None}

INFO = SpecInfo(
    name="ledger",
    path=SPEC_PATH,
    base_path=BASE,
    key=KEY,
    auth=session_cookie,
    similar_key=similar_key(KEY),
    valid=(
        step("GET", f"{BASE}/health", credential="none"),
        step("GET", f"{INVOICES}?page=2&per_page=5"),
        step("GET", f"{INVOICES}?status=paid&per_page=100"),
        step(
            "POST",
            INVOICES,
            json={
                **NEW,
                "customer": {**CUSTOMER, "name": "Café Lumière SARL", "vat_id": None},
                "memo": "Net 30. Merci !",
                "purchase_order": "PO-20240117",
                "lines": [{**LINE, "quantity": 1.5}, {**LINE, "unit_amount": 0}],
            },
            capture={"id": "body:id", "etag": "header:etag"},
        ),
        step("GET", ONE),
        step("PUT", ONE, json=REPLACEMENT, headers={"If-Match": "{etag}"}),
        FINALIZE,
        step("POST", ONE + "/payments", json=PAYMENT),
        step("POST", ONE + "/payments", json={**PAYMENT, "amount": 1, "method": "card"}),
        CREATE,
        step("DELETE", ONE),
    ),
)


def _create(**body: Any) -> tuple[Step, ...]:
    return (step("POST", INVOICES, json={**NEW, **body}),)


def _line(**line: Any) -> tuple[Step, ...]:
    return _create(lines=[{**LINE, **line}])


def _customer(**customer: Any) -> tuple[Step, ...]:
    return _create(customer={**CUSTOMER, **customer})


def _then(*steps: Step) -> tuple[Step, ...]:
    return (CREATE, *steps)


def _put(body: dict[str, Any], **headers: str) -> Step:
    return step("PUT", ONE, json=body, headers=headers)


def _variant(name: str, kind: Kind, description: str, trigger: tuple[Step, ...] = ()) -> Variant:
    switch = "" if name == "base" else name
    return Variant(f"ledger/{name}", INFO, kind, description, switch, LedgerApp, trigger)


VARIANTS = [
    _variant("base", "conformant", "the base server"),
    _variant("etag-revision", "conformant", "ETags are revision numbers, not content hashes"),
    _variant("uuid-v7", "conformant", "ids are time-ordered UUIDv7s, not random UUIDv4s"),
    _variant("extra-headers", "conformant", "answers carry request-id, rate-limit, cache headers"),
    _variant("per-page-default-10", "conformant", "the default page size is 10, not 25"),
    _variant("errors-400", "conformant", "invalid bodies get 400 instead of 422 (both documented)"),
    _variant("po-reuse-allowed", "conformant", "a purchase order may be reused (no 409)"),
    _variant("link-absolute", "conformant", "Link header URLs are absolute, not path-absolute"),
    _variant("vat-id-omitted", "conformant", "the optional vat_id is left out when null"),
    # faults in the answer
    _variant(
        "nulls-omitted",
        "fault",
        "null properties are left out (memo, number, issued_at are required)",
        _create(),
    ),
    _variant("total-as-string", "fault", "total and amount_due are strings", _create()),
    _variant(
        "purchase-order-null",
        "fault",
        "an unset purchase_order is answered as null (not nullable)",
        _create(),
    ),
    _variant(
        "status-issued",
        "fault",
        "finalized invoices have status 'issued', outside the enum",
        _then(FINALIZE),
    ),
    _variant(
        "issued-at-offset-no-colon",
        "fault",
        "issued_at's offset is '+0000' (not RFC 3339)",
        _then(FINALIZE),
    ),
    _variant(
        "delete-200",
        "fault",
        "deleting answers 200 with a body, only 204 is documented",
        _then(step("DELETE", ONE)),
    ),
    _variant("location-missing", "fault", "201 without the required Location header", _create()),
    _variant("due-on-datetime", "fault", "due_on is a date-time, not a date", _create()),
    _variant(
        "health-status-const",
        "fault",
        "the health check's status is 'healthy', not the const 'ok'",
        (step("GET", f"{BASE}/health", credential="none"),),
    ),
    _variant(
        "line-amount-fraction",
        "fault",
        "a line's amount is not rounded to a whole cent (a fraction)",
        _line(quantity=1.5, unit_amount=999),
    ),
    # invalid input accepted
    _variant(
        "purchase-order-null-accepted",
        "fault",
        "null purchase_order accepted as absent (not nullable)",
        _create(purchase_order=None),
    ),
    _variant(
        "unit-amount-bool", "fault", "true accepted as unit_amount 1", _line(unit_amount=True)
    ),
    _variant(
        "unit-amount-fraction",
        "fault",
        "a fractional unit_amount truncated, not refused",
        _line(unit_amount=1250.5),
    ),
    _variant(
        "unit-amount-string",
        "fault",
        "a numeric string accepted as unit_amount",
        _line(unit_amount="1250"),
    ),
    _variant(
        "currency-lowercase", "fault", "currency 'eur' accepted (upcased)", _create(currency="eur")
    ),
    _variant(
        "line-extra-property",
        "fault",
        "unknown line item properties accepted (additionalProperties: false)",
        _line(sku="AUD-01"),
    ),
    _variant(
        "memo-unbounded",
        "fault",
        "a memo over 500 characters accepted",
        _create(memo="Payment by bank transfer within 30 days. " * 13),
    ),
    _variant(
        "quantity-zero",
        "fault",
        "quantity 0 accepted (exclusiveMinimum read as minimum)",
        _line(quantity=0),
    ),
    _variant(
        "vat-id-unanchored",
        "fault",
        "vat_id pattern without its end anchor: trailing text accepted",
        _customer(vat_id="DE129273398 (Berlin)"),
    ),
    _variant(
        "lines-unbounded",
        "fault",
        "more than 50 line items accepted",
        _create(lines=[LINE] * 51),
    ),
    # valid input rejected
    _variant(
        "purchase-order-rejected",
        "fault",
        "a valid purchase_order refused as an unknown property",
        _create(purchase_order="PO-20240117"),
    ),
    _variant(
        "unicode-name-rejected",
        "fault",
        "customer names outside printable ASCII refused",
        _customer(name="Müller & Söhne GmbH"),
    ),
    _variant(
        "per-page-max-rejected",
        "fault",
        "per_page=100 (the documented maximum) refused",
        (step("GET", f"{INVOICES}?per_page=100"),),
    ),
    _variant(
        "vat-id-null-rejected",
        "fault",
        "a null vat_id (documented: no VAT id) refused",
        _customer(vat_id=None),
    ),
    # auth
    _variant(
        "similar-session-accepted",
        "fault",
        "any well-formed session cookie accepted",
        (step("GET", INVOICES, credential="similar"),),
    ),
    _variant(
        "no-auth-get",
        "fault",
        "retrieving an invoice needs no session",
        _then(step("GET", ONE, credential="none")),
    ),
    _variant(
        "health-needs-auth",
        "fault",
        "the public health check demands a session (401)",
        (step("GET", f"{BASE}/health", credential="none"),),
    ),
    # state
    _variant(
        "delete-soft",
        "fault",
        "a deleted invoice is still retrievable",
        _then(step("DELETE", ONE), step("GET", ONE)),
    ),
    _variant(
        "delete-open-allowed",
        "fault",
        "a finalized invoice can be deleted (204, not 409)",
        _then(FINALIZE, step("DELETE", ONE)),
    ),
    _variant(
        "etag-stale-after-put",
        "fault",
        "a replacement answers the ETag of the version it replaced",
        _then(_put(REPLACEMENT, **{"If-Match": "{etag}"})),
    ),
    _variant(
        "if-match-ignored",
        "fault",
        "a stale If-Match accepted (only its presence is checked)",
        _then(_put(REPLACEMENT, **{"If-Match": '"0e5d1c3f9a7b2486"'})),
    ),
    _variant(
        "if-match-optional",
        "fault",
        "a replacement without If-Match accepted (no 428)",
        _then(_put(REPLACEMENT)),
    ),
    _variant(
        "put-merges",
        "fault",
        "PUT merges: a memo left out keeps its value instead of being cleared",
        (
            step(
                "POST",
                INVOICES,
                json={**NEW, "memo": "Net 30"},
                capture={"id": "body:id", "etag": "header:etag"},
            ),
            _put(NEW, **{"If-Match": "{etag}"}),
        ),
    ),
    _variant(
        "overpayment-accepted",
        "fault",
        "a payment of more than is due accepted (amount_due goes negative)",
        _then(FINALIZE, step("POST", ONE + "/payments", json={**PAYMENT, "amount": 10**8})),
    ),
    _variant(
        "unstable-order",
        "fault",
        "invoices created together come in a different order on each page (repeats, skips)",
        (step("GET", f"{INVOICES}?page=2&per_page=5"),),
    ),
    _variant(
        "total-ignores-filter",
        "fault",
        "total counts every invoice, whatever the status filter",
        (step("GET", f"{INVOICES}?status=paid"),),
    ),
    # server errors
    _variant(
        "bad-uuid-500",
        "fault",
        "500 on an invoice id that is not a UUID",
        (step("GET", INVOICES + "/INV-2024-00001"),),
    ),
    _variant(
        "due-on-invalid-500",
        "fault",
        "due_on is not checked as a date: 500 on 2024-02-30",
        _create(due_on="2024-02-30"),
    ),
    _variant(
        "malformed-json-500",
        "fault",
        "500 on a body that is not JSON",
        (
            step(
                "POST",
                INVOICES,
                content=b'{"customer": {"name": "Acme"',
                content_type="application/json",
            ),
        ),
    ),
]
