"""The checks: small named functions, each judging one promise of the spec.

Every check is registered by a decorator under the name reports show, with the first paragraph
of its docstring as its description: `@response_check(name)` for the checks run on every
exchange of the suite (`(model, operation, exchange)`), `@check(name)` for the others, each with
the signature of the evidence it judges (one exchange and the case name, three exchanges to
compare, a job's statuses...). The decorator returns a `Check`: the suite calls it (mypy checks
the arguments against the function) and records the verdict under `check.name`, so a check is
never named by a string. A check returns a `Verdict`: `pass`, a server `violation`, or a spec
`gap` (a sensible answer the spec does not document). `None` means the check does not apply.
"""

from __future__ import annotations

import datetime
import inspect
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec

import httpx

from specforge.conformance.http import Exchange
from specforge.conformance.model import SpecModel, completion_fields
from specforge.conformance.pagination import Page, Pagination, at, item_key, total_path
from specforge.conformance.results import Kind
from specforge.conformance.secrets import scrub
from specforge.document.schemas import json_types
from specforge.generator.ir import Operation, Poller, Response

P = ParamSpec("P")


@dataclass(frozen=True)
class Verdict:
    kind: Kind  # "pass", "violation" or "gap"
    expected: str = ""
    got: str = ""


PASS = Verdict("pass")


@dataclass(frozen=True)
class Check(Generic[P]):
    """A registered check: the name reports show, what it asserts, and its function."""

    name: str
    description: str
    judge: Callable[P, Verdict | None]
    every_response: bool = False

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Verdict | None:
        return self.judge(*args, **kwargs)


ResponseCheck = Check[[SpecModel, Operation, Exchange]]
"""A check run on every exchange: the spec, the operation, the exchange."""
RequestCheck = Check[[Exchange, str]]
"""A check of one request's answer: the exchange and the case's name."""

CHECKS: dict[str, Check[...]] = {}
"""Every check by name, in the order they are defined."""
RESPONSE_CHECKS: list[ResponseCheck] = []
"""The checks run on every exchange, in order."""


def check(name: str) -> Callable[[Callable[P, Verdict | None]], Check[P]]:
    """Register a check function as `name`; its docstring's first paragraph describes it."""

    def register(function: Callable[P, Verdict | None]) -> Check[P]:
        return _register(Check(name, _description(name, function), function))

    return register


def response_check(
    name: str,
) -> Callable[[Callable[[SpecModel, Operation, Exchange], Verdict | None]], ResponseCheck]:
    """Register a check run on every exchange of the suite, as `name`."""

    def register(
        function: Callable[[SpecModel, Operation, Exchange], Verdict | None],
    ) -> ResponseCheck:
        registered = _register(Check(name, _description(name, function), function, True))
        RESPONSE_CHECKS.append(registered)
        return registered

    return register


def _register(registered: Check[P]) -> Check[P]:
    if registered.name in CHECKS:
        raise ValueError(f"check {registered.name!r} is registered twice")
    CHECKS[registered.name] = registered
    return registered


def _description(name: str, function: Callable[..., Any]) -> str:
    description = " ".join((inspect.getdoc(function) or "").split("\n\n")[0].split())
    if not description:
        raise ValueError(f"check {name!r} has no docstring to describe it")
    return description


def documented(op: Operation, status: int) -> Response | None:
    """The response the spec documents for `status` (exact, `2XX`-style range, or `default`)."""
    exact = next((r for r in op.responses if r.status == str(status)), None)
    if exact is not None:
        return exact
    ranged = next((r for r in op.responses if r.status.upper() == f"{status // 100}XX"), None)
    return ranged or next((r for r in op.responses if r.status == "default"), None)


def streamed(op: Operation, ex: Exchange) -> bool:
    """Whether `ex` is the event stream a streaming operation may answer with (its events are
    judged by Schemathesis against the chunk schema, see `conformance.mock.sse`)."""
    return op.stream is not None and ex.content_type == "text/event-stream" and ex.status < 300


# -- on every response --------------------------------------------------------------------------
@response_check("no_server_error")
def no_server_error(model: SpecModel, op: Operation, ex: Exchange) -> Verdict | None:
    """No input, valid or not, gets a 5xx."""
    if ex.status >= 500:
        return Verdict("violation", "a status below 500", ex.describe())
    return PASS


