"""Requests derived from the spec: a valid baseline and its enum, bound, deprecation and auth variants."""

from __future__ import annotations

import copy
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from specforge.conformance import checks
from specforge.conformance.auth import Credential, Placement
from specforge.conformance.http import UNSAFE, Call
from specforge.conformance.model import Param, SpecModel
from specforge.conformance.patterns import anchored_at_end, pattern_value
from specforge.document.schemas import bounds_of, enum_of, json_types
from specforge.generator.ir import Field, Operation

_WRONG = {
    "string": 12345,
    "integer": "not-an-integer",
    "number": "not-a-number",
    "boolean": "not-a-boolean",
    "array": {"not": "an array"},
    "object": ["not", "an", "object"],
}
_PARAM = re.compile(r"\{([^{}/]+)\}")
URLENCODED = "application/x-www-form-urlencoded"


_ONCE = re.compile(r"idempotency|request-?id|nonce", re.IGNORECASE)
_SERIAL = itertools.count(1)


def _fresh(headers: dict[str, str]) -> dict[str, str]:
    """Required headers, those that name one request (an `Idempotency-Key`) new for each call:
    a server replays the first answer to a key it has seen."""
    return {
        name: f"{value}-{next(_SERIAL)}" if _ONCE.search(name) else value
        for name, value in headers.items()
    }


def body_kind(content_type: str) -> str:
    """How the suite encodes a body of this media type: "json", "form" or "" (not built)."""
    media = content_type.partition(";")[0].strip().lower()
    if "json" in media:
        return "json"
    if media == URLENCODED:
        return "form"
    if media == MULTIPART:
        return "multipart"
    return ""


MULTIPART = "multipart/form-data"
BOUNDARY = "specforge-part-5b1f0c7e"


def encode_multipart(body: Any, files: frozenset[str]) -> bytes:
    """A multipart/form-data body: each property a part (lists as repeated parts, null left
    out), those of `files` as file parts (`<name>.bin`, application/octet-stream)."""
    chunks: list[bytes] = []
    for name, value in (body or {}).items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            text = form_text(item).encode("utf-8")
            head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"'
            if name in files:
                head += f'; filename="{name}.bin"\r\nContent-Type: application/octet-stream'
            chunks.append(head.encode("utf-8") + b"\r\n\r\n" + text + b"\r\n")
    return b"".join(chunks) + f"--{BOUNDARY}--\r\n".encode()


