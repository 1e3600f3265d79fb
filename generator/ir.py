"""The intermediate model: operations and schemas as the templates need them.

Everything here is plain data derived from the document; no rendering decisions beyond names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ParameterLocation = Literal["path", "query", "header", "cookie"]


@dataclass(frozen=True)
class Server:
    """An operation's effective server, split into origin and base path."""

    url: str
    origin: str
    base_path: str


@dataclass(frozen=True)
class Field:
    """A request input: a parameter or a top-level body property."""

    name: str
    python_name: str
    location: str  # "path", "query", "header", "cookie" or "body"
    required: bool
    type_hint: str
    schema: dict[str, Any]
    description: str = ""
    deprecated: bool = False
    replaced_by: str = ""
    style: str = ""
    explode: bool = True
    enum: tuple[Any, ...] = ()
    bounds: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class RequestBody:
    """The operation's request body: its media type and how it is passed in Python."""

    content_type: str
    schema_pointer: str
    required: bool
    model: str
    properties: tuple[Field, ...]
    exploded: bool  # properties become keyword arguments; else a single `body` argument
    type_hint: str


@dataclass(frozen=True)
class Response:
    """One documented response of an operation."""

    status: str
    content_type: str
    schema_pointer: str
    model: str
    kind: Literal["json", "text", "binary", "empty"]


@dataclass(frozen=True)
class EventStream:
    """A `text/event-stream` success response: each event's data is one chunk."""

    chunk_pointer: str  # component pointer of a chunk's schema ("" : no schema to check)
    chunk_model: str  # class a chunk is validated into ("" : the event's JSON as it comes)
    chunk_hint: str  # the chunk's Python type ("str" for plain text events)
    selector: str = ""  # boolean body property that asks for the stream; "" : always a stream
    selector_python: str = ""  # that property's argument name


PaginationStyle = Literal["cursor", "offset", "page", "link"]


@dataclass(frozen=True)
class Pagination:
    """How a list operation reaches its next page (see `generator/detect.py`).

    Paths are JSON property names from the body's root (`("meta", "next_cursor")`).
    """

    style: PaginationStyle
    items: tuple[str, ...]  # the item list; () : the body is the list
    item_model: str  # class of one item ("" : Any)
    param: str = ""  # query parameter taking the next cursor, offset or page number
    cursor: tuple[str, ...] = ()  # cursor: the next cursor in the body
    cursor_item: str = ""  # cursor: item property whose last value is the next cursor
    has_more: tuple[str, ...] = ()  # a boolean saying whether another page follows
    total: tuple[str, ...] = ()  # offset, page: how many items there are in all
    total_pages: tuple[str, ...] = ()  # page: how many pages there are
    page_size: str = ""  # query parameter with the page size
    start: int = 1  # page: the number of the first page


@dataclass(frozen=True)
class Operation:
    """One HTTP operation and everything needed to call it."""

    pointer: str
    operation_id: str
    method: str
    path: str
    server: Server
    full_path: str
    resource: tuple[str, ...]
    method_name: str
    summary: str
    description: str
    deprecated: bool
    tags: tuple[str, ...]
    secured: bool
    parameters: tuple[Field, ...]
    body: RequestBody | None
    responses: tuple[Response, ...]
    success: Response | None
    idempotency_header: str = ""
    stream: EventStream | None = None
    pagination: Pagination | None = None

    @property
    def return_hint(self) -> str:
        if self.success is None or self.success.kind == "empty":
            return "None"
        if self.success.kind == "json":
            return self.success.model or "Any"
        return "bytes" if self.success.kind == "binary" else "str"

    @property
    def path_fields(self) -> tuple[Field, ...]:
        return tuple(p for p in self.parameters if p.location == "path")

    @property
    def keyword_fields(self) -> tuple[Field, ...]:
        body = self.body.properties if self.body and self.body.exploded else ()
        others = tuple(p for p in self.parameters if p.location != "path")
        return tuple(sorted((*body, *others), key=lambda f: (not f.required,)))


@dataclass(frozen=True)
class Poller:
    """A create/retrieve pair on one resource whose result carries a status enum, as the mock
    plays it and the suite follows it (made from `Resource.polling` by `conformance.model`)."""

    resource: tuple[str, ...]
    create: str
    retrieve: str
    model: str
    status_field: str
    id_field: str
    terminal: tuple[str, ...]
    pending: tuple[str, ...]


@dataclass(frozen=True)
class Polling:
    """How a resource's `poll` waits on a job: `retrieve` until its status is terminal.

    `create` is the method whose answer names the new job (`create_and_poll`; "" : none), at
    `id_path` (JSON property names from the answer's root, e.g. `("job", "id")`).
    """

    retrieve: str
    model: str  # class the retrieve answers with
    status: str  # JSON name of its status property (`status`, `state`)
    terminal: tuple[str, ...]
    pending: tuple[str, ...]
    create: str = ""
    id_path: tuple[str, ...] = ()


@dataclass
class Resource:
    """A group of operations reachable as `client.<path>` (e.g. `client.chat.completions`)."""

    path: tuple[str, ...]
    operations: list[Operation] = field(default_factory=list)
    children: dict[str, Resource] = field(default_factory=dict)
    polling: Polling | None = None  # how the SDK's `poll` waits on the resource's jobs

    @property
    def class_name(self) -> str:
        return "".join(part.title().replace("_", "") for part in self.path)

    @property
    def attribute(self) -> str:
        return self.path[-1]

    def walk(self) -> list[Resource]:
        found = [self]
        for name in sorted(self.children):
            found.extend(self.children[name].walk())
        return found


AuthKind = Literal["bearer", "basic", "header", "query", "cookie"]


@dataclass(frozen=True)
class Auth:
    """How the client sends its one key, from the security scheme the document uses."""

    kind: AuthKind  # bearer (also oauth2, openIdConnect), basic, or an apiKey's location
    name: str  # the header, query parameter or cookie carrying the key ("Authorization")
    scheme: str  # its name under components.securitySchemes

    @property
    def legacy(self) -> str:
        """The older one-string form: "bearer", "header:<Name>", or "" for the other kinds."""
        if self.kind == "bearer":
            return "bearer"
        return f"header:{self.name}" if self.kind == "header" else ""


@dataclass(frozen=True)
class Warning_:
    """A construct that was generated approximately or skipped, with its location."""

    pointer: str
    message: str


@dataclass
class Api:
    """The whole document as the renderer sees it."""

    title: str
    version: str
    description: str
    default_origin: str
    operations: list[Operation]
    resources: dict[str, Resource]
    schema_classes: dict[str, str]  # component schema name -> class name
    secured_scheme: str  # "bearer", "header:<Name>" or "" (see Auth.legacy; the mock reads it)
    warnings: list[Warning_]
    schemas: dict[str, Any]  # JSON-Schema-2020-12 view of every referenced schema, by pointer
    auth: Auth | None = None  # how the client sends its key; None: it sends none