@response_check("status_code_documented")
def status_code_documented(model: SpecModel, op: Operation, ex: Exchange) -> Verdict | None:
    """The status is documented; an undocumented 2xx is a violation, an undocumented 4xx a gap."""
    if ex.status >= 500:
        return None
    if documented(op, ex.status) is not None:
        return PASS
    statuses = ", ".join(r.status for r in op.responses) or "none"
    kind: Kind = "violation" if ex.status < 400 else "gap"
    return Verdict(kind, f"a documented status ({statuses})", f"{ex.status} (undocumented)")


@response_check("response_content_type")
def response_content_type(model: SpecModel, op: Operation, ex: Exchange) -> Verdict | None:
    """A documented response comes with its documented content type."""
    response = documented(op, ex.status)
    if response is None or not response.content_type or not ex.body:
        return None
    if streamed(op, ex):
        return PASS
    wanted = response.content_type.lower()
    got = ex.content_type
    if (
        got == wanted
        or (wanted.endswith("json") and got.endswith("+json"))
        or wanted.endswith("/*")
    ):
        return PASS
    return Verdict(
        "violation", f"content type {wanted}", f"{got or '(none)'} for status {ex.status}"
    )


@response_check("response_schema")
def response_schema(model: SpecModel, op: Operation, ex: Exchange) -> Verdict | None:
    """A documented JSON response validates against its schema."""
    response = documented(op, ex.status)
    if response is None or response.kind != "json" or not response.schema_pointer:
        return None
    if streamed(op, ex):
        return None
    body = ex.json()
    if body is None and ex.body.strip() != b"null":
        return Verdict(
            "violation", f"a JSON body matching {response.schema_pointer}", ex.describe()
        )
    errors = list(model.validator(response.schema_pointer.lstrip("#")).iter_errors(body))
    if not errors:
        return PASS
    return Verdict("violation", f"a body matching {response.schema_pointer}", _errors(errors))


@response_check("response_enum_values")
def response_enum_values(model: SpecModel, op: Operation, ex: Exchange) -> Verdict | None:
    """Enum (and const) values in responses stay within the listed set."""
    response = documented(op, ex.status)
    if response is None or response.kind != "json" or not response.schema_pointer:
        return None
    if streamed(op, ex):
        return None
    body = ex.json()
    errors = [
        e
        for e in model.validator(response.schema_pointer.lstrip("#")).iter_errors(body)
        if e.schema_path and str(e.schema_path[-1]) in ("enum", "const")
    ]
    if not errors:
        return PASS
    return Verdict("violation", "only the listed enum values", _errors(errors))


_EPOCH_WORDS = re.compile(r"\b(unix|epoch|posix)\b|timestamp", re.IGNORECASE)
_MILLIS = re.compile(r"milli|\bms\b", re.IGNORECASE)
_TIME_NAMES = re.compile(r"(_at|_time|timestamp)$", re.IGNORECASE)
UNIT_SECONDS = {"s": 1, "ms": 1000}
PLAUSIBLE_SECONDS = (0, 32503680000)  # 1970-01-01 to 3000-01-01, in Unix seconds
SAMPLE_SECONDS = 1704067200  # 2024-01-01T00:00:00Z, the mock's Unix time


def time_unit(name: str, schema: Any) -> str:
    """How a property holds an instant: "date-time", Unix "s" or "ms", or "" (not a time)."""
    if not isinstance(schema, dict):
        return ""
    kinds = json_types(schema)
    if schema.get("format") == "date-time" and "string" in kinds:
        return "date-time"
    if "integer" not in kinds and "number" not in kinds:
        return ""
    text = f"{schema.get('title', '')} {schema.get('description', '')}"
    if not _EPOCH_WORDS.search(text) and not _TIME_NAMES.search(name):
        return ""
    return "ms" if _MILLIS.search(text) or name.lower().endswith("_ms") else "s"


def _implausible(unit: str, value: Any) -> str:
    """Why `value` is no instant between 1970 and 3000 in `unit` ("" when it is one)."""
    low, high = PLAUSIBLE_SECONDS
    if unit == "date-time":
        if not isinstance(value, str):
            return ""
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return f"{value!r} is not an RFC 3339 date-time"
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        if not low <= moment.timestamp() < high:
            return f"{value!r} is not between 1970 and 3000"
        return ""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return ""
    seconds = value / UNIT_SECONDS[unit]
    if low <= seconds < high:
        return ""
    name = "seconds" if unit == "s" else "milliseconds"
    return f"{value} Unix {name} is not between 1970 and 3000"


