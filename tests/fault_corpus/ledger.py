"""Spec 4, `specs/ledger.yaml` (OpenAPI 3.1): an invoicing API with a session cookie.

The base server checks the `ledger_session` cookie (the health check is public), validates
path, query and body (in that order, as a framework does before the handler runs), keeps
invoices in memory (twelve seeded, imported in one batch, so they share a creation time), lists
them newest first by page number with a `Link` header and a `total`, versions each invoice with
a strong ETag (a hash of its stored row) that guards full replacement (`If-Match`: 428 when it
is absent, 412 when it is stale), and moves invoices from draft (editable, deletable) to open
(finalize: numbered) to paid (payments cover the total).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import hmac
import http.cookies
import json
import math
import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.fault_corpus.bodies import read_json
from tests.fault_corpus.schema import SpecDoc, ecma_pattern
from tests.fault_corpus.server import App, HttpError, Request, Response, json_response, route

SPEC_PATH = Path(__file__).resolve().parent / "specs" / "ledger.yaml"
KEY = "ls_9QhT2vLx7RkM4wNc8ZpB3fYd"
COOKIE = "ledger_session"
SESSION = "^ls_[A-Za-z0-9]{24}$"
BASE = "/v1"
UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
STATUSES = ("draft", "open", "paid")
IMPORTED = "2024-04-02T08:00:00Z"  # the seeded invoices came from the old system in one batch
SEEDS = (
    ("Nordlicht Logistik GmbH", "billing@nordlicht.example", "DE129273398", "EUR", "paid"),
    ("Harbour & Pike Ltd", "accounts@harbourpike.example", "GB980780684", "GBP", "open"),
    ("Café Lumière SARL", "compta@lumiere.example", "FR40303265045", "EUR", "draft"),
    ("Bergström Design AB", "faktura@bergstrom.example", "SE556677889901", "SEK", "open"),
    ("Quill & Ledger LLC", "ap@quill.example", None, "USD", "paid"),
    ("Alpenglühen AG", "rechnung@alpengluehen.example", None, "CHF", "draft"),
    ("Marlow Freight", "finance@marlow.example", "GB123456789", "GBP", "paid"),
    ("Oakridge Dental", "office@oakridge.example", None, "USD", "open"),
    ("Studio Sol", "ola@studiosol.example", "ES12345678Z", "EUR", "draft"),
    ("Kestrel Analytics", "ap@kestrel.example", None, "USD", "paid"),
    ("Vinterhaven ApS", "regnskab@vinterhaven.example", "DK13585628", "EUR", "open"),
    ("Papeterie Moreau", "contact@moreau.example", "FR83404833048", "EUR", "draft"),
)


@dataclass
class Invoice:
    """A stored invoice: its public properties, its revision and whether it was deleted."""

    fields: dict[str, Any]
    revision: int = 1
    deleted: bool = False


def _drift(switch: str) -> Any:
    """The server's own copy of the schemas, drifted from the spec for some faults."""

    def edit(document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        invoice = schemas["InvoiceInput"]["properties"]
        line = schemas["LineInput"]
        if switch == "purchase-order-rejected":
            del invoice["purchase_order"]  # the model was written before purchase orders
        elif switch == "line-extra-property":
            del line["additionalProperties"]  # the model ignores unknown fields
        elif switch == "memo-unbounded":
            del invoice["memo"]["maxLength"]  # a TEXT column, no length check
        elif switch == "quantity-zero":
            # ported from OpenAPI 3.0's `exclusiveMinimum: true`, the bound became inclusive
            del line["properties"]["quantity"]["exclusiveMinimum"]
            line["properties"]["quantity"]["minimum"] = 0
        elif switch == "vat-id-unanchored":
            schemas["Customer"]["properties"]["vat_id"]["pattern"] = "^[A-Z]{2}[0-9A-Z]{2,12}"
        elif switch == "lines-unbounded":
            del invoice["lines"]["maxItems"]
        elif switch == "vat-id-null-rejected":
            schemas["Customer"]["properties"]["vat_id"]["type"] = "string"  # not Optional[str]
        elif switch == "due-on-invalid-500":
            del invoice["due_on"]["format"]  # left to the handler, which parses it

    return edit


class InvalidBody(HttpError):
    """A body that breaks the schema: the error answer also says what is wrong where."""

    def __init__(self, status: int, details: list[dict[str, str]]) -> None:
        super().__init__(status, "invalid_body", f"{details[0]['field']}: invalid")
        self.details = details


def _number(digits: str) -> int:
    """A decimal integer of any length (past 4000 digits, more than any bound here)."""
    return int(digits) if len(digits) <= 4000 else 10**4000


def session_cookie(key: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}={key}"}


class LedgerApp(App):
    """The Ledger Invoicing API as a production server answers it."""

    routes = (
        route("GET", f"{BASE}/health", "health"),
        route("GET", f"{BASE}/invoices", "list_invoices"),
        route("POST", f"{BASE}/invoices", "create_invoice"),
        route("GET", f"{BASE}/invoices/{{invoice_id}}", "get_invoice"),
        route("PUT", f"{BASE}/invoices/{{invoice_id}}", "replace_invoice"),
        route("DELETE", f"{BASE}/invoices/{{invoice_id}}", "delete_invoice"),
        route("POST", f"{BASE}/invoices/{{invoice_id}}/finalize", "finalize_invoice"),
        route("POST", f"{BASE}/invoices/{{invoice_id}}/payments", "record_payment"),
    )

    def __init__(self, switch: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(switch, *args, **kwargs)
        self.doc = SpecDoc(SPEC_PATH, _drift(switch))
        self.invoices: dict[str, Invoice] = {}
        self.sequence = 0
        for index, (name, email, vat_id, currency, status) in enumerate(SEEDS):
            lines = [
                {"description": "Consulting (hours)", "quantity": 4 + index, "unit_amount": 9500},
                {"description": "Travel expenses", "quantity": 1, "unit_amount": 12000 + index},
            ]
            body = {
                "customer": {"name": name, "email": email, "vat_id": vat_id},
                "currency": currency,
                "due_on": f"2024-05-{index + 1:02d}",
                "lines": lines,
            }
            invoice = self.new_invoice(body, IMPORTED)
            if status != "draft":
                self.issue(invoice, IMPORTED)
            if status == "paid":
                invoice.fields.update(status="paid", amount_due=0)

    def error(self, error: HttpError) -> Response:
        body: dict[str, Any] = {"code": error.code, "message": error.message}
        if isinstance(error, InvalidBody):
            body["details"] = error.details
        return json_response(error.status, body, error.headers)

    # -- handlers ----------------------------------------------------------------------------
    def health(self, request: Request) -> Response:
        if self.on("health-needs-auth"):
            self.authenticate(request)  # the session middleware's allow-list lost /health
        status = "healthy" if self.on("health-status-const") else "ok"
        return self.json(200, {"status": status, "time": self.now()})

    def list_invoices(self, request: Request) -> Response:
        self.authenticate(request)
        page = self.integer(request, "page", 1, 1, 10000)
        default = 10 if self.on("per-page-default-10") else 25
        per_page = self.integer(
            request, "per_page", default, 1, 99 if self.on("per-page-max-rejected") else 100
        )
        status = request.arg("status")
        if status is not None and status not in STATUSES:
            raise HttpError(400, "invalid_parameter", "status: not draft, open or paid")
        live = [i for i in self.invoices.values() if not i.deleted]
        chosen = [i for i in live if status is None or i.fields["status"] == status]
        offset = (page - 1) * per_page
        ordered = sorted(chosen, key=lambda i: self.order(i, offset), reverse=True)
        total = len(live) if self.on("total-ignores-filter") else len(chosen)
        answer = {
            "data": [self.render(i) for i in ordered[offset : offset + per_page]],
            "page": page,
            "per_page": per_page,
            "total": total,
        }
        headers = {"Link": self.link(request, page, per_page, total, status)}
        return self.json(200, answer, headers)

    def create_invoice(self, request: Request) -> Response:
        self.authenticate(request)
        body = self.coerce(self.read_body(request))
        self.validate("InvoiceInput", body)
        self.check_input(body)
        self.check_purchase_order(body, None)
        invoice = self.new_invoice(body, self.now())
        invoice_id = invoice.fields["id"]
        headers = {"Location": f"{BASE}/invoices/{invoice_id}", "ETag": self.etag(invoice)}
        if self.on("location-missing"):
            del headers["Location"]
        return self.json(201, self.render(invoice), headers)

    def get_invoice(self, request: Request) -> Response:
        if not self.on("no-auth-get"):  # the hosted invoice page reuses this handler
            self.authenticate(request)
        invoice = self.find(request)
        return self.json(200, self.render(invoice), {"ETag": self.etag(invoice)})

    def replace_invoice(self, request: Request) -> Response:
        self.authenticate(request)
        self.invoice_id(request)
        body = self.coerce(self.read_body(request))
        self.validate("InvoiceInput", body)
        self.check_input(body)
        invoice = self.find(request)
        self.precondition(request, invoice)
        if invoice.fields["status"] != "draft":
            raise HttpError(409, "not_a_draft", "only drafts can be replaced")
        self.check_purchase_order(body, invoice)
        before = self.etag(invoice)
        if self.on("put-merges"):  # handled as a merge: what is left out keeps its value
            kept = {k: v for k, v in invoice.fields.items() if k in ("memo", "purchase_order")}
            body = {**kept, **body}
        self.apply(invoice, body)
        invoice.revision += 1
        invoice.fields["updated_at"] = self.now()
        etag = before if self.on("etag-stale-after-put") else self.etag(invoice)
        return self.json(200, self.render(invoice), {"ETag": etag})

    def delete_invoice(self, request: Request) -> Response:
        self.authenticate(request)
        invoice = self.find(request)
        if invoice.fields["status"] != "draft" and not self.on("delete-open-allowed"):
            raise HttpError(409, "not_a_draft", "only drafts can be deleted")
        invoice.deleted = True
        if self.on("delete-200"):
            return self.json(200, {"id": invoice.fields["id"], "deleted": True})
        return Response(204)

    def finalize_invoice(self, request: Request) -> Response:
        self.authenticate(request)
        invoice = self.find(request)
        if invoice.fields["status"] != "draft":
            raise HttpError(409, "not_a_draft", "only drafts can be finalized")
        if self.on("issued-at-offset-no-colon"):
            issued = self.now("%Y-%m-%dT%H:%M:%S%z")  # '+0000', not RFC 3339's '+00:00'
        else:
            issued = self.now()
        self.issue(invoice, issued)
        invoice.revision += 1
        invoice.fields["updated_at"] = self.now()
        return self.json(200, self.render(invoice), {"ETag": self.etag(invoice)})

    def record_payment(self, request: Request) -> Response:
        self.authenticate(request)
        self.invoice_id(request)
        body = self.read_body(request)
        self.validate("PaymentInput", body)
        invoice = self.find(request)
        fields = invoice.fields
        if fields["status"] != "open":
            raise HttpError(409, "invoice_not_open", f"the invoice is {fields['status']}")
        amount = int(body["amount"])
        if amount > fields["amount_due"] and not self.on("overpayment-accepted"):
            raise HttpError(409, "amount_exceeds_due", f"{fields['amount_due']} is due")
        fields["amount_due"] -= amount
        if fields["amount_due"] <= 0:
            fields["status"] = "paid"
        invoice.revision += 1
        fields["updated_at"] = now = self.now()
        payment = {
            "id": self.new_id(),
            "object": "payment",
            "invoice_id": fields["id"],
            "amount": amount,
            "currency": fields["currency"],
            "paid_on": body["paid_on"],
            "method": body["method"],
            "reference": body.get("reference"),
            "created_at": now,
        }
        return self.json(201, payment)

    # -- steps of a request ------------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        session = self.session(request)
        if session is None:
            raise HttpError(401, "unauthenticated", f"sign in: the {COOKIE} cookie is missing")
        if self.on("similar-session-accepted"):
            # the session store lookup was switched off in a cache refactor: any well-formed
            # session id passes
            known = bool(ecma_pattern(SESSION).search(session))
        else:
            known = hmac.compare_digest(session.encode("utf-8", "replace"), KEY.encode())
        if not known:
            raise HttpError(401, "session_invalid", "the session is expired or unknown")

    def session(self, request: Request) -> str | None:
        header = request.headers.get("cookie")
        if header is None:
            return None
        jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        try:
            jar.load(header)
        except http.cookies.CookieError:
            return None
        morsel = jar.get(COOKIE)
        return morsel.value if morsel is not None else None

    def integer(self, request: Request, name: str, default: int, low: int, high: int) -> int:
        text = request.arg(name)
        if text is None:
            return default
        if not re.fullmatch(r"[0-9]+", text):
            raise HttpError(400, "invalid_parameter", f"{name}: not an integer")
        value = _number(text)
        if not low <= value <= high:
            raise HttpError(400, "invalid_parameter", f"{name}: outside {low}..{high}")
        return value

    def invoice_id(self, request: Request) -> str:
        text = request.params["invoice_id"]
        if self.on("bad-uuid-500"):
            return str(uuid.UUID(text))  # straight into the database's uuid cast
        if not ecma_pattern(UUID).search(text):
            raise HttpError(400, "invalid_parameter", "invoice_id: not a UUID")
        return text.lower()

    def find(self, request: Request) -> Invoice:
        invoice = self.invoices.get(self.invoice_id(request))
        if invoice is None or (invoice.deleted and not self.on("delete-soft")):
            raise HttpError(404, "not_found", "no such invoice")
        return invoice

    def order(self, invoice: Invoice, offset: int) -> tuple[str, str]:
        """The list's sort key: newest first, ties broken by id."""
        if self.on("unstable-order"):
            # ORDER BY created_at alone: rows with one timestamp come back in whatever order
            # the query plan picks, and the plan changes with the OFFSET
            tie = hashlib.sha256(f"{offset}:{invoice.fields['id']}".encode()).hexdigest()
            return invoice.fields["created_at"], tie
        return invoice.fields["created_at"], invoice.fields["id"]

    def read_body(self, request: Request) -> Any:
        if self.on("malformed-json-500") and request.content_type == "application/json":
            return json.loads(request.body)  # a fast-path parser whose errors nobody catches
        return read_json(request)

    def coerce(self, body: Any) -> Any:
        """What the model layer does to an invoice body before validation (nothing, here)."""
        if not isinstance(body, dict):
            return body
        if self.on("purchase-order-null-accepted") and body.get("purchase_order", "") is None:
            del body["purchase_order"]  # null read as "not given"
        if self.on("currency-lowercase") and isinstance(body.get("currency"), str):
            body["currency"] = body["currency"].upper()
        lines = body.get("lines")
        for line in lines if isinstance(lines, list) else []:
            amount = line.get("unit_amount") if isinstance(line, dict) else None
            if self.on("unit-amount-bool") and isinstance(amount, bool):
                line["unit_amount"] = int(amount)  # isinstance(True, int) holds
            if self.on("unit-amount-fraction") and isinstance(amount, float):
                line["unit_amount"] = int(amount)  # truncated, as a lax int field does
            numeric = isinstance(amount, str) and re.fullmatch(r"\s*[0-9]{1,15}\s*", amount)
            if self.on("unit-amount-string") and numeric:
                line["unit_amount"] = int(str(amount))  # a lax int field reads numeric strings
        return body

    def validate(self, schema: str, body: Any) -> None:
        errors = self.doc.errors(f"/components/schemas/{schema}", body)
        if errors:
            details = [
                {"field": "/".join(map(str, e.absolute_path)) or "body", "reason": e.message[:200]}
                for e in errors[:5]
            ]
            raise InvalidBody(400 if self.on("errors-400") else 422, details)

    def check_input(self, body: dict[str, Any]) -> None:
        """What the handler itself refuses (nothing the spec allows, in the base)."""
        name = body["customer"]["name"]
        if self.on("unicode-name-rejected") and not re.fullmatch(r"[ -~]+", name):
            raise HttpError(422, "invalid_body", "customer/name: unsupported characters")

    def check_purchase_order(self, body: dict[str, Any], replacing: Invoice | None) -> None:
        order = body.get("purchase_order")
        if order is None or self.on("po-reuse-allowed"):
            return
        for other in self.invoices.values():
            used = other.fields.get("purchase_order") == order and not other.deleted
            if used and other is not replacing:
                raise HttpError(409, "duplicate_purchase_order", f"{order} is already used")

    def precondition(self, request: Request, invoice: Invoice) -> None:
        header = request.headers.get("if-match")
        if header is None:
            if self.on("if-match-optional"):
                return
            raise HttpError(428, "precondition_required", "send If-Match with the ETag")
        if self.on("if-match-ignored"):
            return  # the version comparison was lost in a refactor; only presence is checked
        tags = [tag.strip() for tag in header.split(",")]
        if "*" not in tags and self.etag(invoice) not in tags:
            raise HttpError(412, "precondition_failed", "the invoice has changed")

    # -- state -------------------------------------------------------------------------------
    def new_id(self) -> str:
        if self.on("uuid-v7"):
            millis = int(self.clock() * 1000) & (2**48 - 1)
            value = (millis << 80) | (0x7 << 76) | (self.rng.getrandbits(12) << 64)
            value |= (0b10 << 62) | self.rng.getrandbits(62)
            return str(uuid.UUID(int=value))
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_invoice(self, body: dict[str, Any], created: str) -> Invoice:
        fields: dict[str, Any] = {
            "id": self.new_id(),
            "object": "invoice",
            "number": None,
            "status": "draft",
            "issued_at": None,
            "created_at": created,
            "updated_at": created,
        }
        invoice = Invoice(fields)
        self.apply(invoice, body)
        self.invoices[fields["id"]] = invoice
        return invoice

    def apply(self, invoice: Invoice, body: dict[str, Any]) -> None:
        """The invoice's input properties replaced by `body`'s (and its amounts computed)."""
        customer = body["customer"]
        lines = [
            {
                "description": line["description"],
                "quantity": line["quantity"],
                "unit_amount": int(line["unit_amount"]),
                "amount": self.line_amount(line),
            }
            for line in body["lines"]
        ]
        fields = invoice.fields
        fields.update(
            customer={
                "name": customer["name"],
                "email": customer["email"],
                "vat_id": customer.get("vat_id"),
            },
            currency=body["currency"],
            due_on=datetime.date.fromisoformat(body["due_on"]).isoformat(),
            memo=body.get("memo"),
            lines=lines,
            total=sum(line["amount"] for line in lines),
        )
        fields["amount_due"] = fields["total"]
        fields.pop("purchase_order", None)
        if body.get("purchase_order") is not None:
            fields["purchase_order"] = body["purchase_order"]

    def line_amount(self, line: dict[str, Any]) -> Any:
        if self.on("line-amount-fraction"):
            return line["quantity"] * line["unit_amount"]  # a float, never rounded
        exact = Decimal(repr(line["quantity"])) * int(line["unit_amount"])
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def issue(self, invoice: Invoice, issued: str) -> None:
        self.sequence += 1
        year = issued[:4]
        fields = invoice.fields
        status = "open" if fields["total"] else "paid"
        if self.on("status-issued") and status == "open":
            status = "issued"
        fields.update(number=f"INV-{year}-{self.sequence:05d}", status=status, issued_at=issued)

    def etag(self, invoice: Invoice) -> str:
        if self.on("etag-revision"):
            return f'"{invoice.revision}"'
        row = json.dumps(invoice.fields, sort_keys=True).encode()
        return '"' + hashlib.sha256(row).hexdigest()[:32] + '"'

    # -- answers -----------------------------------------------------------------------------
    def now(self, layout: str = "%Y-%m-%dT%H:%M:%SZ") -> str:
        moment = datetime.datetime.fromtimestamp(self.clock(), datetime.timezone.utc)
        return moment.strftime(layout)

    def render(self, invoice: Invoice) -> dict[str, Any]:
        rendered = copy.deepcopy(invoice.fields)
        if self.on("nulls-omitted"):  # the serializer's exclude_none
            rendered = {k: v for k, v in rendered.items() if v is not None}
        if self.on("total-as-string"):  # Decimal amounts serialized as strings
            rendered.update(total=str(rendered["total"]), amount_due=str(rendered["amount_due"]))
        if self.on("purchase-order-null"):
            rendered.setdefault("purchase_order", None)
        if self.on("due-on-datetime"):  # a DateTime column where a Date was meant
            rendered["due_on"] += "T00:00:00Z"
        if self.on("vat-id-omitted") and rendered["customer"]["vat_id"] is None:
            del rendered["customer"]["vat_id"]
        return rendered

    def link(
        self, request: Request, page: int, per_page: int, total: int, status: str | None
    ) -> str:
        last = max(1, math.ceil(total / per_page))
        prefix = ""
        if self.on("link-absolute") and request.headers.get("host"):
            prefix = f"http://{request.headers['host']}"

        def url(number: int) -> str:
            query: dict[str, Any] = {"page": number, "per_page": per_page}
            if status is not None:
                query["status"] = status
            return f"{prefix}{BASE}/invoices?{urlencode(query)}"

        links = [(1, "first")]
        if page > 1:
            links.append((min(page - 1, last), "prev"))
        if page < last:
            links.append((page + 1, "next"))
        links.append((last, "last"))
        return ", ".join(f'<{url(number)}>; rel="{rel}"' for number, rel in links)

    def json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        headers = dict(headers or {})
        if self.on("extra-headers"):
            headers.update(
                {
                    "X-Request-Id": f"req_{self.rng.getrandbits(48):012x}",
                    "RateLimit-Limit": "600",
                    "RateLimit-Remaining": "599",
                    "Cache-Control": "no-store",
                }
            )
        return json_response(status, payload, headers)
