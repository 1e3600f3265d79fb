"""Fault switches of the mock server: each breaks one promise of the spec on purpose.

Every fault is one `Fault` entry of `FAULTS`, with what it does written next to it as hooks
for the stage of a request it acts at (in the order the handler reaches them):

1. `on_arrival(request_number, n)`: every request, before routing (throttles);
2. `skips_auth`: credentials are not checked; `accepts_key(expected, given) -> bool`: a key
   other than the mock's `--api-key` is accepted when a hook says so;
3. `on_input(body + query)`: once the body is read;
4. `skips_validation`: parameters and bodies are not validated;
5. `on_field(rule, value) -> value`: each top-level body property, before validation (returns
   the value the mock goes on with, or `DROP` to leave the property out);
6. `drops_deprecated`, `on_conflict(name)`: deprecated fields and their replacements;
7. `finds_unknown_ids`, `on_retrieve(job, finished) -> finished`, `on_completed(job, body)`:
   job resources;
8. `on_answer(plan, answer)`: the success answer (status, content type, JSON body; the
   request's body is `answer.request`).

A hook refuses the request by raising `Refusal`; the handler shapes it like its other errors.
When several faults act at one stage, their hooks run in the order of `FAULTS`. The latency
fault has no hook here: the ASGI app (`specforge.conformance.mock.app.MockApp`) delays every
answer by its value.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from specforge.document.errors import ConfigError

SECONDS_2024 = 1704067200  # 2024-01-01T00:00:00Z

if TYPE_CHECKING:
    from specforge.conformance.mock.jobs import Job
    from specforge.conformance.mock.plan import FieldRule, JobPlan, OperationPlan

FaultName = Literal[
    "missing-required-field",
    "wrong-type",
    "unlisted-enum-value",
    "undocumented-content-type",
    "undocumented-status",
    "server-error-on-input",
    "no-auth-check",
    "accept-invalid-body",
    "reject-valid-enum-value",
    "accept-enum-other-case",
    "ignore-deprecated-field",
    "deprecated-conflict-500",
    "boundary-edge-rejected",
    "boundary-off-by-one",
    "status-regression",
    "missing-outputs-on-completed",
    "unknown-id-found",
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
    "latency",
    "rate-limit",
    "unavailable",
]
UNLISTED = "unlisted_value"
DROP = object()
"""What an `on_field` hook returns to leave the property out of the body."""
_WRONG = {
    "string": 12345,
    "integer": "not-an-integer",
    "number": "not-a-number",
    "boolean": "yes",
    "array": "not-an-array",
    "object": "not-an-object",
}


class Refusal(Exception):
    """What a hook raises to answer an error instead (`retry`: with a `Retry-After` header)."""

    def __init__(
        self, status: int, message: str, kind: str, *, retry: bool = False, **details: str
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.retry = retry
        self.details = details


@dataclass
class Answer:
    """A success answer on its way out: the `on_answer` hooks may change any part of it."""

    status: int
    content_type: str
    body: dict[str, Any]
    request: Any = None  # the request's JSON body (None when it had none)


ArrivalHook = Callable[[int, int], None]
InputHook = Callable[[bytes], None]
FieldHook = Callable[["FieldRule", Any], Any]
ConflictHook = Callable[[str], None]
RetrieveHook = Callable[["Job", bool], bool]
CompletedHook = Callable[["JobPlan", dict[str, Any]], None]
AnswerHook = Callable[["OperationPlan", Answer], None]
KeyHook = Callable[[str, str], bool]


@dataclass(frozen=True, kw_only=True)
class Fault:
    """A fault: what it does, the check that must catch it, its default N, and its hooks."""

    name: FaultName
    description: str
    detected_by: str = ""  # the check meant to catch it ("" for faults a client must survive)
    default: int = 0  # N of `name=N` when not given (0: the fault takes no value)
    on_arrival: ArrivalHook | None = None
    skips_auth: bool = False
    accepts_key: KeyHook | None = None
    on_input: InputHook | None = None
    skips_validation: bool = False
    on_field: FieldHook | None = None
    drops_deprecated: bool = False
    on_conflict: ConflictHook | None = None
    finds_unknown_ids: bool = False
    on_retrieve: RetrieveHook | None = None
    on_completed: CompletedHook | None = None
    on_answer: AnswerHook | None = None


# -- the hooks -------------------------------------------------------------------------------------
def _drop_required_property(plan: OperationPlan, answer: Answer) -> None:
    id_field = plan.job.poller.id_field if plan.job else "id"
    candidates = [name for name in plan.response_required if name != id_field]
    if candidates:
        answer.body.pop(candidates[-1], None)


def _wrong_type(plan: OperationPlan, answer: Answer) -> None:
    id_field = plan.job.poller.id_field if plan.job else "id"
    typed = [(n, t) for n, t in plan.response_typed if n != id_field and n in answer.body]
    if typed:
        name, kind = next(
            ((n, t) for n, t in typed if t in ("number", "integer", "boolean")), typed[0]
        )
        answer.body[name] = _WRONG[kind]


def _unlisted_enum_value(plan: OperationPlan, answer: Answer) -> None:
    if plan.response_enums:
        answer.body[plan.response_enums[0]] = UNLISTED


def _text_plain(plan: OperationPlan, answer: Answer) -> None:
    answer.content_type = "text/plain"


def _another_success(plan: OperationPlan, answer: Answer) -> None:
    answer.status = 202 if answer.status != 202 else 200


def _server_error_on_input(raw: bytes) -> None:
    if zlib.crc32(raw) % 3 == 0:
        raise Refusal(500, "internal error (fault: server-error-on-input)", "server_error")


def _refuse_last_enum_value(rule: FieldRule, value: Any) -> Any:
    if rule.enum and isinstance(value, str) and value == rule.enum[-1]:
        raise Refusal(
            400,
            f"{rule.name}: {value!r} is not supported",
            "invalid_request_error",
            param=rule.name,
            rule="enum",
        )
    return value


def _enum_any_case(rule: FieldRule, value: Any) -> Any:
    if rule.enum and isinstance(value, str):
        return next(
            (e for e in rule.enum if isinstance(e, str) and e.lower() == value.lower()), value
        )
    return value


def _measure(value: Any, bounds: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """(what the bounds measure, lower bound, upper bound) for a number, string or array."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value, bounds.get("minimum"), bounds.get("maximum")
    if isinstance(value, (str, list)):
        return (
            len(value),
            bounds.get("minLength", bounds.get("minItems")),
            bounds.get("maxLength", bounds.get("maxItems")),
        )
    return None


