"""What a change's JSON pointer is in the generated SDK: a class, a method, an argument.

`SdkNames(old, new)` reads both documents' intermediate models (as the generator names things)
and says, for a pointer into either, where an SDK user meets it (`Subject`): `client.pets.list()`
and its argument `limit`, the class `VideoJob` and its field `status`, ... A changelog for SDK
users speaks in these names, never in pointers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specforge.document.loader import resolve_pointer
from specforge.generator.ir import Api, Operation
from specforge.generator.parse import build_api

_COMPONENT_KINDS = {
    "parameters": "shared parameter",
    "requestBodies": "shared request body",
    "responses": "shared response",
    "headers": "shared header",
    "securitySchemes": "security scheme",
}
Part = tuple[str, bool]  # (text, whether it is code)


@dataclass(frozen=True)
class Subject:
    """Where an SDK user meets a change: `parts` to show, in order, each code or prose
    (`client.pets.list()`, " argument ", `limit`), and the SDK surface names it is
    (`pets.list`, `pets.list(limit)`, `VideoJob`, as `sdk_surface` spells them), if any."""

    parts: tuple[Part, ...]
    surface: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.parts)


def _code(*texts: str) -> tuple[Part, ...]:
    """Code and prose alternating, code first: _code("a()", " argument ", "x")."""
    return tuple((text, index % 2 == 0) for index, text in enumerate(texts) if text)


def _tokens(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _pointer(tokens: list[str]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def method_call(method: str) -> str:
    """`pets.list` (a surface name) as an SDK user writes it: `client.pets.list()`."""
    return f"client.{method}()"


def _method(op: Operation) -> str:
    return ".".join((*op.resource, op.method_name))


def _calls(methods: list[str]) -> list[Part]:
    """`client.a()`, `client.b()`: each call code, the commas prose."""
    parts: list[Part] = []
    for method in methods:
        parts += [(", ", False)] if parts else []
        parts.append((method_call(method), True))
    return parts


def _properties(tokens: list[str]) -> list[str]:
    """The property names along a schema path (`properties`, name, ... `items` ...)."""
    names, index = [], 0
    while index < len(tokens):
        if tokens[index] == "properties" and index + 1 < len(tokens):
            names.append(tokens[index + 1])
            index += 2
        else:
            index += 1
    return names


def _top_property(rest: list[str], properties: list[str]) -> bool:
    """Whether `rest` points at a top-level property itself (not into it)."""
    return len(properties) == 1 and rest[-2:] == ["properties", properties[0]]


@dataclass(frozen=True)
class _Side:
    document: dict[str, Any]
    operations: dict[str, Operation]
    classes: dict[str, str]

    @classmethod
    def of(cls, document: dict[str, Any]) -> _Side:
        api: Api = build_api(document)
        return cls(document, {op.pointer: op for op in api.operations}, api.schema_classes)


class SdkNames:
    """Pointers into OLD or NEW, named as the generated SDK names them."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.new, self.old = _Side.of(new), _Side.of(old)

    def subject(self, pointer: str, *, old: bool = False) -> Subject | None:
        """Where an SDK user meets the thing at `pointer` (None: nowhere the SDK names); a
        pointer into OLD (something removed) with `old`, else into NEW."""
        sides = (self.old, self.new) if old else (self.new, self.old)
        return _Namer(sides).subject(_tokens(pointer))