def form_text(value: Any) -> str:
    """A form field's text for a JSON value (booleans as true/false, objects as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def encode_form(body: Any) -> bytes:
    """A urlencoded body: each property a field (lists as repeated fields, null left out)."""
    pairs: list[tuple[str, str]] = []
    for name, value in (body or {}).items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.append((str(name), form_text(item)))
    return urlencode(pairs).encode()


@dataclass
class Case:
    """A named request variant and the check that judges its answer."""

    check: checks.RequestCheck
    name: str
    call: Call


@dataclass
class Baseline:
    """The minimal valid request of an operation (without credentials)."""

    op: Operation
    path_params: dict[str, str]
    query: dict[str, Any]
    body: Any
    content_type: str
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    placeholder: bool = True  # the path parameters are not ids the run has seen
    documented_ids: bool = False  # every path parameter is the spec's own example
    files: frozenset[str] = frozenset()  # the multipart properties sent as file parts

    @property
    def positive(self) -> bool:
        """Whether requests that must be accepted can be judged: no path parameter, or only
        ones the spec documents or the run has seen, and a documented 2xx."""
        ids_known = not self.path_params or self.documented_ids or not self.placeholder
        return ids_known and self.op.success is not None

    def call(
        self,
        auth: Placement,
        *,
        body: Any = None,
        query: dict[str, Any] | None = None,
        use_body: bool = True,
        paid: bool | None = None,
        path_params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Call:
        path = _PARAM.sub(
            lambda m: quote(
                str({**self.path_params, **(path_params or {})}.get(m.group(1), "x")), safe=""
            ),
            self.op.full_path,
        )
        headers = {**_fresh(self.headers), **(headers or {}), **auth.all_headers()}
        payload = self.body if body is None else body
        kind = body_kind(self.content_type)
        form = kind in ("form", "multipart")
        content: bytes | None = None
        if use_body and payload is not None:
            headers["Content-Type"] = self.content_type
            if kind == "multipart":
                headers["Content-Type"] = f"{MULTIPART}; boundary={BOUNDARY}"
                content = encode_multipart(payload, self.files)
            elif kind == "form":
                content = encode_form(payload)
        return Call(
            self.op.method,
            path,
            query={**(self.query if query is None else query), **auth.query},
            headers=headers,
            json_body=payload if use_body and not form else None,
            content=content,
            paid=self.op.method in UNSAFE if paid is None else paid,
            placeholder=bool(self.path_params) and self.placeholder,
        )

    @property
    def form(self) -> bool:
        """Whether the body is a form, urlencoded or multipart (every value travels as text)."""
        return body_kind(self.content_type) in ("form", "multipart")


def baseline(model: SpecModel, op: Operation) -> Baseline | None:
    """The operation's minimal valid request, or None when it cannot be built (a body neither
    JSON nor urlencoded, or no valid body found)."""
    path_params: dict[str, str] = {}
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    documented = True
    for param in model.params(op):
        if param.location == "path":
            path_params[param.name] = str(_scalar(param_value(model, param)))
            documented = documented and param.example is not None
        elif param.location == "query" and param.required:
            query[param.name] = _scalar(param_value(model, param))
        elif param.location == "header" and param.required:
            headers[param.name] = str(_scalar(param_value(model, param)))
    body: Any = None
    content_type = ""
    if op.body:
        if not body_kind(op.body.content_type):
            return None
        content_type = op.body.content_type
        pointer = model.body_pointer(op)
        body = model.example(pointer, full=False) if pointer else {}
        if pointer:
            body = fit_patterns(model, model.schema_at(pointer), body)
        if pointer and not model.request_validator(pointer).is_valid(body):
            body = smallest_body(model, pointer, body)
            if body is None:
                return None
    files = frozenset(file_properties(model, model.body_pointer(op))) if op.body else frozenset()
    return Baseline(
        op,
        path_params,
        query,
        body,
        content_type,
        headers=headers,
        documented_ids=documented,
        files=files,
    )


def file_properties(model: SpecModel, pointer: str) -> list[str]:
    """The body properties that hold file content (`format: binary`, `contentMediaType`, or
    arrays of them)."""
    schema = model.schema_at(pointer) if pointer else {}
    found = []
    for name, prop in (schema.get("properties") or {}).items():
        prop = model.resolve(prop)
        if isinstance(prop, dict) and "array" in json_types(prop):
            prop = model.resolve(prop.get("items") or {})
        if isinstance(prop, dict) and (
            prop.get("format") == "binary" or "contentMediaType" in prop
        ):
            found.append(str(name))
    return found


def param_value(model: SpecModel, param: Param) -> Any:
    """A valid value for a parameter: its own example, its schema's, or one built from the
    schema (a string fitted to its `pattern`)."""
    schema = param.schema
    if param.example is not None and (not schema or model.accepts(schema, param.example)):
        return param.example
    value = model.example(param.schema_pointer) if param.schema_pointer else "x"
    return fit_patterns(model, schema, value)


def fit_patterns(model: SpecModel, schema: Any, value: Any, depth: int = 0) -> Any:
    """`value` with strings that break their schema's `pattern` replaced by the simplest
    string that matches it (where one is found)."""
    schema = model.resolve(schema)
    if not isinstance(schema, dict) or depth > 16:
        return value
    pattern = schema.get("pattern")
    if isinstance(value, str) and isinstance(pattern, str):
        try:
            if re.search(pattern, value):
                return value
        except re.error:
            return value
        fitted = pattern_value(pattern)
        return fitted if fitted is not None and model.accepts(schema, fitted) else value
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [fit_patterns(model, schema["items"], item, depth + 1) for item in value]
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        return {
            k: fit_patterns(model, properties[k], v, depth + 1) if k in properties else v
            for k, v in value.items()
        }
    return value


def smallest_body(model: SpecModel, pointer: str, body: Any) -> Any:
    """The smallest valid body from the required-only one: one more property of the full
    example (documented examples first) at a time, for schemas such as an all-optional
    `minProperties: 1` patch; the full example last; None when nothing is valid."""
    validator = model.request_validator(pointer)
    full = model.example(pointer, full=True)
    if not isinstance(body, dict) or not isinstance(full, dict):
        return full if validator.is_valid(full) else None
    for name, value in full.items():
        if name in body:
            continue
        candidate = {**body, name: value}
        if validator.is_valid(candidate):
            return candidate
    return full if validator.is_valid(full) else None


def enum_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[Case]:
    """Each listed value accepted; another case and an unknown value rejected."""
    cases = []
    for slot in body_slots(model, base):
        values = [v for v in slot.enum(model) if v is not None]
        for value in values:
            cases.append(
                Case(
                    checks.enum_values_accepted,
                    f"{slot.name}={value!r}",
                    base.call(auth, body=slot.put(base.body, value)),
                )
            )
        strings = [v for v in values if isinstance(v, str)]
        if not strings:
            continue
        others = {strings[0].swapcase(), "UNLISTED_" + strings[0].upper()}
        others.discard(strings[0])
        for other in sorted(o for o in others if o not in values):
            cases.append(
                Case(
                    checks.enum_others_rejected,
                    f"{slot.name}={other!r}",
                    base.call(auth, body=slot.put(base.body, other), paid=False),
                )
            )
    return cases


def boundary_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[Case]:
    """For each bound: the edge (accepted) and one step past it (rejected)."""
    cases = []
    pointer = model.body_pointer(base.op)
    validator = model.request_validator(pointer) if pointer else None
    for slot in body_slots(model, base):
        bounds = dict(slot.bounds(model))
        kinds = json_types(slot.resolved(model))
        for key, edge, past in _edges(bounds, kinds):
            example = slot.resolved(model)
            for check, size in (
                (checks.boundary_edge_accepted, edge),
                (checks.boundary_past_rejected, past),
            ):
                value = _sized(key, size, example, model)
                if value is None:
                    continue
                accepted = check is checks.boundary_edge_accepted
                body = slot.put(base.body, value)
                if validator is not None and validator.is_valid(body) != accepted:
                    continue  # another keyword (uniqueItems, a pattern) decides it
                label = f"{slot.name} {key}={bounds[key]}: {_short(value)}"
                cases.append(
                    Case(
                        check,
                        label,
                        base.call(
                            auth,
                            body=body,
                            paid=check is checks.boundary_edge_accepted,
                        ),
                    )
                )
    return cases


def invalid_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[Case]:
    """Bodies that break the schema: a required property missing, a property of the wrong type."""
    cases: list[Case] = []
    if not isinstance(base.body, dict):
        return cases
    for slot in body_slots(model, base):
        if slot.required:
            body = slot.put(base.body, DROPPED)
            cases.append(
                Case(
                    checks.invalid_input_rejected,
                    f"required {slot.name} missing",
                    base.call(auth, body=body, paid=False),
                )
            )
        kinds = json_types(slot.resolved(model))
        if base.form and kinds[:1] != ["integer"] and kinds[:1] != ["number"]:
            continue  # in a form every value is text: only numbers can have the wrong type
        if len(kinds) == 1 and kinds[0] in _WRONG and "enum" not in slot.resolved(model):
            cases.append(
                Case(
                    checks.invalid_input_rejected,
                    f"{slot.name} not {kinds[0]}",
                    base.call(auth, body=slot.put(base.body, _WRONG[kinds[0]]), paid=False),
                )
            )
    return cases


def auth_cases(model: SpecModel, base: Baseline, key: str) -> list[Case]:
    """No credential at all, and for each credential the operation needs: its place left
    empty, a malformed value (another scheme, no token) and the key in the wrong place."""
    alternatives = model.security(base.op)
    if not alternatives:
        return []
    needed = alternatives[0]
    variants: dict[str, Placement] = {"no credentials": Placement()}
    for credential in needed:
        others = Placement()
        for other in needed:
            if other is not credential:
                others = others.with_value(other, other.value(key))
        label = f"{credential.scheme}: "
        variants[label + f"{credential.describe()} left empty"] = others.with_value(credential, "")
        for name, value in _malformed(credential, key):
            variants[label + name] = others.with_value(credential, value)
        moved = _elsewhere(credential)
        if moved is not None:
            variants[label + f"the key sent as {moved.describe()} instead"] = others.with_value(
                moved, moved.value(key)
            )
    found = [
        Case(checks.auth_required, name, base.call(placement, paid=False))
        for name, placement in variants.items()
    ]
    for name, placement in undocumented_placements(alternatives, key):
        found.append(
            Case(checks.undocumented_credential_refused, name, base.call(placement, paid=False))
        )
    return found


QUERY_KEY_NAMES = ("api_key", "apikey", "key", "access_token", "token")


def undocumented_placements(
    alternatives: list[list[Credential]], key: str
) -> list[tuple[str, Placement]]:
    """The key alone in places no alternative of the operation documents: as query parameters
    (the usual names, and each header key's own name), as a bearer token, as an API key header
    of the operation's schemes."""
    documented = [c for alternative in alternatives for c in alternative]
    query_names = {c.name for c in documented if c.location == "query"}
    bearer = any(c.kind == "bearer" for c in documented)
    found: list[tuple[str, Placement]] = []
    names = [n for n in QUERY_KEY_NAMES if n not in query_names]
    names += [
        c.name
        for c in documented
        if c.kind == "apikey" and c.location != "query" and c.name not in query_names
    ]
    names = list(dict.fromkeys(names))
    if names:
        placed = Placement(query={name: key for name in names})
        found.append((f"the key only as query parameter(s) {', '.join(names)}", placed))
    if not bearer:
        placed = Placement(headers={"Authorization": f"Bearer {key}"})
        found.append(("the key only as 'Authorization: Bearer <key>'", placed))
    return found


def _malformed(credential: Credential, key: str) -> list[tuple[str, str]]:
    """Values of the right place but the wrong shape."""
    if credential.kind == "bearer":
        return [
            ("bearer scheme without a token", "Bearer"),
            ("Basic scheme instead of Bearer", "Basic dXNlcjpwYXNz"),
            ("token without scheme", key),
        ]
    if credential.kind == "basic":
        return [
            ("Basic scheme without credentials", "Basic"),
            ("Bearer scheme instead of Basic", f"Bearer {key}"),
            ("credentials not in base64", f"Basic {key}!"),
        ]
    return []


def _elsewhere(credential: Credential) -> Credential | None:
    """The same API key in another place (a header's as a query parameter, others as a header)."""
    if credential.kind != "apikey":
        return None
    location = "query" if credential.location == "header" else "header"
    return Credential(credential.scheme, "apikey", location, credential.name)  # type: ignore[arg-type]


@dataclass
class DeprecatedCase:
    """A deprecated field, its replacement path, and the requests comparing them."""

    name: str
    replacement: str
    deprecated_only: Call
    replacement_only: Call
    both: Call


def deprecated_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[DeprecatedCase]:
    found = []
    for item in _body_fields(base):
        if not item.deprecated or not item.replaced_by:
            continue
        value = model.example_for(item.schema)
        other = _variant(value)
        target = item.replaced_by.split(".")
        replaced = _set_path(copy.deepcopy(base.body), target, value)
        both = _set_path(
            {**copy.deepcopy(base.body), item.name: other}, target, copy.deepcopy(value)
        )
        found.append(
            DeprecatedCase(
                item.name,
                item.replaced_by,
                base.call(auth, body={**base.body, item.name: value}),
                base.call(auth, body=replaced),
                base.call(auth, body=both),
            )
        )
    return found


def _body_fields(base: Baseline) -> list[Field]:
    if base.op.body is None or not isinstance(base.body, dict):
        return []
    return list(base.op.body.properties)


@dataclass(frozen=True)
class Slot:
    """A property of the baseline body that the value checks probe: a top-level one, one of an
    object the body holds, or one of the first item of an array of objects it holds."""

    path: tuple[str | int, ...]
    schema: Any  # the property's schema (`$ref`s not followed)
    required: bool

    @property
    def name(self) -> str:
        """The property's place, as `customer.name` or `lines[0].unit_amount`."""
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
        return text

    def resolved(self, model: SpecModel) -> dict[str, Any]:
        found = model.resolve(self.schema)
        return found if isinstance(found, dict) else {}

    def enum(self, model: SpecModel) -> tuple[Any, ...]:
        return enum_of(self.resolved(model))

    def bounds(self, model: SpecModel) -> tuple[tuple[str, Any], ...]:
        return bounds_of(self.resolved(model))

    def current(self, body: Any) -> Any:
        """The baseline's value here (None when it has none)."""
        for part in self.path:
            if isinstance(part, int):
                body = body[part] if isinstance(body, list) and part < len(body) else None
            else:
                body = body.get(part) if isinstance(body, dict) else None
        return body

    def put(self, body: dict[str, Any], value: Any) -> dict[str, Any]:
        """A copy of `body` with `value` here (`DROPPED`: without the property); the holders
        on the way are the baseline's."""
        changed = copy.deepcopy(body)
        holder: Any = changed
        for part in self.path[:-1]:
            holder = holder[part]
        if value is DROPPED:
            holder.pop(self.path[-1], None)
        else:
            holder[self.path[-1]] = value
        return changed


DROPPED: Any = object()  # `Slot.put`'s value for "leave the property out"


NESTED_DEPTH = 3  # how deep the value checks follow objects (and first array items) of the body


def body_slots(model: SpecModel, base: Baseline) -> list[Slot]:
    """The body's top-level properties, then those of the objects (and first items of arrays of
    objects) the baseline holds, breadth first, at most `NESTED_DEPTH` objects deep."""
    if not isinstance(base.body, dict):
        return []
    found = [Slot((item.name,), item.schema, item.required) for item in _body_fields(base)]
    frontier = list(found)
    for _ in range(NESTED_DEPTH - 1):
        deeper: list[Slot] = []
        for slot in frontier:
            value, schema = slot.current(base.body), slot.resolved(model)
            path = slot.path
            if isinstance(value, list) and value and isinstance(value[0], dict):
                schema = model.resolve(schema.get("items"))
                value, path = value[0], (*path, 0)
            if not isinstance(value, dict) or not isinstance(schema, dict):
                continue
            properties = schema.get("properties")
            listed = schema.get("required")
            required = set(listed) if isinstance(listed, list) else set()
            for name, child in properties.items() if isinstance(properties, dict) else ():
                deeper.append(Slot((*path, str(name)), child, name in required))
        found += deeper
        frontier = deeper
    return found


def _edges(bounds: dict[str, Any], kinds: list[str]) -> list[tuple[str, Any, Any]]:
    """(keyword, edge, one step past) for each bound."""
    found = []
    for key, step in (
        ("minimum", -1),
        ("maximum", 1),
        ("minLength", -1),
        ("maxLength", 1),
        ("minItems", -1),
        ("maxItems", 1),
    ):
        if key in bounds and isinstance(bounds[key], (int, float)):
            edge = bounds[key]
            if key.startswith("min") and key != "minimum" and edge == 0:
                continue
            if key in ("minimum", "maximum") and "integer" not in kinds and "number" not in kinds:
                continue
            found.append((key, edge, edge + step))
    for key, inside in (("exclusiveMinimum", 1), ("exclusiveMaximum", -1)):
        numeric = "integer" in kinds or "number" in kinds
        if key in bounds and isinstance(bounds[key], (int, float)) and numeric:
            # the bound itself is past it; one whole step inside is at it for an integer, and
            # inside it for a number (the validator drops a step that breaks another bound)
            found.append((key, bounds[key] + inside, bounds[key]))
    return found


def _sized(key: str, size: Any, schema: dict[str, Any], model: SpecModel) -> Any:
    if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return size
    if size < 0:
        return None
    if key in ("minLength", "maxLength"):
        return "x" * int(size)
    item = model.example_for(schema.get("items", {}))
    if schema.get("uniqueItems") and isinstance(item, str):
        width = len(str(max(int(size) - 1, 0)))
        return [item[: max(len(item) - width, 1)] + str(i).zfill(width) for i in range(int(size))]
    if schema.get("uniqueItems") and isinstance(item, int) and not isinstance(item, bool):
        return [item + i for i in range(int(size))]
    return [copy.deepcopy(item) for _ in range(int(size))]


def _variant(value: Any) -> Any:
    """A different value of the same shape (for the conflict case)."""
    if isinstance(value, list):
        return [*copy.deepcopy(value), *copy.deepcopy(value)] if value else value
    if isinstance(value, str):
        return value + "-other"
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    return value


def _set_path(document: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    holder = document
    for part in path[:-1]:
        child = holder.get(part)
        if not isinstance(child, dict):
            child = holder[part] = {}
        holder = child
    holder[path[-1]] = value
    return document


def _scalar(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) else "x"


def _short(value: Any) -> str:
    if isinstance(value, str) and len(value) > 12:
        return f"string of length {len(value)}"
    if isinstance(value, list):
        return f"array of {len(value)} item(s)"
    return repr(value)


# -- values generated data rarely reaches -----------------------------------------------------------
_MULTIBYTE = ("é", "日", "😀")
# A value of the right shape that its format refuses: a day February does not have, an hour past
# 23. Only formats a server parses (to store a date, it reads one): a server may take an address
# or an id it does not check, and would then list the probe's value in later answers.
_BROKEN_FORMATS = {
    "date": "2024-02-30",
    "date-time": "2024-02-30T10:00:00Z",
    "time": "25:00:00Z",
}


def value_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[Case]:
    """Values at the edges of JSON types: numeric strings, fractions, booleans and nulls for
    numbers (refused), enum variants (refused), multi-byte strings at a length bound and
    whitespace-only strings the schema allows (accepted)."""
    pointer = model.body_pointer(base.op)
    if not pointer:
        return []
    validator = model.request_validator(pointer)
    positive = base.positive
    cases: list[Case] = []
    typed = (
        checks.numeric_string_rejected,
        checks.boolean_integer_rejected,
        checks.null_optional_rejected,
    )

    def add(check: checks.RequestCheck, slot: Slot, value: Any, accepted: bool) -> None:
        if base.form and check in typed:
            return  # a form carries text: 1, "1" and true, "true" are the same field
        body = slot.put(base.body, value)
        if validator.is_valid(body) != accepted or (accepted and not positive):
            return
        label = f"{slot.name}={_short(value)}"
        cases.append(Case(check, label, base.call(auth, body=body, paid=accepted)))

    for slot in body_slots(model, base):
        schema = slot.resolved(model)
        kinds = json_types(schema)
        found = slot.current(base.body)
        current = model.example_for(slot.schema) if found is None else found
        enum = slot.enum(model)
        if ("integer" in kinds or "number" in kinds) and not isinstance(current, bool):
            number = current if isinstance(current, (int, float)) else _inside(schema)
            add(checks.numeric_string_rejected, slot, str(number), False)
            add(checks.boolean_integer_rejected, slot, True, False)
            if "integer" in kinds and "number" not in kinds:
                for fraction in (int(number) + 0.5, int(number) - 0.5):
                    if model.accepts({**schema, "type": "number"}, fraction):
                        add(checks.fractional_integer_rejected, slot, fraction, False)
                        break
            if "integer" in kinds and "number" not in kinds and "enum" not in schema:
                for wide in wide_integers(schema):
                    add(checks.wide_integer_handled, slot, wide, True)
        if not slot.required:
            add(checks.null_optional_rejected, slot, None, False)
        for value in enum:
            if not isinstance(value, str):
                continue
            variants = {value.upper(), value.lower(), value.capitalize(), f" {value} "}
            for variant in sorted(variants - {v for v in enum if isinstance(v, str)}):
                add(checks.enum_variants_rejected, slot, variant, False)
        broken = _BROKEN_FORMATS.get(str(schema.get("format", "")))
        if "string" in kinds and broken is not None:
            add(checks.format_invalid_handled, slot, broken, False)
        if "string" in kinds and not enum and "format" not in schema:
            for key in ("maxLength", "minLength"):
                size = schema.get(key)
                if isinstance(size, int) and size > 0:
                    for char in _MULTIBYTE:
                        if validator.is_valid(slot.put(base.body, char * size)):
                            add(checks.multibyte_length_accepted, slot, char * size, True)
                            break
            low, high = schema.get("minLength", 0), schema.get("maxLength")
            blank = " " * max(low if isinstance(low, int) else 0, 3)
            if not isinstance(high, int) or len(blank) <= high:
                add(checks.blank_string_accepted, slot, blank, True)
    return cases


def success_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[tuple[str, Call]]:
    """Valid requests with each optional property in turn (their status must be documented)."""
    pointer = model.body_pointer(base.op)
    if not pointer or not base.positive:
        return []
    validator = model.request_validator(pointer)
    cases = []
    for item in _body_fields(base):
        if item.required or item.name in base.body:
            continue
        body = {**base.body, item.name: model.example_for(item.schema)}
        if validator.is_valid(body):
            cases.append((f"valid request with {item.name}", base.call(auth, body=body)))
    return cases


_NARROW_FORMATS = frozenset({"int8", "int16", "int32", "uint8", "uint16", "uint32"})


def wide_integers(schema: dict[str, Any]) -> list[int]:
    """2**31, just past 32-bit storage, where the schema sets no maximum (none where its
    `format` names 32 bits or fewer: the value breaks the format). One value a property: on
    a live server each is a request that can be accepted (a paid job)."""
    if schema.get("format") in _NARROW_FORMATS:
        return []
    if any(isinstance(schema.get(k), (int, float)) for k in ("maximum", "exclusiveMaximum")):
        return []
    return [2**31]


def _inside(schema: dict[str, Any]) -> int:
    """An integer within the schema's bounds."""
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
    high = schema.get("maximum", schema.get("exclusiveMaximum", low + 2) - 1)
    return int(low if isinstance(low, (int, float)) and low <= high else 1)


# -- parameters ---------------------------------------------------------------------------------
_PAGE_NAMES = re.compile(r"^(offset|skip|start|page|page_?number|pagenumber)$", re.IGNORECASE)
PAST_END = 1_000_000
MAX_ENUM_VALUES = 8


def param_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[Case]:
    """Query and path parameters: both sides of each numeric bound, an offset or page past the
    end, the wrong type (text, a fraction, a boolean for an integer), every enum value and its
    near-misses. Values that must be accepted are tried on safe operations with known ids."""
    safe = base.op.method not in UNSAFE
    positive = safe and base.positive
    found: list[Case] = []

    def add(check: checks.RequestCheck, param: Param, value: Any, accepted: bool) -> None:
        if accepted and (not positive or param.location != "query"):
            return
        if param.schema and model.accepts(param.schema, value) != accepted:
            return
        text = value if isinstance(value, str) else form_text(value)
        if param.location == "query":
            call = base.call(auth, query={**base.query, param.name: text}, paid=False)
        else:
            call = base.call(auth, path_params={param.name: text}, paid=False)
        shown = text if text and text.strip() == text and len(text) <= 40 else _short(text)
        found.append(Case(check, f"{param.location} {param.name}={shown}", call))

    for param in model.params(base.op):
        schema = param.schema
        if param.location not in ("query", "path") or not schema:
            continue
        kinds = [k for k in json_types(schema) if k != "null"]
        enum = [v for v in schema.get("enum") or [] if v is not None]
        if enum:
            for value in enum[:MAX_ENUM_VALUES]:
                add(checks.param_enum_accepted, param, value, True)
            for miss in _near_misses(enum):
                add(checks.param_enum_near_miss_rejected, param, miss, False)
            continue
        if kinds and all(k in ("integer", "number") for k in kinds):
            for key, edge, past in _edges(schema, kinds):
                del key
                add(checks.param_bound_accepted, param, edge, True)
                add(checks.param_past_bound_rejected, param, past, False)
            add(checks.param_type_rejected, param, "not-a-number", False)
            if "number" not in kinds:
                inside = _inside(schema)
                add(checks.param_type_rejected, param, f"{inside}.5", False)
                add(checks.param_type_rejected, param, "true", False)
                high = schema.get("maximum")
                if _PAGE_NAMES.match(param.name) and not isinstance(high, (int, float)):
                    add(checks.page_past_end_accepted, param, PAST_END, True)
                else:
                    for wide in wide_integers(schema):
                        add(checks.wide_integer_handled, param, wide, True)
        found.extend(_newline_cases(model, base, auth, param))
    return found


def _near_misses(enum: list[Any]) -> list[Any]:
    """Values beside an enum's: case variants and padded forms of strings, one past numbers."""
    listed = set(map(str, enum))
    misses: list[Any] = []
    strings = [v for v in enum if isinstance(v, str)]
    if strings:
        first = strings[0]
        misses += [first.upper(), first.capitalize(), f" {first}", f"{first} "]
    numbers = [v for v in enum if isinstance(v, int) and not isinstance(v, bool)]
    if numbers:
        misses += [max(numbers) + 1, min(numbers) - 1]
    unique: list[Any] = []
    for miss in misses:
        if str(miss) not in listed and miss not in unique:
            unique.append(miss)
    return unique


def _newline_cases(model: SpecModel, base: Baseline, auth: Placement, param: Param) -> list[Case]:
    """A parameter's valid value with a trailing newline, where its pattern ends with `$`."""
    pattern = param.schema.get("pattern")
    if not isinstance(pattern, str) or not anchored_at_end(pattern):
        return []
    valid = param_value(model, param)
    if not isinstance(valid, str) or not model.accepts(param.schema, valid):
        return []
    value = valid + "\n"
    if model.accepts(param.schema, value):
        return []  # the schema's own validator reads `$` as Python does: nothing to tell apart
    if param.location == "query":
        call = base.call(auth, query={**base.query, param.name: value}, paid=False)
    elif param.location == "path":
        call = base.call(auth, path_params={param.name: value}, paid=False)
    else:
        return []
    return [Case(checks.pattern_newline_rejected, f"{param.location} {param.name}={value!r}", call)]


def pattern_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[Case]:
    """Body properties whose pattern ends with `$`: a valid value with a trailing newline."""
    pointer = model.body_pointer(base.op)
    if not pointer or not isinstance(base.body, dict):
        return []
    validator = model.request_validator(pointer)
    found = []
    for slot in body_slots(model, base):
        schema = slot.resolved(model)
        pattern = schema.get("pattern")
        if not isinstance(pattern, str) or not anchored_at_end(pattern):
            continue
        current = slot.current(base.body)
        valid = fit_patterns(model, schema, current if isinstance(current, str) else "")
        if not isinstance(valid, str) or not validator.is_valid(slot.put(base.body, valid)):
            continue
        body = slot.put(base.body, valid + "\n")
        if validator.is_valid(body):
            continue
        label = f"{slot.name}={valid + chr(10)!r}"
        found.append(
            Case(checks.pattern_newline_rejected, label, base.call(auth, body=body, paid=False))
        )
    return found