def _refuse_the_edge(rule: FieldRule, value: Any) -> Any:
    found = _measure(value, rule.bounds) if rule.bounds else None
    if found is not None and found[0] in (found[1], found[2]):
        raise Refusal(
            400,
            f"{rule.name}: {found[0]} is out of range",
            "invalid_request_error",
            param=rule.name,
            rule="range",
        )
    return value


def _accept_one_past(rule: FieldRule, value: Any) -> Any:
    """A value one step past a bound, clamped to the bound (so it is accepted)."""
    found = _measure(value, rule.bounds) if rule.bounds else None
    if found is None:
        return value
    measure, low, high = found
    if high is not None and measure == high + 1:
        return high if isinstance(value, (int, float)) else value[:high]
    if low is not None and measure == low - 1:
        if isinstance(value, (int, float)):
            return low
        return value + "x" * low if isinstance(value, str) else value
    return value


def _numbers_only(rule: FieldRule) -> bool:
    kinds = set(rule.kinds)
    return bool(kinds & {"integer", "number"}) and not kinds & {"string", "boolean"}


def _coerce_numeric_string(rule: FieldRule, value: Any) -> Any:
    if isinstance(value, str) and _numbers_only(rule):
        for kind in (int, float):
            try:
                return kind(value.strip())
            except ValueError:
                continue
    return value


def _truncate_fraction(rule: FieldRule, value: Any) -> Any:
    if (
        isinstance(value, float)
        and not value.is_integer()
        and "integer" in rule.kinds
        and "number" not in rule.kinds
    ):
        return int(value)
    return value


def _boolean_as_integer(rule: FieldRule, value: Any) -> Any:
    if isinstance(value, bool) and _numbers_only(rule):
        return int(value)
    return value


def _drop_null_optional(rule: FieldRule, value: Any) -> Any:
    if value is None and not rule.required and "null" not in rule.kinds:
        return DROP
    return value


def _enum_variant(rule: FieldRule, value: Any) -> Any:
    """Padded and capitalized forms (" value ", "Value") match the listed value."""
    if not rule.enum or not isinstance(value, str) or value in rule.enum:
        return value
    bare = value.strip()
    return next((e for e in rule.enum if isinstance(e, str) and bare in (e, e.capitalize())), value)


def _length_in_bytes(rule: FieldRule, value: Any) -> Any:
    high = rule.bounds.get("maxLength")
    if isinstance(value, str) and isinstance(high, int) and len(value.encode()) > high:
        raise Refusal(
            400,
            f"{rule.name}: longer than {high}",
            "invalid_request_error",
            param=rule.name,
            rule="maxLength",
        )
    return value


def _refuse_blank(rule: FieldRule, value: Any) -> Any:
    if isinstance(value, str) and value and not value.strip():
        raise Refusal(
            400, f"{rule.name}: must not be blank", "invalid_request_error", param=rule.name
        )
    return value


def _narrow_storage(rule: FieldRule, value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**31) <= value < 2**31:
        raise Refusal(500, "internal error (fault: wide-integer-500)", "server_error")
    return value


