"""Per-template view data derived from the intermediate model (names, signatures, docs)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from specforge.generator.escaping import Escaped
from specforge.generator.ir import Api, Field, Operation, Resource

_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass(frozen=True)
class Argument:
    """One argument of a generated method."""

    python_name: str
    wire_name: str
    target: str  # path_params, query, headers, cookies, body
    hint: str
    required: bool
    description: str
    deprecated: bool
    replaced_by: str

    @property
    def store(self) -> str:
        """The mapping this argument is stored in inside the generated method."""
        return "body" if self.target == "body" else f"call.{self.target}"


_PATH_TEMPLATE = re.compile(r"(\{[^{}]*\})")
# RFC 3986 pchar plus "/": what may stay as it is in a path; everything else is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def request_path(path: str) -> str:
    """`path` as sent: literal parts percent-encoded, `{name}` templates kept for the runtime."""
    return "".join(
        part if _PATH_TEMPLATE.fullmatch(part) else quote(part, safe=_PATH_SAFE)
        for part in _PATH_TEMPLATE.split(path)
    )


@dataclass(frozen=True)
class MethodView:
    """A resource method: its signature, its request spec and its documentation."""

    op: Operation
    constant: str
    name: str
    positional: tuple[Argument, ...]
    keywords: tuple[Argument, ...]
    body_argument: Argument | None
    return_hint: str
    cast: str
    doc: str

    @property
    def request_path(self) -> str:
        return request_path(self.op.full_path)

    @property
    def arguments(self) -> tuple[Argument, ...]:
        body = (self.body_argument,) if self.body_argument else ()
        return (*self.positional, *body, *self.keywords)

    @property
    def deprecated_arguments(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.arguments if a.deprecated)


@dataclass(frozen=True)
class ResourceView:
    """A resource class with its methods and child resources."""

    resource: Resource
    class_name: str
    methods: tuple[MethodView, ...]
    children: tuple[tuple[str, str], ...]  # (attribute, class name)
    poller: dict[str, Any] | None


@dataclass(frozen=True)
class Flavour:
    """The words that make a sync class async: the templates loop over both flavours."""

    prefix: Escaped  # class name prefix
    transport: Escaped
    async_: Escaped  # "async " before def
    await_: Escaped  # "await " before a call
    dunder: Escaped  # "a" in __aenter__ / __aexit__
    sleep: Escaped  # module whose sleep() the poller awaits


def _code(text: str) -> Escaped:
    """A fixed fragment of Python written by the generator itself."""
    return Escaped(text, "python")


FLAVOURS = (
    Flavour(_code(""), _code("SyncTransport"), _code(""), _code(""), _code(""), _code("time")),
    Flavour(
        _code("Async"),
        _code("AsyncTransport"),
        _code("async "),
        _code("await "),
        _code("a"),
        _code("asyncio"),
    ),
)


_TARGET = {
    "path": "path_params",
    "query": "query",
    "header": "headers",
    "cookie": "cookies",
    "body": "body",
}


def _argument(field: Field) -> Argument:
    return Argument(
        python_name=field.python_name,
        wire_name=field.name,
        target=_TARGET[field.location],
        hint=field.type_hint,
        required=field.required,
        description=field.description,
        deprecated=field.deprecated,
        replaced_by=field.replaced_by,
    )


def method_view(op: Operation) -> MethodView:
    positional = tuple(_argument(f) for f in op.path_fields)
    keywords = tuple(_argument(f) for f in op.keyword_fields)
    body_argument = None
    if op.body and not op.body.exploded:
        taken = {a.python_name for a in (*positional, *keywords)}
        name = "body" if "body" not in taken else "request_body"
        body_argument = Argument(
            name,
            "",
            "raw_body",
            op.body.type_hint,
            op.body.required,
            "The request body.",
            False,
            "",
        )
    constant = "_" + "_".join((*op.resource, op.method_name)).upper()
    return MethodView(
        op=op,
        constant=constant,
        name=op.method_name,
        positional=positional,
        keywords=keywords,
        body_argument=body_argument,
        return_hint=op.return_hint,
        cast=op.success.model
        if op.success and op.success.kind == "json" and op.success.model
        else "",
        doc=_method_doc(op),
    )


def _method_doc(op: Operation) -> str:
    parts = [op.summary or f"{op.method} {op.full_path}"]
    if op.description and op.description != op.summary:
        parts.append(op.description)
    parts.append(f"`{op.method} {op.full_path}`")
    if op.deprecated:
        parts.append("Deprecated: this operation is deprecated by the API.")
    return "\n\n".join(parts)


def argument_doc(argument: Argument) -> str:
    text = " ".join(argument.description.split())
    if argument.deprecated and "deprecated" not in text.lower():
        instead = f" Use `{argument.replaced_by}` instead." if argument.replaced_by else ""
        text = f"Deprecated.{instead} {text}".strip()
    return text or "(no description in the spec)"


_BUILTIN_TYPES = frozenset(
    {"list", "dict", "set", "frozenset", "tuple", "str", "int", "float", "bool", "bytes", "type"}
)


def qualify_builtins(hint: str, shadowed: frozenset[str]) -> str:
    """`hint` with builtin type names that a class member shadows written as `builtins.<name>`."""
    if not shadowed:
        return hint
    pattern = re.compile(r"(?<![.\w])(" + "|".join(sorted(shadowed)) + r")\b")
    parts = _STRING.split(hint)
    literals = _STRING.findall(hint)
    out = [pattern.sub(r"builtins.\1", part) for part in parts]
    return "".join(piece for pair in zip(out, [*literals, ""], strict=True) for piece in pair)


def _shadow_safe(view: MethodView, shadowed: frozenset[str]) -> MethodView:
    """A method view whose type hints survive class members named like builtin types."""
    if not shadowed:
        return view

    def fix(argument: Argument) -> Argument:
        return replace(argument, hint=qualify_builtins(argument.hint, shadowed))

    return replace(
        view,
        positional=tuple(fix(a) for a in view.positional),
        keywords=tuple(fix(a) for a in view.keywords),
        body_argument=fix(view.body_argument) if view.body_argument else None,
        return_hint=qualify_builtins(view.return_hint, shadowed),
    )


def resource_class(node: Resource, reserved: frozenset[str]) -> str:
    """The resource's class name, suffixed with `Resource` where a model already uses it."""
    name = node.class_name
    variants = {name, f"Async{name}", f"{name}WithRawResponse", f"Async{name}WithRawResponse"}
    return f"{name}Resource" if variants & reserved else name


