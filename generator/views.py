"""Per-template view data derived from the intermediate model (names, signatures, docs)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from specforge.document.schemas import json_types
from specforge.generator import naming
from specforge.generator.escaping import Escaped
from specforge.generator.ir import Api, Field, Operation, Resource
from specforge.generator.type_hints import split_union

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
    bounds: tuple[tuple[str, Any], ...] = ()


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
class StreamView:
    """A method that answers with server-sent events: always, or when `selector` is true."""

    chunk_hint: str  # the Python type of one chunk
    selector: str  # the boolean argument that asks for the stream; "" : always a stream
    required: bool  # whether that argument must be given
    schema: str  # the component a chunk is checked against ("" : none)
    model: str  # the class a chunk becomes ("" : plain JSON, or text)
    kind: str  # "json" or "text"


@dataclass(frozen=True)
class PagerView:
    """A list operation's auto-paging twin (`list_all`): every item, page after page."""

    name: str  # the method's name
    max_pages: str  # the name of its page bound argument
    item_hint: str  # the Python type of one item
    spec: tuple[tuple[str, Any], ...]  # the runtime `PageSpec` fields that differ from defaults
    doc: str


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
    doc: str  # the docstring's text, wrapped for a method (see `method_doc`), not yet escaped
    stream: StreamView | None = None
    pager: PagerView | None = None
    brief: str = ""  # one line for its `with_raw_response` / `with_streaming_response` twins

    @property
    def request_path(self) -> str:
        return request_path(self.op.full_path)

    @property
    def stores(self) -> tuple[tuple[str, tuple[Argument, ...]], ...]:
        """The `RequestInput` fields the arguments go to, each with its arguments, in order.

        An exploded body is a `body` dict even without properties (it is sent as `{}`); a
        body passed whole is not listed (see `body_argument`).
        """
        order = ("path_params", "query", "headers", "cookies", "body")
        exploded = bool(self.op.body and self.op.body.exploded)
        found = []
        for target in order:
            arguments = tuple(a for a in self.arguments if a.target == target)
            if arguments or (target == "body" and exploded):
                found.append((target, arguments))
        return tuple(found)

    @property
    def arguments(self) -> tuple[Argument, ...]:
        body = (self.body_argument,) if self.body_argument else ()
        return (*self.positional, *body, *self.keywords)

    @property
    def deprecated_arguments(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.arguments if a.deprecated)

    @property
    def overloaded_arguments(self) -> tuple[Argument, ...]:
        """Deprecated arguments a call may leave out: a call that gives one matches an overload
        marked `@deprecated`, which type checkers report."""
        return tuple(a for a in self.keywords if a.deprecated and not a.required)

    @property
    def deprecation(self) -> str:
        """The `@deprecated` message of a deprecated operation ("" : not deprecated)."""
        name = ".".join((*self.op.resource, self.name))
        return f"{name} is deprecated by the API" if self.op.deprecated else ""

    @property
    def result(self) -> str:
        """What the method answers with: "plain" (its body), "stream" or "either"."""
        if self.stream is None:
            return "plain"
        return "either" if self.stream.selector else "stream"

    @property
    def overloads(self) -> tuple[tuple[str, bool, str, str], ...]:
        """The method's `@overload`s: (selector, plain, result, deprecation) each.

        `selector` types a stream method's boolean argument ("false", "true", "bool"; see the
        `signature` macro); `plain` types the deprecated arguments as not given; `result` is
        as in `result`; `deprecation` is the overload's `@deprecated` message ("" : none). A
        stream selected by an argument has three overloads; deprecated arguments add one, whose
        call gives one of them.
        """
        selected = self.stream is not None and bool(self.stream.selector)
        base = (
            (("false", "plain"), ("true", "stream"), ("bool", "either"))
            if selected
            else (("", self.result),)
        )
        deprecated = self.overloaded_arguments
        if not deprecated:
            return tuple((s, False, r, self.deprecation) for s, r in base) if selected else ()
        message = self.deprecation or "; ".join(
            f"{a.python_name} is deprecated"
            + (f": use {a.replaced_by} instead" if a.replaced_by else "")
            for a in deprecated
        )
        plain = tuple((s, True, r, self.deprecation) for s, r in base)
        return (*plain, ("bool" if selected else "", False, self.result, message))


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
    raw_wrapper: Escaped  # the runtime function that gives a method's `RawResponse` twin
    streaming_wrapper: Escaped  # ... and the one that gives its `StreamedResponse` twin
    poll_until: Escaped  # the runtime function a `poll` waits with
    stream: Escaped  # the runtime class of an event stream
    pager: Escaped  # the runtime class of an auto-paging listing


