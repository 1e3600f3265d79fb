"""Python type hints for request inputs, built from (normalised) JSON Schemas.

A request input that is an object component `Foo` is typed `Foo | Foo.Param`: the model, or
a plain dict of its shape (`Foo.Param`, a `TypedDict` the models module defines inside the
class for type checkers only, as `param_fields` describes it). A component that is a union,
an array or a scalar is typed as what it holds, member by member, so `oneOf: [A, B]` takes
`A(...)`, `B(...)` or either's dict, without a wrapper.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from typing import Any, ClassVar

from specforge.document.schemas import enum_of, json_types, ref_name

PARAM = "Param"
"""The name of the `TypedDict` an object model class holds for its dict form."""


@dataclass(frozen=True)
class ParamField:
    """One key of an object model's `Param` TypedDict."""

    key: str  # the property name, as sent
    hint: str
    required: bool
    description: str


def literal(value: Any) -> str | None:
    """A Python literal usable inside `Literal[...]`, or None when there is none."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (str, int)):
        return repr(value)
    return None


class TypeHints:
    """Python type hints for request inputs, given the component class names."""

    _SCALARS: ClassVar[dict[str, str]] = {
        "string": "str",
        "integer": "int",
        "number": "float",
        "boolean": "bool",
        "null": "None",
    }

    def __init__(self, document: dict[str, Any], classes: dict[str, str], enums: set[str]) -> None:
        self._document = document
        self._classes = classes
        self._enums = enums
        found = document.get("components", {})
        schemas = found.get("schemas") if isinstance(found, dict) else None
        self._schemas: dict[str, Any] = schemas if isinstance(schemas, dict) else {}

    def hint(self, schema: Any, depth: int = 0, seen: frozenset[str] = frozenset()) -> str:
        """The type a request input of `schema` takes (`seen`: the components being
        expanded, a cycle through which is `Any`)."""
        if not isinstance(schema, dict) or depth > 12:
            return "Any"
        if "$ref" in schema:
            return self._ref(ref_name(str(schema["$ref"])), depth, seen)
        literals = self._literals(schema)
        if literals:
            nullable = "null" in json_types(schema) and "None" not in literals
            return f"{literals} | None" if nullable else literals
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self._union(self.hint(b, depth + 1, seen) for b in schema[key])
        if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
            return self.hint(schema["allOf"][0], depth + 1, seen)
        kinds = json_types(schema)
        if not kinds:
            return "Any"
        return self._union(self._for_type(kind, schema, depth, seen) for kind in kinds)

    def _ref(self, name: str, depth: int, seen: frozenset[str]) -> str:
        cls = self._classes.get(name)
        target = self._schemas.get(name)
        if cls is None or not isinstance(target, dict):
            return "Any"
        if name in self._enums:
            literals = self._literals(target)
            return f"{cls} | {literals}" if literals else cls
        if self.has_param(name):
            return f"{cls} | {cls}.{PARAM}"
        if "properties" in target or target.get("type") == "object":
            return f"{cls} | dict[str, Any]"
        if name in seen:
            return "Any"
        # A union, array, map or scalar: the model module's name for it is the type itself
        # (see models.root_types), so the input is typed as what it holds, member by member.
        return self.hint(target, depth + 1, seen | {name})

    def _for_type(self, kind: str, schema: dict[str, Any], depth: int, seen: frozenset[str]) -> str:
        if kind == "string" and schema.get("format") == "binary":
            return "bytes"
        if kind == "array":
            return f"list[{self.hint(schema.get('items', {}), depth + 1, seen)}]"
        if kind == "object":
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and not schema.get("properties"):
                return f"dict[str, {self.hint(extra, depth + 1, seen)}]"
            return "dict[str, Any]"
        return self._SCALARS[kind]

    # -- the dict form of object models ------------------------------------------------------
    def has_param(self, name: str) -> bool:
        """Whether the component `name` is an object model with a `Param` TypedDict: it has
        properties (its own or along its `allOf`), is no union, enum or nullable type list,
        and no property is named like the TypedDict."""
        schema = self._schemas.get(name)
        if not isinstance(schema, dict) or name not in self._classes or name in self._enums:
            return False
        if any(key in schema for key in ("oneOf", "anyOf", "enum", "const")):
            return False
        kinds = json_types(schema)
        if kinds and kinds != ["object"]:
            return False
        properties, _ = self._chain(name)
        return bool(properties) and PARAM not in properties

    def param_fields(self, name: str) -> list[ParamField]:
        """The keys of the `Param` TypedDict of the component `name` (see `has_param`):
        every property along its `allOf` chain that a request may send (not `readOnly`)."""
        properties, required = self._chain(name)
        found = []
        for key, schema in properties.items():
            if isinstance(schema, dict) and schema.get("readOnly") is True:
                continue
            description = schema.get("description") if isinstance(schema, dict) else None
            found.append(
                ParamField(
                    key,
                    self.hint(schema, 1, frozenset({name})),
                    key in required,
                    description if isinstance(description, str) else "",
                )
            )
        return found

    def _chain(
        self, name: str, seen: frozenset[str] = frozenset()
    ) -> tuple[dict[str, Any], set[str]]:
        """The properties and required names of `name` and its `allOf` parts, refs followed."""
        schema = self._schemas.get(name)
        if not isinstance(schema, dict) or name in seen:
            return {}, set()
        properties: dict[str, Any] = {}
        required: set[str] = set()
        parts = schema.get("allOf")
        for part in [*(parts if isinstance(parts, list) else []), schema]:
            if not isinstance(part, dict):
                continue
            if "$ref" in part and part is not schema:
                inherited, needed = self._chain(ref_name(str(part["$ref"])), seen | {name})
                properties.update(inherited)
                required |= needed
                continue
            own = part.get("properties")
            if isinstance(own, dict):
                properties.update({str(k): v for k, v in own.items()})
            listed = part.get("required")
            if isinstance(listed, list):
                required |= {r for r in listed if isinstance(r, str)}
        return properties, required

    def _literals(self, schema: dict[str, Any]) -> str:
        values = enum_of(schema)
        rendered = [literal(value) for value in values]
        if not values or any(item is None for item in rendered):
            return ""
        concrete = [item for item in rendered if item != "None"]
        result = (
            f"Literal[{', '.join(dict.fromkeys(item for item in concrete if item))}]"
            if concrete
            else ""
        )
        if "None" in rendered:
            return f"{result} | None" if result else "None"
        return result

    @staticmethod
    def _union(parts: Any) -> str:
        seen: list[str] = []
        for part in parts:
            for piece in split_union(part):
                if piece not in seen:
                    seen.append(piece)
        if "Any" in seen:
            return "Any"
        return " | ".join(seen)


def identifier_key(key: str) -> bool:
    """Whether a TypedDict key can be written in the class syntax (else: the call syntax):
    an identifier that no keyword is, not mangled in a class body, not the TypedDict's name."""
    return (
        key.isidentifier()
        and key.isascii()
        and not keyword.iskeyword(key)
        and not key.startswith("__")
        and key != PARAM
    )


def split_union(hint: str) -> list[str]:
    """The top-level members of a `A | B` type hint (brackets and string literals respected)."""
    members: list[str] = []
    depth, start, quote, index = 0, 0, "", 0
    while index < len(hint):
        char = hint[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "|" and depth == 0:
            members.append(hint[start:index].strip())
            start = index + 1
        index += 1
    members.append(hint[start:].strip())
    return [member for member in members if member]