def _time_properties(model: SpecModel, schema: Any) -> tuple[Any, tuple[tuple[str, str, Any], ...]]:
    """`schema` resolved, its array items (or None) and its properties as (name, unit, schema),
    own ones over those of its allOf/anyOf/oneOf parts; unit "" for a property that holds no
    instant (it is searched further)."""
    schema = model.resolve(schema)
    if not isinstance(schema, dict):
        return None, ()
    items = schema.get("items")
    properties = dict(schema.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key) or []:
            part = model.resolve(part)
            if isinstance(part, dict):
                properties = {**(part.get("properties") or {}), **properties}
    found = []
    for name, prop in properties.items():
        resolved = model.resolve(prop)
        found.append((str(name), time_unit(str(name), resolved), resolved))
    return items if isinstance(items, dict) else None, tuple(found)


def _times(model: SpecModel, schema: Any, value: Any, pointer: str = "") -> Any:
    """(pointer, problem) for each instant-holding property of `value` under `schema`."""
    items, properties = model.derived(
        "time-properties", schema, lambda node: _time_properties(model, node)
    )
    if isinstance(value, list) and items is not None:
        for index, item in enumerate(value):
            yield from _times(model, items, item, f"{pointer}/{index}")
        return
    if not isinstance(value, dict):
        return
    for name, unit, resolved in properties:
        if name not in value:
            continue
        if unit:
            yield f"{pointer}/{name}", _implausible(unit, value[name])
        else:
            yield from _times(model, resolved, value[name], f"{pointer}/{name}")


def _scalars(value: Any) -> Any:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif isinstance(value, (str, int, float)):
        yield value