def _code(text: str) -> Escaped:
    """A fixed fragment of Python written by the generator itself."""
    return Escaped(text, "python")


FLAVOURS = (
    Flavour(
        _code(""),
        _code("SyncTransport"),
        _code(""),
        _code(""),
        _code(""),
        _code("raw_response_wrapper"),
        _code("streaming_response_wrapper"),
        _code("poll_until"),
        _code("Stream"),
        _code("SyncPager"),
    ),
    Flavour(
        _code("Async"),
        _code("AsyncTransport"),
        _code("async "),
        _code("await "),
        _code("a"),
        _code("async_raw_response_wrapper"),
        _code("async_streaming_response_wrapper"),
        _code("async_poll_until"),
        _code("AsyncStream"),
        _code("AsyncPager"),
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
        bounds=field.bounds,
    )


# Members every resource class has (or may have) besides its operations.
_RESERVED_MEMBERS = frozenset(
    {"poll", "create_and_poll", "with_raw_response", "with_streaming_response"}
)
TWINS = ("WithRawResponse", "WithStreamingResponse")  # suffixes of a resource's wrapper classes
# Names `poll` and `create_and_poll` take for their own arguments and locals.
_POLL_NAMES = frozenset({"self", "interval", "max_interval", "timeout", "args"})
_CREATE_AND_POLL_NAMES = frozenset({"poll_interval", "poll_timeout", "job", "ident"})
_PAGE_DEFAULTS: dict[str, Any] = {
    "items": (),
    "param": "",
    "cursor": (),
    "cursor_item": "",
    "has_more": (),
    "total": (),
    "total_pages": (),
    "page_size": "",
    "start": 1,
}


def pager_name(name: str, taken: set[str]) -> str:
    """The auto-paging twin of a method: `list` -> `list_all`, `list_events` -> `list_all_events`,
    else `<name>_all`; unique among the resource's members."""
    if name == "list" or name.startswith("list_"):
        wanted = "list_all" + name[len("list") :]
    else:
        wanted = f"{name}_all"
    return naming.unique(wanted, taken)


def pager_view(op: Operation, name: str, arguments: tuple[Argument, ...]) -> PagerView | None:
    """The pager of a paginated operation (None for the others)."""
    pagination = op.pagination
    if pagination is None:
        return None
    spec = tuple(
        (key, getattr(pagination, key))
        for key, default in _PAGE_DEFAULTS.items()
        if getattr(pagination, key) != default
    )
    bound = naming.unique("max_pages", {a.python_name for a in arguments})
    how = {
        "cursor": f"`{pagination.param}` takes the cursor each page gives for the next.",
        "offset": f"`{pagination.param}` moves on by the items each page holds.",
        "page": f"`{pagination.param}` counts the pages.",
        "link": "Each page's `Link` header names the next (on the client's origin only).",
    }[pagination.style]
    width = DOC_WIDTH - METHOD_INDENT
    summary = f"Every item of `{op.method_name}`, fetched page after page."
    detail = (
        f"{how} Arguments as for `{op.method_name}`; iterate the result for the items, or "
        f"its `iter_pages()` for the pages. `{bound}` bounds the pages fetched "
        "(`PaginationError` past it; None: no bound); a server that repeats a page is "
        "stopped at once."
    )
    doc = "\n".join([*wrap_doc(summary, width, width - 3), "", *wrap_doc(detail, width)])
    return PagerView(
        name=name,
        max_pages=bound,
        item_hint=pagination.item_model or "Any",
        spec=(("style", pagination.style), *spec),
        doc=doc,
    )


# -- uploads -----------------------------------------------------------------------------------
FILE_HINT = "FileTypes"  # the runtime's alias of what a file part accepts
CONTENT_HINT = "FileContent"  # ... and of what a raw binary body accepts
_RAW_BINARY = ("application/octet-stream", "image/", "audio/", "video/")


def is_binary(schema: Any) -> bool:
    """Whether a (resolved) schema is file content: `format: binary`, or a `contentMediaType`
    without `contentEncoding` (3.1)."""
    if not isinstance(schema, dict) or (json_types(schema) or ["string"]) != ["string"]:
        return False
    if schema.get("format") == "binary":
        return True
    return "contentMediaType" in schema and "contentEncoding" not in schema


def binary_classes(api: Api) -> frozenset[str]:
    """The classes of the component schemas that are file content (`AudioFileBinary`)."""
    return frozenset(
        api.schema_classes[name]
        for name, schema in api.schemas.items()
        if name in api.schema_classes and is_binary(schema)
    )


def upload_hint(hint: str, binary: frozenset[str] = frozenset()) -> str:
    """A form property's hint with its file content as `FileTypes`: `bytes`, a class of binary
    content, and such items of a list."""
    members: list[str] = []
    for member in split_union(hint):
        if member == "bytes" or member in binary:
            member = FILE_HINT
        elif member.startswith("list[") and member.endswith("]"):
            member = f"list[{upload_hint(member[5:-1], binary)}]"
        if member not in members:
            members.append(member)
    return " | ".join(members)


def _uploads(
    op: Operation, arguments: tuple[Argument, ...], binary: frozenset[str]
) -> tuple[Argument, ...]:
    """`arguments` with the file properties of a multipart body typed as files."""
    if not op.body or not op.body.content_type.startswith("multipart/"):
        return arguments
    return tuple(
        replace(a, hint=upload_hint(a.hint, binary)) if a.target == "body" else a for a in arguments
    )


def method_view(op: Operation, binary: frozenset[str] = frozenset()) -> MethodView:
    """The view of one operation's method; `binary` names the classes of file content."""
    positional = tuple(_argument(f) for f in op.path_fields)
    keywords = _uploads(op, tuple(_argument(f) for f in op.keyword_fields), binary)
    body_argument = None
    if op.body and not op.body.exploded:
        taken = {a.python_name for a in (*positional, *keywords)}
        name = "body" if "body" not in taken else "request_body"
        hint = op.body.type_hint
        if hint == "bytes" and op.body.content_type.startswith(_RAW_BINARY):
            hint = CONTENT_HINT
        body_argument = Argument(
            name,
            "",
            "raw_body",
            hint,
            op.body.required,
            "The request body.",
            False,
            "",
        )
    constant = "_" + "_".join((*op.resource, op.method_name)).upper()
    body = (body_argument,) if body_argument else ()
    stream = None
    if op.stream is not None:
        selector = next((a for a in keywords if a.python_name == op.stream.selector_python), None)
        stream = StreamView(
            chunk_hint=op.stream.chunk_hint,
            selector=selector.python_name if selector else "",
            required=bool(selector and selector.required),
            schema=op.stream.chunk_pointer.split("/")[-1] if op.stream.chunk_pointer else "",
            model=op.stream.chunk_model,
            kind="text" if op.stream.chunk_hint == "str" and not op.stream.chunk_model else "json",
        )
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
        doc=method_doc(op, (*positional, *body, *keywords)),
        brief=brief_doc(op),
        stream=stream,
        pager=pager_view(op, pager_name(op.method_name, set()), (*positional, *body, *keywords)),
    )