def resource_views(
    resource: Resource, reserved: frozenset[str] = frozenset()
) -> list[ResourceView]:
    """Views of `resource` and its sub-resources; `reserved` are the model class names."""
    views = []
    for node in resource.walk():
        members = {op.method_name for op in node.operations} | set(node.children)
        shadowed = frozenset(members & _BUILTIN_TYPES)
        poller = None
        if node.poller is not None:
            create = next(op for op in node.operations if op.method_name == node.poller.create)
            poller = {
                "terminal": node.poller.terminal,
                "pending": node.poller.pending,
                "model": node.poller.model,
                "create": _shadow_safe(method_view(create), shadowed),
            }
        views.append(
            ResourceView(
                resource=node,
                class_name=resource_class(node, reserved),
                methods=tuple(
                    _shadow_safe(method_view(op), shadowed)
                    for op in sorted(node.operations, key=lambda o: o.method_name)
                ),
                children=tuple(
                    (name, resource_class(node.children[name], reserved))
                    for name in sorted(node.children)
                ),
                poller=poller,
            )
        )
    return views


def names_used(hints: list[str], classes: set[str]) -> list[str]:
    """The model class names mentioned in type hints (string literals ignored)."""
    found: set[str] = set()
    for hint in hints:
        found.update(name for name in _IDENT.findall(_STRING.sub("", hint)) if name in classes)
    return sorted(found)


def module_model_names(views: list[ResourceView], classes: set[str]) -> list[str]:
    hints: list[str] = []
    for view in views:
        for method in view.methods:
            hints.extend(a.hint for a in method.arguments)
            hints.append(method.return_hint)
    return names_used(hints, classes)


def api_views(api: Api) -> dict[str, list[ResourceView]]:
    reserved = frozenset(api.schema_classes.values())
    return {name: resource_views(api.resources[name], reserved) for name in sorted(api.resources)}
