"""Schema utilities: dialect normalisation, type hints, deprecation and bounds facts."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from specforge.document.keywords import SCHEMA_KEYWORDS, SCHEMA_LIST_KEYWORDS, SCHEMA_MAP_KEYWORDS

COMPONENT_PREFIX = "#/components/schemas/"
BOUND_KEYWORDS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "multipleOf",
)
_REPLACEMENT = re.compile(r"\buse\s+`?([A-Za-z_][\w.\[\]]*)`?\s+instead\b", re.IGNORECASE)
_JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object", "null"}


def normalize(document: dict[str, Any], version: str) -> dict[str, Any]:
    """A copy of `document` whose schemas use JSON Schema 2020-12 (3.1) semantics."""
    result = copy.deepcopy(document)
    if version == "3.0":
        _normalize_30(result)
    return result


def _normalize_30(node: Any) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
            continue
        if not isinstance(current, dict):
            continue
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            if current.get(exclusive) is True and bound in current:
                current[exclusive] = current.pop(bound)
            elif current.get(exclusive) is False:
                del current[exclusive]
        if current.get("nullable") is True:
            del current["nullable"]
            kind = current.get("type")
            if isinstance(kind, str):
                current["type"] = [kind, "null"]
                if "enum" in current and None not in current["enum"]:
                    current["enum"] = [*current["enum"], None]
            elif (
                "$ref" in current or "allOf" in current or "oneOf" in current or "anyOf" in current
            ):
                inner = {
                    key: current.pop(key)
                    for key in list(current)
                    if key in ("$ref", "allOf", "oneOf", "anyOf")
                }
                current["anyOf"] = [inner, {"type": "null"}]
        stack.extend(current.values())


def ref_name(ref: str) -> str:
    """The component name a `#/components/schemas/...` reference points to ('' otherwise)."""
    if ref.startswith(COMPONENT_PREFIX):
        return ref[len(COMPONENT_PREFIX) :].replace("~1", "/").replace("~0", "~")
    return ""


def replacement_of(schema: dict[str, Any]) -> str:
    """The replacement of a deprecated property: `x-replaced-by`, else 'use X instead'."""
    explicit = schema.get("x-replaced-by")
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip()
    match = _REPLACEMENT.search(str(schema.get("description", "")))
    return match.group(1).rstrip(".") if match else ""


def bounds_of(schema: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The validation bounds a schema states, in a stable order."""
    return tuple((key, schema[key]) for key in BOUND_KEYWORDS if key in schema)


def enum_of(schema: dict[str, Any]) -> tuple[Any, ...]:
    if "enum" in schema and isinstance(schema["enum"], list):
        return tuple(schema["enum"])
    if "const" in schema:
        return (schema["const"],)
    return ()


def json_types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind] if kind in _JSON_TYPES else []
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str) and k in _JSON_TYPES]
    return []


_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
}


def fits(value: Any, kinds: list[str]) -> bool:
    """Whether a JSON value is an instance of one of the JSON types `kinds`."""
    for kind in kinds:
        if isinstance(value, bool) and kind in ("integer", "number"):
            continue
        if kind == "integer" and isinstance(value, float) and value.is_integer():
            return True
        if isinstance(value, _PYTHON_TYPES[kind]):
            return True
    return False


def coerce(value: Any, kinds: list[str], items: list[str]) -> tuple[bool, Any]:
    """(True, value converted to one of `kinds`) when the text or scalar plainly means one."""
    if isinstance(value, str):
        text = value.strip()
        for kind, convert in (("integer", int), ("number", float)):
            if kind in kinds:
                try:
                    return True, convert(text)
                except ValueError:
                    pass
        if "boolean" in kinds and text.lower() in ("true", "false"):
            return True, text.lower() == "true"
    if "array" in kinds and not isinstance(value, list) and items and fits(value, items):
        return True, [value]
    return False, None