# -- docstrings --------------------------------------------------------------------------------
DOC_WIDTH = 88
"""Columns a generated docstring line takes at most, indentation included; only a word or a
code span longer than a line, and code blocks and tables, which are kept as written, go past."""
METHOD_INDENT = 8  # a method's docstring lines are indented this far
ARGUMENT_INDENT = 4  # an `Args:` entry, relative to the docstring; its continuation lines 8
_NARROWEST = 24  # a line is given at least this many columns, however deep its indentation
_FENCE = re.compile(r"\s*(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"(\s*)([-*+]|\d{1,9}[.)])\s+(\S.*)")
_HEADING = re.compile(r"\s*#{1,6}(\s|$)")


def _width(text: str) -> int:
    """The columns `text` takes once escaped for a docstring (a backslash is written twice)."""
    return len(text) + text.count("\\") + 3 * text.count('"""')


def _words(text: str) -> list[str]:
    """The words of `text`, each code span one word with its spaces (see `_fill`)."""
    groups: list[list[str]] = []
    in_span = False
    for word in text.split():
        if in_span:
            groups[-1].append(word)
        else:
            groups.append([word])
        if word.count("`") % 2:
            in_span = not in_span
    return [" ".join(group) for group in groups]


def _fill(text: str, first: int, rest: int) -> list[str]:
    """`text` as lines of at most `first` (the first line) and `rest` columns.

    Lines break between words, never inside a code span unless the span is longer than a
    line on its own (it then breaks at its spaces, which Markdown reads as spaces).
    """
    words: list[str] = []
    for word in _words(text):
        words.extend([word] if " " not in word or _width(word) <= rest else word.split(" "))
    lines: list[str] = []
    line, used = "", 0
    for word in words:
        size = _width(word)
        if line and used + 1 + size > (rest if lines else first):
            lines.append(line)
            line, used = word, size
        elif line:
            line, used = f"{line} {word}", used + 1 + size
        else:
            line, used = word, size
    if line:
        lines.append(line)
    return lines