def _shape(key: str) -> list[str]:
    return ["d" if c.isdigit() else "l" if c.islower() else "u" if c.isupper() else c for c in key]


def _similar_key(expected: str, given: str) -> bool:
    """A key of the same length and character classes as the expected one."""
    return _shape(expected) == _shape(given)


def _undocumented_success(plan: OperationPlan, answer: Answer) -> None:
    """Requests carrying the body's last optional property get another 2xx (200 <-> 201)."""
    fields = plan.op.body.properties if plan.op.body else ()
    optional = [f.name for f in fields if not f.required and not f.deprecated]
    if optional and isinstance(answer.request, dict) and optional[-1] in answer.request:
        answer.status = 201 if answer.status == 200 else 200


def _milliseconds(plan: OperationPlan, answer: Answer) -> None:
    for name, unit in plan.response_times:
        value = answer.body.get(name)
        if unit == "s" and isinstance(value, (int, float)) and not isinstance(value, bool):
            answer.body[name] = value * 1000
        elif unit == "date-time" and isinstance(value, str):
            answer.body[name] = str(SECONDS_2024 * 1000)


def _conflict_500(name: str) -> None:
    raise Refusal(500, "internal error (fault: deprecated-conflict-500)", "server_error")


def _regress(job: Job, finished: bool) -> bool:
    """A job already reported finished starts over (its status goes back to pending)."""
    if finished and job.reported_done:
        job.reported_done = False
        job.retrieves = 0
        return False
    return finished


def _drop_outputs(job: JobPlan, body: dict[str, Any]) -> None:
    for name in set(job.done) - set(job.pending):
        body.pop(name, None)


def _every_nth(name: FaultName, status: int, kind: str) -> ArrivalHook:
    def refuse(request_number: int, every: int) -> None:
        if request_number % every == 0:
            raise Refusal(status, f"try again later (fault: {name})", kind, retry=True)

    return refuse


