"""Python type hints for request inputs, built from (normalised) JSON Schemas."""

from __future__ import annotations

from typing import Any, ClassVar

from specforge.document.schemas import enum_of, json_types, ref_name


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

    def hint(self, schema: Any, depth: int = 0) -> str:
        if not isinstance(schema, dict) or depth > 12:
            return "Any"
        if "$ref" in schema:
            name = ref_name(str(schema["$ref"]))
            cls = self._classes.get(name)
            if cls is None:
                return "Any"
            target = self._document.get("components", {}).get("schemas", {}).get(name, {})
            if name in self._enums and isinstance(target, dict):
                literals = self._literals(target)
                return f"{cls} | {literals}" if literals else cls
            if isinstance(target, dict) and (
                "properties" in target or target.get("type") == "object"
            ):
                return f"{cls} | dict[str, Any]"
            return cls
        literals = self._literals(schema)
        if literals:
            nullable = "null" in json_types(schema) and "None" not in literals
            return f"{literals} | None" if nullable else literals
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self._union(self.hint(branch, depth + 1) for branch in schema[key])
        if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
            return self.hint(schema["allOf"][0], depth + 1)
        kinds = json_types(schema)
        if not kinds:
            return "Any"
        return self._union(self._for_type(kind, schema, depth) for kind in kinds)

    def _for_type(self, kind: str, schema: dict[str, Any], depth: int) -> str:
        if kind == "string" and schema.get("format") == "binary":
            return "bytes"
        if kind == "array":
            return f"list[{self.hint(schema.get('items', {}), depth + 1)}]"
        if kind == "object":
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and not schema.get("properties"):
                return f"dict[str, {self.hint(extra, depth + 1)}]"
            return "dict[str, Any]"
        return self._SCALARS[kind]

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