def wrap_doc(text: str, width: int, first: int | None = None) -> list[str]:
    """Markdown-ish prose as docstring lines of at most `width` columns (`first` for line one).

    Paragraphs are refilled and list items wrapped under their text; fenced and indented
    code, table rows and headings are kept line for line (a row too wide for `width` is
    wrapped, its continuation lines indented by two). Blank lines separate blocks, one each.
    """
    out: list[str] = []
    block: tuple[str, str, list[str]] | None = None  # (first-line prefix, hanging prefix, text)
    fence = ""

    def flush() -> None:
        nonlocal block
        if block is None:
            return
        lead, hang, parts = block
        room = (width if out or first is None else first) - len(lead)
        lines = _fill(" ".join(parts), max(room, _NARROWEST), max(width - len(hang), _NARROWEST))
        out.extend([lead + lines[0], *(hang + line for line in lines[1:])] if lines else [])
        block = None

    for raw in text.splitlines():
        line = raw.rstrip()
        if fence:
            out.append(line)
            if line.strip().startswith(fence):
                fence = ""
            continue
        opening = _FENCE.match(line)
        item = _LIST_ITEM.fullmatch(line)
        if opening:
            flush()
            fence = opening.group(1)
            out.append(line)
        elif not line:
            flush()
            if out and out[-1]:
                out.append("")
        elif item:
            flush()
            indent, marker, rest = item.groups()
            lead = f"{indent}{marker} "
            block = (lead, " " * len(lead), [rest])
        elif line.lstrip().startswith("|") and _width(line) > width:
            flush()  # a table row too wide to keep: wrapped under itself
            indent = line[: len(line) - len(line.lstrip())]
            block = (indent, indent + "  ", [line.strip()])
            flush()
        elif (
            line.lstrip().startswith("|")
            or _HEADING.match(line)
            or (block is None and line.startswith(("    ", "\t")))
        ):
            flush()
            out.append(line)
        elif block is None:
            block = ("", "", [line.strip()])
        else:
            block[2].append(line.strip())
    flush()
    while out and not out[-1]:
        out.pop()
    return out


