"""Requests derived from the spec: a valid baseline and its enum, bound, deprecation and auth variants."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from specforge.conformance import checks
from specforge.conformance.auth import Credential, Placement
from specforge.conformance.http import UNSAFE, Call
from specforge.conformance.model import SpecModel
from specforge.document.schemas import json_types
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

    def call(
        self,
        auth: Placement,
        *,
        body: Any = None,
        query: dict[str, Any] | None = None,
        use_body: bool = True,
        paid: bool | None = None,
    ) -> Call:
        path = _PARAM.sub(
            lambda m: quote(self.path_params.get(m.group(1), "x"), safe=""), self.op.full_path
        )
        headers = auth.all_headers()
        payload = self.body if body is None else body
        if use_body and payload is not None:
            headers["Content-Type"] = self.content_type
        return Call(
            self.op.method,
            path,
            query={**(self.query if query is None else query), **auth.query},
            headers=headers,
            json_body=payload if use_body else None,
            paid=self.op.method in UNSAFE if paid is None else paid,
            placeholder=bool(self.path_params),
        )


def baseline(model: SpecModel, op: Operation) -> Baseline | None:
    """The operation's minimal valid request, or None when it cannot be built (non-JSON body)."""
    path_params: dict[str, str] = {}
    query: dict[str, Any] = {}
    for param in model.params(op):
        if param.location == "path":
            path_params[param.name] = str(
                _scalar(model.example(param.schema_pointer) if param.schema_pointer else "x")
            )
        elif param.location == "query" and param.required:
            query[param.name] = (
                _scalar(model.example(param.schema_pointer)) if param.schema_pointer else "x"
            )
    body: Any = None
    content_type = ""
    if op.body:
        if "json" not in op.body.content_type:
            return None
        content_type = op.body.content_type
        pointer = model.body_pointer(op)
        body = model.example(pointer, full=False) if pointer else {}
        if pointer and not model.request_validator(pointer).is_valid(body):
            return None
    return Baseline(op, path_params, query, body, content_type)


def enum_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[Case]:
    """Each listed value accepted; another case and an unknown value rejected."""
    cases = []
    for item in _body_fields(base):
        values = [v for v in item.enum if v is not None]
        for value in values:
            cases.append(
                Case(
                    checks.enum_values_accepted,
                    f"{item.name}={value!r}",
                    base.call(auth, body={**base.body, item.name: value}),
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
                    f"{item.name}={other!r}",
                    base.call(auth, body={**base.body, item.name: other}, paid=False),
                )
            )
    return cases


def boundary_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[Case]:
    """For each bound: the edge (accepted) and one step past it (rejected)."""
    cases = []
    for item in _body_fields(base):
        bounds = dict(item.bounds)
        kinds = json_types(model.resolve(item.schema))
        for key, edge, past in _edges(bounds, kinds):
            example = model.resolve(item.schema)
            for check, size in (
                (checks.boundary_edge_accepted, edge),
                (checks.boundary_past_rejected, past),
            ):
                value = _sized(key, size, example, model)
                if value is None:
                    continue
                label = f"{item.name} {key}={bounds[key]}: {_short(value)}"
                cases.append(
                    Case(
                        check,
                        label,
                        base.call(
                            auth,
                            body={**base.body, item.name: value},
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
    for item in _body_fields(base):
        if item.required:
            body = {k: v for k, v in base.body.items() if k != item.name}
            cases.append(
                Case(
                    checks.invalid_input_rejected,
                    f"required {item.name} missing",
                    base.call(auth, body=body, paid=False),
                )
            )
        kinds = json_types(model.resolve(item.schema))
        if len(kinds) == 1 and kinds[0] in _WRONG and "enum" not in model.resolve(item.schema):
            cases.append(
                Case(
                    checks.invalid_input_rejected,
                    f"{item.name} not {kinds[0]}",
                    base.call(auth, body={**base.body, item.name: _WRONG[kinds[0]]}, paid=False),
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
    return [
        Case(checks.auth_required, name, base.call(placement, paid=False))
        for name, placement in variants.items()
    ]


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
        if key in bounds and isinstance(bounds[key], (int, float)) and "integer" in kinds:
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


def value_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[Case]:
    """Values at the edges of JSON types: numeric strings, fractions, booleans and nulls for
    numbers (refused), enum variants (refused), multi-byte strings at a length bound and
    whitespace-only strings the schema allows (accepted)."""
    pointer = model.body_pointer(base.op)
    if not pointer:
        return []
    validator = model.request_validator(pointer)
    positive = not base.path_params and base.op.success is not None
    cases: list[Case] = []

    def add(check: checks.RequestCheck, name: str, value: Any, accepted: bool) -> None:
        body = {**base.body, name: value}
        if validator.is_valid(body) != accepted or (accepted and not positive):
            return
        label = f"{name}={_short(value)}"
        cases.append(Case(check, label, base.call(auth, body=body, paid=accepted)))

    for item in _body_fields(base):
        schema = model.resolve(item.schema)
        if not isinstance(schema, dict):
            continue
        kinds = json_types(schema)
        current = base.body.get(item.name, model.example_for(item.schema))
        if ("integer" in kinds or "number" in kinds) and not isinstance(current, bool):
            number = current if isinstance(current, (int, float)) else _inside(schema)
            add(checks.numeric_string_rejected, item.name, str(number), False)
            add(checks.boolean_integer_rejected, item.name, True, False)
            if "integer" in kinds and "number" not in kinds:
                for fraction in (int(number) + 0.5, int(number) - 0.5):
                    if model.accepts({**schema, "type": "number"}, fraction):
                        add(checks.fractional_integer_rejected, item.name, fraction, False)
                        break
        if not item.required:
            add(checks.null_optional_rejected, item.name, None, False)
        for value in item.enum:
            if not isinstance(value, str):
                continue
            variants = {value.upper(), value.lower(), value.capitalize(), f" {value} "}
            for variant in sorted(variants - {v for v in item.enum if isinstance(v, str)}):
                add(checks.enum_variants_rejected, item.name, variant, False)
        if "string" in kinds and not item.enum and "format" not in schema:
            for key in ("maxLength", "minLength"):
                size = schema.get(key)
                if isinstance(size, int) and size > 0:
                    for char in _MULTIBYTE:
                        if validator.is_valid({**base.body, item.name: char * size}):
                            add(checks.multibyte_length_accepted, item.name, char * size, True)
                            break
            low, high = schema.get("minLength", 0), schema.get("maxLength")
            blank = " " * max(low if isinstance(low, int) else 0, 3)
            if not isinstance(high, int) or len(blank) <= high:
                add(checks.blank_string_accepted, item.name, blank, True)
    return cases


def success_cases(model: SpecModel, base: Baseline, auth: Placement) -> list[tuple[str, Call]]:
    """Valid requests with each optional property in turn (their status must be documented)."""
    pointer = model.body_pointer(base.op)
    if not pointer or base.path_params or base.op.success is None:
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


def _inside(schema: dict[str, Any]) -> int:
    """An integer within the schema's bounds."""
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
    high = schema.get("maximum", schema.get("exclusiveMaximum", low + 2) - 1)
    return int(low if isinstance(low, (int, float)) and low <= high else 1)