def _at(document: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document if isinstance(document, (str, int, float)) else None


@response_check("timestamps_plausible")
def timestamps_plausible(model: SpecModel, op: Operation, ex: Exchange) -> Verdict | None:
    """Response instants (date-time strings, Unix seconds) are in their unit: 1970 to 3000."""
    response = documented(op, ex.status)
    if response is None or response.kind != "json" or not response.schema_pointer:
        return None
    if streamed(op, ex):
        return None
    found = list(_times(model, model.schema_at(response.schema_pointer), ex.json()))
    if not found:
        return None
    sent = set(_scalars(ex.call.sent_json()))  # values echoed from the request are the client's
    problems = [
        f"{pointer}: {problem}"
        for pointer, problem in found
        if problem and _at(ex.json(), pointer) not in sent
    ]
    if problems:
        return Verdict(
            "violation", "instants in their documented unit (1970 to 3000)", "; ".join(problems)
        )
    return PASS


# -- expectations of one request ----------------------------------------------------------------
# Answers about the resource's state, not the request's content (RFC 9110 15.5.10 and 15.5.13,
# RFC 6585 3, RFC 4918 11.3): a conflict, a failed or a missing precondition, a lock. They say
# nothing of whether the input was valid, so they neither accept nor reject it.
STATE_REFUSALS = {
    409: "conflict",
    412: "precondition failed",
    423: "locked",
    428: "precondition required",
}


# A change to a resource (PATCH or PUT) refused with 422 (RFC 9110 15.5.21: understood,
# well-formed, not processable; the resource was found, else 404): the values fit the schema
# but not the resource as it stands (another kind's property, a counter going back); a create
# keeps the acceptance promise.
CHANGES = ("PATCH", "PUT")


def state_refusal(method: str, status: int, accepting: bool = True) -> str:
    """Why an answer speaks of the resource's state, not of the request's content ("" when it
    does not): `STATE_REFUSALS`, or (for a value that should be accepted) a 422 to a change of
    a resource that exists; an invalid value answered 422 is rejected, not excused."""
    reason = STATE_REFUSALS.get(status)
    if reason is not None:
        return f"{status} ({reason}): the resource's state, not the input"
    if accepting and status == 422 and method.upper() in CHANGES:
        return "422 to a change of an existing resource: its current state, not the input"
    return ""


def _state_refusal(ex: Exchange, expected: str, accepting: bool) -> Verdict | None:
    reason = state_refusal(ex.call.method, ex.status, accepting)
    return Verdict("skip", expected, reason) if reason else None


def _accepted(ex: Exchange, what: str) -> Verdict:
    if 200 <= ex.status < 300:
        return PASS
    if ex.status == 404 and ex.call.placeholder:
        return Verdict("skip", f"2xx for {what}", "404: the made-up id names no resource")
    return _state_refusal(ex, f"2xx for {what}", accepting=True) or Verdict(
        "violation", f"2xx for {what}", ex.describe()
    )


def _rejected(ex: Exchange, what: str) -> Verdict:
    refusal = _state_refusal(ex, f"4xx for {what}", accepting=False)
    if refusal is not None:
        return refusal
    if 400 <= ex.status < 500:
        return PASS
    return Verdict("violation", f"4xx for {what}", ex.describe())


@check("baseline_accepted")
def baseline_accepted(ex: Exchange, case: str) -> Verdict:
    """A minimal valid request (required fields only) is accepted."""
    return _accepted(ex, f"a valid request ({case})")


@check("enum_values_accepted")
def enum_values_accepted(ex: Exchange, case: str) -> Verdict:
    """Every listed enum value of a request field is accepted."""
    return _accepted(ex, f"a listed enum value ({case})")


@check("enum_others_rejected")
def enum_others_rejected(ex: Exchange, case: str) -> Verdict:
    """Values outside an enum (another case, an unknown value) are rejected with a 4xx."""
    return _rejected(ex, f"a value outside the enum ({case})")


@check("invalid_input_rejected")
def invalid_input_rejected(ex: Exchange, case: str) -> Verdict:
    """A body or parameter that breaks the schema is rejected with a 4xx."""
    return _rejected(ex, f"an invalid request ({case})")


@check("boundary_edge_accepted")
def boundary_edge_accepted(ex: Exchange, case: str) -> Verdict:
    """A value exactly at a bound is accepted."""
    return _accepted(ex, f"a value at the bound ({case})")


@check("boundary_past_rejected")
def boundary_past_rejected(ex: Exchange, case: str) -> Verdict:
    """A value one step past a bound is rejected with a 4xx."""
    return _rejected(ex, f"a value one step past the bound ({case})")


@check("numeric_string_rejected")
def numeric_string_rejected(ex: Exchange, case: str) -> Verdict:
    """A numeric string where the schema says integer or number is rejected with a 4xx."""
    return _rejected(ex, f"a number sent as a string ({case})")


@check("fractional_integer_rejected")
def fractional_integer_rejected(ex: Exchange, case: str) -> Verdict:
    """A fractional number (1.5) where the schema says integer is rejected with a 4xx."""
    return _rejected(ex, f"a fraction for an integer ({case})")


@check("boolean_integer_rejected")
def boolean_integer_rejected(ex: Exchange, case: str) -> Verdict:
    """A boolean where the schema says integer or number is rejected with a 4xx."""
    return _rejected(ex, f"a boolean for a number ({case})")


@check("null_optional_rejected")
def null_optional_rejected(ex: Exchange, case: str) -> Verdict:
    """An explicit null on an optional property that is not nullable is rejected with a 4xx."""
    return _rejected(ex, f"null for a property that is not nullable ({case})")


@check("format_invalid_handled")
def format_invalid_handled(ex: Exchange, case: str) -> Verdict:
    """A string its format refuses (2024-02-30 for a date) is answered, not a 5xx: a 4xx, or a
    2xx (a format is an annotation unless a server asserts it, JSON Schema 2020-12 7.2)."""
    if ex.status < 500:
        return PASS
    return Verdict(
        "violation", f"a 4xx (or 2xx) for a value its format refuses ({case})", ex.describe()
    )


@check("enum_variants_rejected")
def enum_variants_rejected(ex: Exchange, case: str) -> Verdict:
    """Case variants (VALUE, Value, value) and padded forms of an enum value are rejected."""
    return _rejected(ex, f"a variant of a listed enum value ({case})")


@check("multibyte_length_accepted")
def multibyte_length_accepted(ex: Exchange, case: str) -> Verdict:
    """A string of multi-byte characters at a length bound is accepted (length is in characters)."""
    return _accepted(ex, f"a string whose length in characters is at the bound ({case})")


@check("blank_string_accepted")
def blank_string_accepted(ex: Exchange, case: str) -> Verdict:
    """A whitespace-only string the schema allows (length, pattern) is accepted."""
    return _accepted(ex, f"a whitespace-only string the schema allows ({case})")


# -- parameters -----------------------------------------------------------------------------------
@check("param_bound_accepted")
def param_bound_accepted(ex: Exchange, case: str) -> Verdict:
    """A query parameter exactly at its minimum or maximum is accepted."""
    return _accepted(ex, f"a parameter at its bound ({case})")


@check("param_past_bound_rejected")
def param_past_bound_rejected(ex: Exchange, case: str) -> Verdict:
    """A query or path parameter one step past its minimum or maximum is rejected with a 4xx."""
    return _rejected(ex, f"a parameter one step past its bound ({case})")


@check("param_type_rejected")
def param_type_rejected(ex: Exchange, case: str) -> Verdict:
    """A query or path parameter of the wrong type (text, a fraction or a boolean for an
    integer) is rejected with a 4xx."""
    return _rejected(ex, f"a parameter of the wrong type ({case})")


@check("param_enum_accepted")
def param_enum_accepted(ex: Exchange, case: str) -> Verdict:
    """Every listed value of an enum query parameter is accepted."""
    return _accepted(ex, f"a listed value of the parameter ({case})")


@check("param_enum_near_miss_rejected")
def param_enum_near_miss_rejected(ex: Exchange, case: str) -> Verdict:
    """A near-miss of an enum parameter's values (another case, padded, one past the listed
    numbers) is rejected with a 4xx."""
    return _rejected(ex, f"a near-miss of the listed values ({case})")


@check("page_past_end_accepted")
def page_past_end_accepted(ex: Exchange, case: str) -> Verdict:
    """An offset or page number past the last item is answered with a 2xx (an empty page);
    a 4xx is a spec gap (the spec sets no bound), a 5xx a violation."""
    if 200 <= ex.status < 300:
        return PASS
    if 400 <= ex.status < 500:
        return Verdict("gap", f"2xx for a page past the end ({case})", ex.describe())
    return Verdict("violation", f"2xx for a page past the end ({case})", ex.describe())


@check("wide_integer_handled")
def wide_integer_handled(ex: Exchange, case: str) -> Verdict:
    """An integer the schema leaves without a maximum, just past 32-bit storage (2**31), gets
    a 2xx; a 4xx is a spec gap (the server has a bound the spec does not state), a 5xx a
    violation."""
    if 200 <= ex.status < 300:
        return PASS
    if 400 <= ex.status < 500:
        return Verdict("gap", f"2xx for an integer past 32 bits ({case})", ex.describe())
    return Verdict("violation", f"2xx for an integer past 32 bits ({case})", ex.describe())


@check("pattern_newline_rejected")
def pattern_newline_rejected(ex: Exchange, case: str) -> Verdict:
    """A value matching a `$`-anchored pattern but for a trailing newline is rejected with a
    4xx (in ECMA-262, the dialect of JSON Schema, `$` does not match before a final newline)."""
    return _rejected(ex, f"a valid value with a trailing newline ({case})")


@check("undocumented_credential_refused")
def undocumented_credential_refused(ex: Exchange, case: str) -> Verdict:
    """The configured credential sent only where the spec does not document it for the
    operation (a query parameter, another scheme's header) does not authenticate: no 2xx."""
    if ex.status < 200 or ex.status >= 300:
        return PASS
    return Verdict("violation", f"401 or 403 for {case}", ex.describe())


@check("success_status_documented")
def success_status_documented(op: Operation, ex: Exchange, case: str) -> Verdict:
    """A valid request is answered with a 2xx the operation documents (not another 2xx)."""
    if not 200 <= ex.status < 300:
        return _accepted(ex, f"a valid request ({case})")
    statuses = [r.status.upper() for r in op.responses]
    if str(ex.status) in statuses or "2XX" in statuses:
        return PASS
    documented_2xx = ", ".join(s for s in statuses if s.startswith("2")) or "none"
    return Verdict("violation", f"a documented 2xx ({documented_2xx})", ex.describe())


@check("similar_key_refused")
def similar_key_refused(ex: Exchange, case: str) -> Verdict:
    """A wrong key of the right shape (the key with its last characters changed) gets 401/403."""
    if ex.status in (401, 403):
        return PASS
    return Verdict("violation", f"401 or 403 for {case}", ex.describe())


@check("auth_required")
def auth_required(ex: Exchange, case: str) -> Verdict:
    """A missing or malformed credential gets 401 or 403, never 2xx or 5xx."""
    if ex.status in (401, 403):
        return PASS
    return Verdict("violation", f"401 or 403 for {case}", ex.describe())


@check("deprecated_fallback")
def deprecated_fallback(deprecated: Exchange, replacement: Exchange, again: Exchange) -> Verdict:
    """A request using only the deprecated field is answered like one using its replacement."""
    if not 200 <= deprecated.status < 300:
        return Verdict(
            "violation", "2xx for a request using only the deprecated field", deprecated.describe()
        )
    if not 200 <= replacement.status < 300:
        return Verdict(
            "violation", "2xx for a request using the replacement", replacement.describe()
        )
    differences = _differences(deprecated, replacement, again)
    if differences:
        return Verdict(
            "violation",
            "the same answer as the equivalent request with the replacement",
            f"differs in {', '.join(differences)}: {deprecated.describe(200)}",
        )
    return PASS


@check("deprecated_conflict")
def deprecated_conflict(both: Exchange, replacement: Exchange, again: Exchange) -> Verdict:
    """Deprecated field and replacement together: never a 5xx; a 2xx answers like the replacement."""
    if both.status >= 500:
        return Verdict(
            "violation",
            "no 5xx when a deprecated field and its replacement are both given",
            both.describe(),
        )
    if 200 <= both.status < 300 and 200 <= replacement.status < 300:
        differences = _differences(both, replacement, again)
        if differences:
            return Verdict(
                "violation",
                "the replacement wins (answer as with the replacement alone)",
                f"differs in {', '.join(differences)}",
            )
    return PASS


def _differences(candidate: Exchange, reference: Exchange, again: Exchange) -> list[str]:
    """Top-level keys that differ, leaving out those that differ between two identical requests."""
    one, two, three = candidate.json(), reference.json(), again.json()
    if not isinstance(one, dict) or not isinstance(two, dict):
        return [] if one == two else ["the body"]
    volatile = {
        k
        for k in set(two) | set(three or {})
        if not isinstance(three, dict) or two.get(k) != three.get(k)
    }
    # instants differ between requests a second apart, however alike the requests are
    volatile |= {k for k in set(one) | set(two) if _TIME_NAMES.search(str(k))}
    return sorted(k for k in set(one) | set(two) if k not in volatile and one.get(k) != two.get(k))


# -- pagination ---------------------------------------------------------------------------------
@response_check("page_total_consistent")
def page_total_consistent(model: SpecModel, op: Operation, ex: Exchange) -> Verdict | None:
    """A first page that is the last one (it says no page follows, or holds fewer items than its
    size) is the whole list: the `total` it states counts its items (a filter included); no page
    holds more items than the total."""
    paging = op.pagination
    if paging is None or not 200 <= ex.status < 300:
        return None
    body = ex.json()
    items = at(body, paging.items)
    counted_at = total_path(paging, body)
    total = at(body, counted_at) if counted_at else None
    if not isinstance(items, list) or not isinstance(total, int) or isinstance(total, bool):
        return None
    if len(items) > total:
        return Verdict("violation", f"at most {total} items (the total)", f"{len(items)} items")
    short = _short_page(op, ex, body, len(items))
    if not _first_page(paging, ex.call.query) or not (short or _last_page(paging, ex, body)):
        return PASS
    if len(items) == total:
        return PASS
    return Verdict(
        "violation",
        f"total {len(items)}: the only page (no next one) holds {len(items)} items",
        f"total {total}",
    )


_POSITIONS = ("page", "offset", "cursor", "after", "starting_after", "page_token", "pageToken")


def _first_page(paging: Any, query: dict[str, Any]) -> bool:
    """Whether the request asked for the first page: no position, offset 0, the first page's
    number (no cursor)."""
    if paging.param:
        first = ("", "0") if paging.style == "offset" else ("", str(paging.start))
        return str(query.get(paging.param, "")) in first
    return all(str(query.get(name, "")) in _FIRST.get(name, ("",)) for name in _POSITIONS)


_FIRST = {"page": ("", "0", "1"), "offset": ("", "0")}


def _short_page(op: Operation, ex: Exchange, body: Any, count: int) -> bool:
    """Whether a numbered page holds fewer items than its size: the size stated beside the
    items, else the one asked for where the parameter's `maximum` allows it (a server may cap
    a size the spec leaves unbounded). Such a page is the last one."""
    paging = op.pagination
    if paging is None or paging.style == "cursor" or not paging.page_size:
        return False
    holder = at(body, paging.items[:-1]) if paging.items else None
    size = holder.get(paging.page_size) if isinstance(holder, dict) else None
    if size is None:
        asked = str(ex.call.query.get(paging.page_size, ""))
        param = next((f for f in op.parameters if f.name == paging.page_size), None)
        most = dict(param.bounds).get("maximum") if param else None
        size = asked if asked.isdigit() and isinstance(most, int) and int(asked) <= most else None
    return isinstance(size, (int, str)) and str(size).isdigit() and count < int(str(size))


def _last_page(paging: Any, ex: Exchange, body: Any) -> bool:
    """Whether the answer says no page follows: a Link header without `rel="next"`, `has_more`
    false, or an empty next cursor (False when it says nothing)."""
    link = ex.headers.get("link")
    if link is not None:
        return not re.search(r'rel="?next"?', link)
    if paging.has_more:
        return at(body, paging.has_more) is False
    if paging.cursor:
        return at(body, paging.cursor) in (None, "")
    return False


def _asked(page: Page) -> str:
    return ", ".join(f"{k}={v}" for k, v in page.request.items()) or "first page"


@check("page_size_within_limit")
def page_size_within_limit(plan: Pagination, pages: list[Page]) -> Verdict | None:
    """No page holds more items than the limit asked for."""
    if not plan.limit_param or not pages:
        return None
    for page in pages:
        limit = page.request.get(plan.limit_param)
        if isinstance(limit, int) and len(page.items) > limit:
            return Verdict(
                "violation",
                f"at most {limit} item(s) per page",
                f"{len(page.items)} item(s) for {_asked(page)}",
            )
    return PASS


@check("pagination_no_repeats")
def pagination_no_repeats(plan: Pagination, pages: list[Page]) -> Verdict | None:
    """Following the pages never gives an item twice nor a cursor already followed (so it
    terminates)."""
    if len(pages) < 2:
        return None
    seen: dict[str, int] = {}
    cursors: set[str] = set()
    for number, page in enumerate(pages, 1):
        cursor = page.request.get(plan.param) if plan.style == "cursor" else None
        if cursor is not None:
            if str(cursor) in cursors:
                return Verdict(
                    "violation",
                    "each next cursor new",
                    f"cursor {cursor!r} came back on page {number}",
                )
            cursors.add(str(cursor))
        for item in page.items:
            key = item_key(item)
            if key in seen:
                return Verdict(
                    "violation",
                    "every item on one page only",
                    f"{key[:80]} on page {seen[key]} and again on page {number} ({_asked(page)})",
                )
            seen[key] = number
    return PASS


@check("pagination_end_consistent")
def pagination_end_consistent(plan: Pagination, pages: list[Page]) -> Verdict | None:
    """has_more (or a next cursor) is false or absent on the last page: a page promising more
    has a next cursor, and the page it leads to is not empty."""
    if not pages or not (plan.has_more or plan.next_field):
        return None
    for number, page in enumerate(pages, 1):
        missing = page.next_cursor in (None, "")
        if page.has_more and plan.style == "cursor" and plan.next_field and missing:
            return Verdict(
                "violation",
                f"{plan.next_field} on a page with {plan.has_more}=true",
                f"page {number} ({_asked(page)}): {plan.has_more}=true, "
                f"{plan.next_field}={page.next_cursor!r}",
            )
        promised = page.has_more or (plan.style == "cursor" and page.next_cursor not in (None, ""))
        if promised and number < len(pages) and not pages[number].items and page.items:
            field = plan.has_more or plan.next_field
            return Verdict(
                "violation",
                f"{field} false or absent on the last page",
                f"page {number} ({_asked(page)}) promised more; page {number + 1} is empty",
            )
    return PASS


# -- lifecycle ----------------------------------------------------------------------------------
@check("lifecycle_retrievable")
def lifecycle_retrievable(created: Exchange, retrieved: Exchange) -> Verdict:
    """A created job can be retrieved by its id."""
    if 200 <= retrieved.status < 300:
        return PASS
    return Verdict("violation", "2xx when retrieving a job just created", retrieved.describe())


@check("lifecycle_status_forward")
def lifecycle_status_forward(poller: Poller, statuses: list[str]) -> Verdict:
    """A job's status only moves forward: pending states, then one terminal state that stays."""
    rank = {state: 0 for state in poller.pending} | {state: 1 for state in poller.terminal}
    for before, after in itertools.pairwise(statuses):
        if rank.get(after, 0) < rank.get(before, 0) or (rank.get(before) == 1 and after != before):
            return Verdict(
                "violation",
                f"status never moves back (pending {list(poller.pending)} -> "
                f"terminal {list(poller.terminal)})",
                " -> ".join(statuses),
            )
    return PASS


@check("lifecycle_completed_outputs")
def lifecycle_completed_outputs(
    model: SpecModel, poller: Poller, schema_pointer: str, body: Any, done_state: str
) -> Verdict | None:
    """A completed job carries its outputs."""
    if not isinstance(body, dict) or body.get(poller.status_field) != done_state:
        return None
    needed = completion_fields(model.schema_at(schema_pointer))
    missing = [name for name in needed if body.get(name) in (None, {}, [])]
    if missing:
        return Verdict(
            "violation",
            f"a {done_state} job has {', '.join(needed)}",
            f"missing {', '.join(missing)}",
        )
    return PASS


@check("lifecycle_unknown_id")
def lifecycle_unknown_id(ex: Exchange) -> Verdict:
    """Retrieving an id that was never created gets 404 (or another 4xx)."""
    if ex.status == 404:
        return PASS
    if 400 <= ex.status < 500:
        return Verdict("gap", "404 for an unknown id", ex.describe())
    return Verdict("violation", "404 for an unknown id", ex.describe())


# -- transport ----------------------------------------------------------------------------------
@check("no_transport_error")
def no_transport_error(error: httpx.HTTPError) -> Verdict:
    """Every request gets an HTTP answer (no refused connection, timeout or broken reply)."""
    return Verdict("violation", "an HTTP response", f"{type(error).__name__}: {error}")


def _errors(errors: list[Any], limit: int = 3) -> str:
    parts = []
    for error in errors[:limit]:
        pointer = "".join(f"/{p}" for p in error.instance_path) or "/"
        rule = str(error.schema_path[-1]) if error.schema_path else "schema"
        parts.append(f"{pointer}: [{rule}] {scrub(error.message)[:160]}")
    more = f" (+{len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(parts) + more


# -- resources a client creates, replaces and deletes ---------------------------------------------
@check("created_resource_readable")
def created_resource_readable(ex: Exchange, case: str) -> Verdict:
    """A resource a create answered with can be read at its own path."""
    if 200 <= ex.status < 300:
        return PASS
    return Verdict("violation", f"2xx for {case}", ex.describe())


@check("deleted_resource_gone")
def deleted_resource_gone(ex: Exchange, case: str) -> Verdict:
    """After a DELETE was answered with a 2xx, reading the resource gets 404 or 410."""
    if ex.status in (404, 410):
        return PASS
    if 200 <= ex.status < 300:
        return Verdict("violation", f"404 or 410 for {case}", ex.describe())
    return Verdict("skip", f"404 or 410 for {case}", ex.describe())


@check("stale_tag_refused")
def stale_tag_refused(ex: Exchange, case: str) -> Verdict:
    """A request whose If-Match names no current entity tag of the resource gets 412
    (RFC 9110 13.1.1), never a 2xx."""
    if ex.status == 412:
        return PASS
    if 200 <= ex.status < 300:
        return Verdict("violation", f"412 for {case}", ex.describe())
    return Verdict("skip", f"412 for {case}", ex.describe())


@check("precondition_required")
def precondition_required(ex: Exchange, case: str) -> Verdict:
    """A request without the If-Match header the operation requires is refused (428, RFC 6585)."""
    if 400 <= ex.status < 500:
        return PASS  # 428 is the answer made for it (not the state refusal `_rejected` skips)
    return Verdict("violation", f"4xx for {case}", ex.describe())


@check("entity_tag_changes")
def entity_tag_changes(before: str, after: str, case: str) -> Verdict:
    """A replace that changed the resource gives it a new entity tag (RFC 9110 8.8.3)."""
    if before and after and before == after:
        return Verdict("violation", f"a new entity tag after {case}", f"ETag still {after}")
    return PASS


@check("replace_forgets_omitted")
def replace_forgets_omitted(field: str, sent: Any, read: Any, case: str) -> Verdict:
    """A PUT replaces the resource with what it carries (RFC 9110 9.3.4): an optional property it
    leaves out does not keep the value an earlier request gave it."""
    if isinstance(read, dict) and read.get(field) == sent:
        return Verdict(
            "violation", f"{field} not {sent!r} after {case}", f"{field} still {read.get(field)!r}"
        )
    return PASS