def method_doc(op: Operation, arguments: tuple[Argument, ...]) -> str:
    """A method's docstring text, for `indent_doc(METHOD_INDENT)` to escape and indent.

    The summary, the description, the request line, a deprecation notice, then `Args:` for the
    arguments that have something to say (a description, else their constraints).
    """
    width = DOC_WIDTH - METHOD_INDENT
    blocks = [wrap_doc(op.summary or f"{op.method} {op.full_path}", width, width - 3)]
    if op.description and op.description != op.summary:
        blocks.append(wrap_doc(op.description, width))
    blocks.append([f"`{op.method} {op.full_path}`"])
    if op.deprecated:
        blocks.append(["Deprecated: this operation is deprecated by the API."])
    entries = ["Args:"]
    for argument in arguments:
        text = argument_doc(argument)
        if not text:
            continue
        lead = " " * ARGUMENT_INDENT + argument.python_name + ": "
        hang = " " * (2 * ARGUMENT_INDENT)
        lines = wrap_doc(text, width - len(hang), width - len(lead)) or [""]
        entries.append(lead + lines[0])
        entries.extend(hang + line if line else "" for line in lines[1:])
    if len(entries) > 1:
        blocks.append(entries)
    return "\n\n".join("\n".join(block) for block in blocks if block)


BRIEF_WIDTH = DOC_WIDTH - METHOD_INDENT - 6  # a one-line docstring, its quotes included


def brief_doc(op: Operation) -> str:
    """One line saying what a method does: its summary's first sentence, cut at a word (with
    an ellipsis) where it is longer than a line."""
    text = " ".join((op.summary or f"{op.method} {op.full_path}").split())
    sentence = re.match(r".*?[.!?](?=\s|$)", text)
    text = sentence.group(0) if sentence else text
    if _width(text) <= BRIEF_WIDTH:
        return text
    words = _words(text)
    line = ""
    for word in words:
        if _width(f"{line} {word}".strip()) > BRIEF_WIDTH - 3:
            break
        line = f"{line} {word}".strip()
    return f"{line or text[: BRIEF_WIDTH - 3]}..."


def poll_doc(terminal: tuple[str, ...], status: str = "status", label: str = "id") -> str:
    """The docstring text of a resource's `poll` method."""
    width = DOC_WIDTH - METHOD_INDENT
    summary = f"Retrieve `{label}` until its `{status}` is terminal ({', '.join(terminal)})."
    detail = (
        "Waits `interval` s between attempts, growing to `max_interval`; "
        "`PollingTimeoutError` after `timeout` s."
    )
    return "\n".join([*wrap_doc(summary, width, width - 3), "", *wrap_doc(detail, width)])


def argument_doc(argument: Argument) -> str:
    """What an argument's docstring entry says: its description, with a deprecation notice
    in front when the description has none; without a description, its constraints, if any
    (else nothing: the entry is left out)."""
    text = argument.description.strip()
    if argument.deprecated and "deprecated" not in text.lower():
        instead = f" Use `{argument.replaced_by}` instead." if argument.replaced_by else ""
        text = f"Deprecated.{instead} {text}".strip()
    return text or _constraints(argument.bounds)


_BOUND_PHRASES = {
    "minimum": "at least {}",
    "maximum": "at most {}",
    "exclusiveMinimum": "more than {}",
    "exclusiveMaximum": "less than {}",
    "minLength": "at least {} character{}",
    "maxLength": "at most {} character{}",
    "minItems": "at least {} item{}",
    "maxItems": "at most {} item{}",
    "multipleOf": "a multiple of {}",
}