class _Namer:
    """Names on two sides, the first one's winning."""

    def __init__(self, sides: tuple[_Side, _Side]) -> None:
        self.sides = sides
        self.operations = {**sides[1].operations, **sides[0].operations}

    def subject(self, tokens: list[str]) -> Subject | None:
        if len(tokens) >= 3 and tokens[:2] == ["components", "schemas"]:
            return self._schema(tokens[2], tokens[3:])
        if len(tokens) >= 2 and tokens[0] == "paths":
            return self._path(tokens)
        if len(tokens) == 2 and tokens[0] == "webhooks":
            return Subject((("webhook ", False), (tokens[1], True)))
        if len(tokens) >= 3 and tokens[0] == "components" and tokens[1] in _COMPONENT_KINDS:
            return Subject(((_COMPONENT_KINDS[tokens[1]] + " ", False), (tokens[2], True)))
        return None

    def _schema(self, component: str, rest: list[str]) -> Subject:
        name = next(
            (side.classes[component] for side in self.sides if component in side.classes),
            component,
        )
        properties = _properties(rest)
        if not properties:
            return Subject(_code(name), frozenset({name}) if not rest else frozenset())
        field = _code(".".join((name, *properties)))
        if not _top_property(rest, properties):
            return Subject(field)
        # A top-level property of a body the SDK takes as keyword arguments is one of them.
        target = f"#/components/schemas/{component}"
        arguments = sorted(
            (_method(op), f.python_name)
            for op in self.operations.values()
            if op.body and op.body.exploded and op.body.schema_pointer == target
            for f in op.body.properties
            if f.name == properties[0]
        )
        if not arguments:
            return Subject(field)
        calls = _calls([method for method, _ in arguments])
        parts = (*calls, (" argument ", False), (arguments[0][1], True), (" (", False))
        return Subject((*parts, *field, (")", False)), frozenset(f"{m}({p})" for m, p in arguments))

    def _item(self, path: str) -> list[Operation]:
        """The operations of the path item `path`, by SDK method name."""
        prefix = _pointer(["paths", path]) + "/"
        found = [op for key, op in self.operations.items() if key.startswith(prefix)]
        return sorted(found, key=_method)

    def _path(self, tokens: list[str]) -> Subject | None:
        ops = self._item(tokens[1])
        calls = tuple(_calls([_method(op) for op in ops]))
        if len(tokens) == 2:
            return Subject(calls, frozenset(_method(op) for op in ops)) if ops else None
        op = self.operations.get(_pointer(tokens[:3]))
        if op is None:  # a path item's own parameters: every operation of the path takes them
            name = self._parameter_name(_pointer(tokens[:4])) if tokens[2] == "parameters" else ""
            if not ops or not name:
                return None
            argument = self._python_name(ops[0], name)
            return Subject((*calls, (" argument ", False), (argument, True)))
        call, rest = method_call(_method(op)), tokens[3:]
        if not rest:
            return Subject(_code(call), frozenset({_method(op)}))
        if rest[0] == "parameters" and len(rest) >= 2:
            name = self._parameter_name(_pointer(tokens[:5]))
            if name:
                python = self._python_name(op, name)
                named = frozenset({f"{_method(op)}({python})"}) if len(rest) == 2 else frozenset()
                return Subject(_code(call, " argument ", python), named)
        if rest[0] == "requestBody":
            properties = _properties(rest)
            body = op.body
            if not (properties and body and body.exploded):
                return Subject(_code(call, " request body"))
            python = next(
                (f.python_name for f in body.properties if f.name == properties[0]),
                properties[0],
            )
            argument = ".".join((python, *properties[1:]))
            top = _top_property(rest, properties)
            surface = frozenset({f"{_method(op)}({python})"}) if top else frozenset()
            return Subject(_code(call, " argument ", argument), surface)
        if rest[0] == "responses" and len(rest) >= 2:
            properties = _properties(rest)
            status = f" response {rest[1]}" + (" field " if properties else "")
            return Subject(_code(call, status, ".".join(properties)))
        return Subject(_code(call))

    def _parameter_name(self, pointer: str) -> str:
        for document in (side.document for side in self.sides):
            try:
                found = resolve_pointer(document, pointer)
                if isinstance(found, dict) and str(found.get("$ref", "")).startswith("#/"):
                    found = resolve_pointer(document, str(found["$ref"])[1:])
            except KeyError:
                continue
            if isinstance(found, dict) and isinstance(found.get("name"), str):
                return str(found["name"])
        return ""

    @staticmethod
    def _python_name(op: Operation, name: str) -> str:
        return next((f.python_name for f in op.parameters if f.name == name), name)
