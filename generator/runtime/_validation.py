"""Request checks and response drift detection against the spec's own schemas."""

from __future__ import annotations

import datetime
import functools
import ipaddress
import json
import uuid
from importlib import resources
from typing import Any

import jsonschema_rs
import pydantic
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

# The string formats the models convert (pydantic types them), checked in responses with the
# same parser, so that a value the model leaves as it came is a drift the warning names.
_TYPED_FORMATS: dict[str, Any] = {
    "date-time": datetime.datetime,
    "date": datetime.date,
    "time": datetime.time,
    "duration": datetime.timedelta,
    "uuid": uuid.UUID,
    "uri": pydantic.AnyUrl,
    "ipv4": ipaddress.IPv4Address,
    "ipv6": ipaddress.IPv6Address,
}


@functools.cache
def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, kind in _TYPED_FORMATS.items():
        adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(kind)

        def check(value: object, adapter: pydantic.TypeAdapter[Any] = adapter) -> bool:
            if not isinstance(value, str):
                return True
            try:
                adapter.validate_python(value)
            except pydantic.ValidationError:
                return False
            return True

        checker.checks(name)(check)
    return checker


@functools.cache
def _document() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("_schemas.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def _root(kind: str, name: str) -> dict[str, Any]:
    document = _document()
    if kind == "component":
        schema: dict[str, Any] = {"$ref": f"#/components/schemas/{_escape(name)}"}
    else:
        operation, _, parameter = name.partition(" ")
        schema = {"$ref": f"#/parameters/{_escape(operation)}/{_escape(parameter)}"}
    return {
        **schema,
        "components": document.get("components", {}),
        "parameters": document.get("parameters", {}),
    }


@functools.cache
def _validator(kind: str, name: str, formats: bool = False) -> Draft202012Validator:
    """The validator that explains problems (pointers, rules, messages); with `formats`, the
    typed string formats are checked too."""
    checker = _format_checker() if formats else None
    return Draft202012Validator(_root(kind, name), format_checker=checker)


@functools.cache
def _quick(kind: str, name: str, formats: bool = False) -> Any:
    """A compiled validator that answers "valid?" fast, or None for a schema it cannot take."""
    try:
        return jsonschema_rs.validator_for(_root(kind, name), validate_formats=formats)
    except Exception:  # a schema it cannot compile: the explaining validator decides alone
        return None


def _errors(kind: str, name: str, value: Any, formats: bool = False) -> list[ValidationError]:
    quick = _quick(kind, name, formats)
    if quick is not None and quick.is_valid(value):
        return []
    return list(_validator(kind, name, formats).iter_errors(value))


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(error: ValidationError) -> str:
    """The JSON pointer of the value an error is about (a missing property included)."""
    parts = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            parts.append(str(missing[0]))
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _describe(errors: list[ValidationError], prefix: str) -> list[dict[str, str]]:
    found = []
    for error in sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), str(e.validator))):
        where = pointer(error)
        found.append(
            {
                "pointer": where,
                "field": prefix + where.lstrip("/").replace("/", ".")
                if (prefix or where)
                else "(body)",
                "rule": str(error.validator),
                "message": error.message,
            }
        )
    return found


def check_body(schema: str, body: Any) -> list[dict[str, str]]:
    """Problems of a request body against its component schema ([] when valid)."""
    return _describe(_errors("component", schema, body), "")


def check_parameter(operation: str, name: str, value: Any) -> list[dict[str, str]]:
    """Problems of one parameter value against its schema ([] when valid)."""
    if name not in _document().get("parameters", {}).get(operation, {}):
        return []
    return _describe(_errors("parameter", f"{operation} {name}", value), name)


def check_response(schema: str, data: Any) -> list[dict[str, str]]:
    """Drift of a response body from its schema, open enums excepted ([] when none); the
    string formats the models convert (date-time, uri, uuid, ...) are checked too."""
    errors = [e for e in _errors("component", schema, data, True) if e.validator != "enum"]
    return _describe(errors, "")


def summary(problems: list[dict[str, str]]) -> str:
    """One line per problem: `field: message (rule at pointer)`."""
    return "; ".join(
        f"{p['field']}: {p['message']} ({p['rule']} at {p['pointer'] or '/'})" for p in problems
    )