def _constraints(bounds: tuple[tuple[str, Any], ...]) -> str:
    """A sentence naming the bounds a schema states ("At least 1, at most 10."), or ""."""
    phrases = []
    for keyword, value in bounds:
        if keyword == "pattern" and isinstance(value, str):
            phrases.append(f"matching the pattern `{value}`")
        elif (
            keyword in _BOUND_PHRASES
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            phrases.append(_BOUND_PHRASES[keyword].format(value, "" if value == 1 else "s"))
    text = ", ".join(phrases)
    return f"{text[:1].upper()}{text[1:]}." if text else ""


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

    stream = view.stream
    if stream is not None:
        stream = replace(stream, chunk_hint=qualify_builtins(stream.chunk_hint, shadowed))
    pager = view.pager
    if pager is not None:
        pager = replace(pager, item_hint=qualify_builtins(pager.item_hint, shadowed))
    return replace(
        view,
        positional=tuple(fix(a) for a in view.positional),
        keywords=tuple(fix(a) for a in view.keywords),
        body_argument=fix(view.body_argument) if view.body_argument else None,
        return_hint=qualify_builtins(view.return_hint, shadowed),
        stream=stream,
        pager=pager,
    )


def resource_class(node: Resource, reserved: frozenset[str]) -> str:
    """The resource's class name, suffixed with `Resource` where a model already uses it."""
    name = node.class_name
    variants = {f"{p}{name}{t}" for p in ("", "Async") for t in ("", *TWINS)}
    return f"{name}Resource" if variants & reserved else name


def resource_views(
    resource: Resource,
    reserved: frozenset[str] = frozenset(),
    binary: frozenset[str] = frozenset(),
) -> list[ResourceView]:
    """Views of `resource` and its sub-resources; `reserved` are the model class names,
    `binary` those of file content."""
    views = []
    constants: set[str] = set()  # one module holds the operation constants of every view
    for node in resource.walk():
        members = {op.method_name for op in node.operations} | set(node.children)
        pagers = {}
        for op in sorted(node.operations, key=lambda o: o.method_name):
            if op.pagination is not None:
                pagers[op.method_name] = pager_name(op.method_name, members | _RESERVED_MEMBERS)
                members.add(pagers[op.method_name])
        shadowed = frozenset(members & _BUILTIN_TYPES)
        poller = None
        polling = node.polling
        by_name = {op.method_name: op for op in node.operations}
        retrieve = None
        if polling is not None and polling.retrieve in by_name:
            retrieve = _shadow_safe(method_view(by_name[polling.retrieve], binary), shadowed)
            if {a.python_name for a in retrieve.positional} & _POLL_NAMES:
                retrieve = None  # `poll` takes these names itself
        if polling is not None and retrieve is not None:
            create = by_name.get(polling.create) if polling.create else None
            if (
                create is not None
                and {a.python_name for a in method_view(create, binary).arguments}
                & _CREATE_AND_POLL_NAMES
            ):
                create = None
            label = retrieve.positional[-1].python_name
            poller = {
                "terminal": polling.terminal,
                "pending": polling.pending,
                "status": polling.status,
                "model": polling.model,
                "retrieve": retrieve,
                "create": _shadow_safe(method_view(create, binary), shadowed) if create else None,
                "id_path": polling.id_path,
                "doc": poll_doc(polling.terminal, polling.status, label),
                "constant": naming.unique(f"_{node.path[-1].upper()}_POLL", constants),
            }
        methods = []
        for op in sorted(node.operations, key=lambda o: o.method_name):
            view = _shadow_safe(method_view(op, binary), shadowed)
            if view.pager is not None:
                view = replace(view, pager=replace(view.pager, name=pagers[op.method_name]))
            # `_A_B_C` is both `a.b.c` and `a.b_c`: each operation keeps a constant of its own.
            methods.append(replace(view, constant=naming.unique(view.constant, constants)))
        views.append(
            ResourceView(
                resource=node,
                class_name=resource_class(node, reserved),
                methods=tuple(methods),
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
            if method.stream is not None:
                hints.append(method.stream.chunk_hint)
            if method.pager is not None:
                hints.append(method.pager.item_hint)
    return names_used(hints, classes)


def api_views(api: Api) -> dict[str, list[ResourceView]]:
    reserved = frozenset(api.schema_classes.values())
    binary = binary_classes(api)
    return {
        name: resource_views(api.resources[name], reserved, binary)
        for name in sorted(api.resources)
    }