def repair_defaults(
    schema: Any, pointer: str, resolve: Any, typed_formats: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """Make every `default` in `schema` fit its declared type, in place.

    A default the type plainly means (`'100'` for an integer, `'x'` for an array of strings)
    is converted; one that cannot fit is removed, and so are a `null` default the schema does
    not admit and a string default of a format in `typed_formats` (format -> the type a model
    gives such strings, which a string is not). Returns (JSON pointer, message) per change
    that the validator does not already report at the same pointer (a default breaking its
    schema's own `type`). `resolve` maps a `$ref` string to its target schema. Only schema
    positions are walked: a property named `default` is no default.
    """
    changes: list[tuple[str, str]] = []
    stack: list[tuple[Any, str]] = [(schema, pointer)]
    while stack:
        node, where = stack.pop()
        if not isinstance(node, dict):
            continue
        if "default" in node:
            reported = "$ref" not in node and not fits(
                node["default"], json_types(node) or list(_PYTHON_TYPES)
            )
            change = _repair_default(node, resolve, typed_formats or {})
            if change and not reported:
                changes.append((f"{where}/default", change))
        stack.extend(_subschemas(node, where))
    return sorted(changes)


def _subschemas(node: dict[str, Any], where: str) -> list[tuple[Any, str]]:
    """The schemas directly inside `node`, each with its JSON pointer."""
    found: list[tuple[Any, str]] = []
    for key in SCHEMA_MAP_KEYWORDS:
        value = node.get(key)
        if isinstance(value, dict):
            found.extend((item, f"{where}/{key}/{_escape(name)}") for name, item in value.items())
    for key in SCHEMA_KEYWORDS:
        if isinstance(node.get(key), dict):
            found.append((node[key], f"{where}/{key}"))
    for key in (*SCHEMA_LIST_KEYWORDS, "items"):
        value = node.get(key)
        if isinstance(value, list):
            found.extend((item, f"{where}/{key}/{index}") for index, item in enumerate(value))
    return found


def _escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def excludes_null(schema: Any, resolve: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether `schema` surely refuses `null` (its type, enum, const, or every union branch)."""
    if not isinstance(schema, dict):
        return False
    ref = schema.get("$ref")
    if (
        isinstance(ref, str)
        and ref not in seen
        and excludes_null(resolve(ref), resolve, seen | {ref})
    ):
        return True
    kinds = json_types(schema)
    if kinds and "null" not in kinds:
        return True
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        return True
    if "const" in schema and schema["const"] is not None:
        return True
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if (
            isinstance(branches, list)
            and branches
            and all(excludes_null(branch, resolve, seen) for branch in branches)
        ):
            return True
    parts = schema.get("allOf")
    return isinstance(parts, list) and any(excludes_null(part, resolve, seen) for part in parts)


def _repair_union_default(node: dict[str, Any]) -> str:
    """Drop a union's default that an inline array or object branch cannot hold.

    The model generator copies such a default into the branch's own model, where it does
    not type-check; the server applies its default anyway.
    """
    value = node["default"]
    for key in ("oneOf", "anyOf"):
        for branch in node.get(key) or []:
            kinds = json_types(branch) if isinstance(branch, dict) else []
            if set(kinds) & {"array", "object"} and not fits(value, kinds):
                del node["default"]
                return f"default {value!r} does not fit the {'/'.join(kinds)} branch of the union; generated without a default"
    return ""


def _repair_default(node: dict[str, Any], resolve: Any, typed_formats: Mapping[str, str]) -> str:
    if node["default"] is None:
        if not excludes_null(node, resolve):
            return ""  # None is what an absent optional value is
        del node["default"]
        return "default null is not a value of the schema; generated without a default"
    if any(key in node for key in ("oneOf", "anyOf", "allOf")):
        return _repair_union_default(node)
    target = node
    if "$ref" in node:
        resolved = resolve(str(node["$ref"]))
        target = resolved if isinstance(resolved, dict) else {}
    kinds = json_types(target)
    if not kinds and isinstance(target.get("enum"), list):
        return ""
    if not kinds and "properties" in target:
        kinds = ["object"]
    value = node["default"]
    form = target.get("format")
    if (
        isinstance(value, str)
        and "string" in kinds
        and isinstance(form, str)
        and form in typed_formats
    ):
        del node["default"]
        return (
            f"default {value!r} is a string, but a {form!r} string is a "
            f"{typed_formats[form]} in the models; generated without a default"
        )
    if not kinds or fits(value, kinds):
        return ""
    items = target.get("items")
    item_kinds = (
        json_types(resolve(str(items["$ref"])) or {})
        if isinstance(items, dict) and "$ref" in items
        else json_types(items)
        if isinstance(items, dict)
        else []
    )
    converted, new = coerce(value, kinds, item_kinds)
    wanted = " or ".join(kinds)
    if converted:
        node["default"] = new
        return f"default {value!r} is not {wanted}; generated as {new!r}"
    del node["default"]
    return f"default {value!r} is not {wanted}; generated without a default"