# -- the registry ----------------------------------------------------------------------------------
_FAULTS = (
    Fault(
        name="missing-required-field",
        description="responses omit a required property",
        detected_by="response_schema",
        on_answer=_drop_required_property,
    ),
    Fault(
        name="wrong-type",
        description="a response property has the wrong JSON type",
        detected_by="response_schema",
        on_answer=_wrong_type,
    ),
    Fault(
        name="unlisted-enum-value",
        description="a response enum property carries a value the spec does not list",
        detected_by="response_enum_values",
        on_answer=_unlisted_enum_value,
    ),
    Fault(
        name="undocumented-content-type",
        description="JSON responses are sent as text/plain",
        detected_by="response_content_type",
        on_answer=_text_plain,
    ),
    Fault(
        name="undocumented-status",
        description="successes answer 202 where the spec documents another 2xx",
        detected_by="status_code_documented",
        on_answer=_another_success,
    ),
    Fault(
        name="server-error-on-input",
        description="about one request in three answers 500 (chosen by a hash of the input)",
        detected_by="no_server_error",
        on_input=_server_error_on_input,
    ),
    Fault(
        name="no-auth-check",
        description="credentials are not checked",
        detected_by="auth_required",
        skips_auth=True,
    ),
    Fault(
        name="accept-invalid-body",
        description="bodies and parameters are not validated (2xx for bad input)",
        detected_by="invalid_input_rejected",
        skips_validation=True,
    ),
    Fault(
        name="reject-valid-enum-value",
        description="the last listed value of each request enum is refused",
        detected_by="enum_values_accepted",
        on_field=_refuse_last_enum_value,
    ),
    Fault(
        name="accept-enum-other-case",
        description="request enums are matched case-insensitively",
        detected_by="enum_others_rejected",
        on_field=_enum_any_case,
    ),
    Fault(
        name="ignore-deprecated-field",
        description="deprecated fields are dropped instead of used as their replacement",
        detected_by="deprecated_fallback",
        drops_deprecated=True,
    ),
    Fault(
        name="deprecated-conflict-500",
        description="a deprecated field given with its replacement answers 500",
        detected_by="deprecated_conflict",
        on_conflict=_conflict_500,
    ),
    Fault(
        name="boundary-edge-rejected",
        description="bounds are one step tighter (the edge itself is refused)",
        detected_by="boundary_edge_accepted",
        on_field=_refuse_the_edge,
    ),
    Fault(
        name="boundary-off-by-one",
        description="bounds are one step looser (one past the edge is accepted)",
        detected_by="boundary_past_rejected",
        on_field=_accept_one_past,
    ),
    Fault(
        name="status-regression",
        description="a completed job goes back to its pending state on the next retrieve",
        detected_by="lifecycle_status_forward",
        on_retrieve=_regress,
    ),
    Fault(
        name="missing-outputs-on-completed",
        description="completed jobs lack their outputs",
        detected_by="lifecycle_completed_outputs",
        on_completed=_drop_outputs,
    ),
    Fault(
        name="unknown-id-found",
        description="retrieving an unknown id answers 2xx",
        detected_by="lifecycle_unknown_id",
        finds_unknown_ids=True,
    ),
    Fault(
        name="numeric-string-coerced",
        description='numeric strings ("12") are accepted for integer and number properties',
        detected_by="numeric_string_rejected",
        on_field=_coerce_numeric_string,
    ),
    Fault(
        name="fraction-truncated",
        description="fractions (1.5) are accepted for integer properties (truncated)",
        detected_by="fractional_integer_rejected",
        on_field=_truncate_fraction,
    ),
    Fault(
        name="boolean-as-integer",
        description="booleans are accepted for integer and number properties (as 1 and 0)",
        detected_by="boolean_integer_rejected",
        on_field=_boolean_as_integer,
    ),
    Fault(
        name="null-optional-accepted",
        description="an explicit null on an optional, non-nullable property is accepted",
        detected_by="null_optional_rejected",
        on_field=_drop_null_optional,
    ),
    Fault(
        name="enum-variant-accepted",
        description='request enums accept padded and capitalized forms (" value ", "Value")',
        detected_by="enum_variants_rejected",
        on_field=_enum_variant,
    ),
    Fault(
        name="length-in-bytes",
        description="maxLength is counted in UTF-8 bytes instead of characters",
        detected_by="multibyte_length_accepted",
        on_field=_length_in_bytes,
    ),
    Fault(
        name="blank-string-rejected",
        description="whitespace-only strings are refused where the schema allows them",
        detected_by="blank_string_accepted",
        on_field=_refuse_blank,
    ),
    Fault(
        name="wide-integer-500",
        description="integers past 32 bits get 500 (stored in a 32-bit column)",
        detected_by="wide_integer_handled",
        on_field=_narrow_storage,
    ),
    Fault(
        name="similar-key-accepted",
        description="with --api-key, any key of its length and character classes is accepted",
        detected_by="similar_key_refused",
        accepts_key=_similar_key,
    ),
    Fault(
        name="undocumented-success-status",
        description="a body with its last optional (not deprecated) property gets another 2xx",
        detected_by="success_status_documented",
        on_answer=_undocumented_success,
    ),
    Fault(
        name="timestamps-in-milliseconds",
        description="Unix-seconds properties are sent in milliseconds, date-times as a count",
        detected_by="timestamps_plausible",
        on_answer=_milliseconds,
    ),
    Fault(
        name="latency",
        description="every response is delayed by N milliseconds (default 200)",
        default=200,
    ),
    Fault(
        name="rate-limit",
        description="every Nth request (default 3) answers 429 with Retry-After",
        default=3,
        on_arrival=_every_nth("rate-limit", 429, "rate_limit"),
    ),
    Fault(
        name="unavailable",
        description="every Nth request (default 4) answers 503 with Retry-After",
        default=4,
        on_arrival=_every_nth("unavailable", 503, "unavailable"),
    ),
)
FAULTS: dict[str, Fault] = {fault.name: fault for fault in _FAULTS}
if list(FAULTS) != list(get_args(FaultName)) or len(FAULTS) != len(_FAULTS):
    raise RuntimeError("FAULTS and FaultName disagree")  # pragma: no cover


@dataclass(frozen=True)
class Faults:
    """The active fault switches, with their numeric settings."""

    active: frozenset[str] = frozenset()
    values: dict[str, int] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.active

    def value(self, name: FaultName) -> int:
        return self.values.get(name, FAULTS[name].default)

    def selected(self) -> list[Fault]:
        """The active faults, in the order of `FAULTS` (the order their hooks run in)."""
        return [fault for name, fault in FAULTS.items() if name in self.active]

    def as_args(self) -> list[str]:
        """The `--fault` arguments that recreate this set."""
        args: list[str] = []
        for name in sorted(self.active):
            suffix = f"={self.values[name]}" if name in self.values else ""
            args += ["--fault", name + suffix]
        return args


def parse_faults(specs: list[str] | None) -> Faults:
    """`["rate-limit=5", "wrong-type"]` -> Faults; unknown names are a ConfigError."""
    active: set[str] = set()
    values: dict[str, int] = {}
    for spec in specs or []:
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            name, _, raw = item.partition("=")
            if name not in FAULTS:
                raise ConfigError(f"unknown fault {name!r}; accepted: {', '.join(FAULTS)}")
            if raw:
                if not raw.isdigit() or int(raw) < 1:
                    raise ConfigError(f"fault {name}={raw!r}: the value must be a positive integer")
                if not FAULTS[name].default:
                    raise ConfigError(f"fault {name} takes no value")
                values[name] = int(raw)
            active.add(name)
    return Faults(frozenset(active), values)
