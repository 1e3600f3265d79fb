"""Classify every change between two spec versions and say for whom it breaks.

Wire impact is judged from both sides of the old contract:
- `breaks_clients`: a client written against OLD may fail against a server implementing NEW;
- `breaks_servers`: a server implementing OLD no longer conforms to NEW;
- `breaks_sdk`: the generated SDK's public source changes incompatibly (removed or renamed
  names, arguments that become required, narrower argument or wider return types).

Whom each kind of change breaks is written once, in the table `CATEGORIES` (one row per
category and situation, e.g. `property-added` in a request and required); the differ names the
row it found by its `CategoryId` and takes the verdicts from it. docs/spec-gate.md carries the
table (`category_table()`).

Operations are matched by method and effective URL (server base path + path), so moving a
prefix between a server and the path key is not a change; `enum: [x]` and `const: x` compare
equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from specforge.document.errors import pointer_from_path
from specforge.document.keywords import HTTP_METHODS
from specforge.document.loader import resolve_pointer
from specforge.document.schemas import enum_of, json_types, ref_name, replacement_of
from specforge.generator.parse import build_api

Direction = Literal["request", "response"]
Path_ = tuple[Any, ...]
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
OTHER_BOUNDS = ("pattern", "multipleOf", "uniqueItems", "format")
_TEMPLATE = re.compile(r"\{[^}/]*\}")


Level = Literal["breaking", "non-breaking", "info"]
CategoryId = Literal[
    "server-url-changed:path",
    "server-url-changed:host",
    "path-added",
    "path-removed",
    "webhook-added",
    "webhook-removed",
    "operation-added",
    "operation-removed",
    "operation-deprecated",
    "operation-undeprecated",
    "parameter-added:required",
    "parameter-added:optional",
    "parameter-removed",
    "parameter-required",
    "parameter-optional",
    "parameter-deprecated",
    "parameter-undeprecated",
    "request-body-added:required",
    "request-body-added:optional",
    "request-body-removed",
    "request-body-required",
    "request-body-optional",
    "content-type-added:request",
    "content-type-added:response",
    "content-type-removed:request",
    "content-type-removed:success-response",
    "content-type-removed:other-response",
    "response-status-added:success",
    "response-status-added:other",
    "response-status-removed",
    "type-widened:request",
    "type-widened:response",
    "type-narrowed:request",
    "type-narrowed:response",
    "type-changed",
    "enum-value-added:request",
    "enum-value-added:response",
    "enum-value-removed:request",
    "enum-value-removed:response",
    "extensible-enum-value-added:request",
    "extensible-enum-value-added:response",
    "extensible-enum-value-removed:request",
    "extensible-enum-value-removed:response",
    "bounds-tightened:request",
    "bounds-tightened:response",
    "bounds-loosened:request",
    "bounds-loosened:response",
    "bounds-changed",
    "property-added:request-required",
    "property-added:request-optional",
    "property-added:request-optional-closed",
    "property-added:response-required",
    "property-added:response-optional",
    "property-removed:request",
    "property-removed:response-required",
    "property-removed:response-optional",
    "property-required:request",
    "property-required:response",
    "property-optional:request",
    "property-optional:response",
    "property-deprecated",
    "property-undeprecated",
    "component-added",
    "component-removed",
    "component-renamed",
]


@dataclass(frozen=True, kw_only=True)
class Category:
    """One row of the diff policy: a kind of change, in one situation, and whom it breaks.

    `id` is `name` or `name:situation`; reports show `name` (the situation only picks the
    verdicts). `additive` changes suggest a minor bump when nothing breaks.
    """

    id: CategoryId
    level: Level
    breaks_clients: bool = False
    breaks_servers: bool = False
    breaks_sdk: bool = False
    additive: bool = False
    when: str = ""
    description: str
    example: str

    @property
    def name(self) -> str:
        """The category as reports show it (`property-added`)."""
        return self.id.partition(":")[0]


CATEGORIES: tuple[Category, ...] = (
    Category(
        id="server-url-changed:path",
        level="breaking",
        breaks_clients=True,
        breaks_servers=True,
        additive=True,
        when="its URL path changes",
        description="an operation (same operationId, or same method and path key) moves to "
        "another URL",
        example="server `https://api.example.com/v1` -> `https://api.example.com/v2`",
    ),
    Category(
        id="server-url-changed:host",
        level="info",
        additive=True,
        when="same path, another origin",
        description="an operation is served from another scheme or host",
        example="`https://api.example.com` -> `https://eu.api.example.com`",
    ),
    Category(
        id="path-added",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        description="a new path with its operation(s)",
        example="`GET /owners` added",
    ),
    Category(
        id="path-removed",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        description="a path and its operation(s) removed",
        example="`GET /owners` removed",
    ),
    Category(
        id="webhook-added",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        description="a new webhook (a server implementing OLD never sends it)",
        example="webhook `pet.adopted` added",
    ),
    Category(
        id="webhook-removed",
        level="breaking",
        breaks_clients=True,
        description="a webhook no longer sent (clients that rely on it stop hearing)",
        example="webhook `pet.adopted` removed",
    ),
    Category(
        id="operation-added",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        description="a new method on a path that already has operations",
        example="`DELETE /pets/{pet_id}` added next to its `GET`",
    ),
    Category(
        id="operation-removed",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        description="a method removed from a path that keeps other operations",
        example="`DELETE /pets/{pet_id}` removed, its `GET` kept",
    ),
    Category(
        id="operation-deprecated",
        level="info",
        additive=True,
        description="an operation marked `deprecated: true`",
        example="`GET /pets` gains `deprecated: true`",
    ),
    Category(
        id="operation-undeprecated",
        level="info",
        description="an operation no longer deprecated",
        example="`GET /pets` loses `deprecated: true`",
    ),
    Category(
        id="parameter-added:required",
        level="breaking",
        breaks_clients=True,
        breaks_servers=True,
        breaks_sdk=True,
        additive=True,
        when="required (path parameters always are)",
        description="a new parameter every call must send",
        example="required query `owner` added to `GET /pets`",
    ),
    Category(
        id="parameter-added:optional",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="optional",
        description="a new optional parameter",
        example="optional query `limit` added to `GET /pets`",
    ),
    Category(
        id="parameter-removed",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        description="a parameter removed (its SDK argument goes)",
        example="query `limit` removed from `GET /pets`",
    ),
    Category(
        id="parameter-required",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        description="an optional parameter made required",
        example="query `limit` gains `required: true`",
    ),
    Category(
        id="parameter-optional",
        level="non-breaking",
        breaks_servers=True,
        description="a required parameter made optional",
        example="query `limit` loses `required: true`",
    ),
    Category(
        id="parameter-deprecated",
        level="info",
        additive=True,
        description="a parameter marked `deprecated: true`",
        example="query `tag` gains `deprecated: true`",
    ),
    Category(
        id="parameter-undeprecated",
        level="info",
        description="a parameter no longer deprecated",
        example="query `tag` loses `deprecated: true`",
    ),
    Category(
        id="request-body-added:required",
        level="breaking",
        breaks_clients=True,
        breaks_servers=True,
        breaks_sdk=True,
        additive=True,
        when="required",
        description="a required request body added to an operation that had none",
        example="`POST /pets/{pet_id}/walk` now needs a JSON body",
    ),
    Category(
        id="request-body-added:optional",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="optional",
        description="an optional request body added to an operation that had none",
        example="`POST /pets/{pet_id}/walk` accepts an optional JSON body",
    ),
    Category(
        id="request-body-removed",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        description="an operation no longer takes a request body",
        example="`POST /pets` loses its `requestBody`",
    ),
    Category(
        id="request-body-required",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        description="an optional request body made required",
        example="`requestBody` gains `required: true`",
    ),
    Category(
        id="request-body-optional",
        level="non-breaking",
        breaks_servers=True,
        description="a required request body made optional",
        example="`requestBody` loses `required: true`",
    ),
    Category(
        id="content-type-added:request",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="in a request body",
        description="a request media type added",
        example="`multipart/form-data` accepted next to `application/json`",
    ),
    Category(
        id="content-type-added:response",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="in a response",
        description="a response media type added (clients still get the ones they ask for; a "
        "server implementing OLD cannot answer the new one)",
        example="`200` may also answer `application/xml`",
    ),
    Category(
        id="content-type-removed:request",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        when="in a request body",
        description="a request media type no longer accepted",
        example="`multipart/form-data` no longer accepted",
    ),
    Category(
        id="content-type-removed:success-response",
        level="breaking",
        breaks_servers=True,
        breaks_sdk=True,
        when="in a 2xx response",
        description="a success media type removed (the SDK's return type changes)",
        example="`200` no longer answers `application/xml`",
    ),
    Category(
        id="content-type-removed:other-response",
        level="non-breaking",
        breaks_servers=True,
        when="in another response",
        description="an error (or default) response media type removed",
        example="`400` no longer answers `text/plain`",
    ),
    Category(
        id="response-status-added:success",
        level="breaking",
        breaks_clients=True,
        additive=True,
        when="a 2xx status",
        description="a new success status (clients may not expect it)",
        example="`202` documented next to `200`",
    ),
    Category(
        id="response-status-added:other",
        level="non-breaking",
        additive=True,
        when="another status",
        description="a new error, redirect or default response",
        example="`409` documented for `POST /pets`",
    ),
    Category(
        id="response-status-removed",
        level="non-breaking",
        breaks_servers=True,
        description="a documented response removed (servers that still send it stray from the "
        "spec)",
        example="`409` no longer documented for `POST /pets`",
    ),
    Category(
        id="type-widened:request",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="in a request",
        description="a request value may have more types (a type, a `oneOf`/`anyOf` "
        "alternative, or any type)",
        example="`age: integer` -> `age: number`",
    ),
    Category(
        id="type-widened:response",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        additive=True,
        when="in a response",
        description="a response value may have more types",
        example="`id: integer` -> `id: [integer, string]`",
    ),
    Category(
        id="type-narrowed:request",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        when="in a request",
        description="a request value may have fewer types",
        example="`age: number` -> `age: integer`",
    ),
    Category(
        id="type-narrowed:response",
        level="non-breaking",
        breaks_servers=True,
        when="in a response",
        description="a response value may have fewer types",
        example="`id: [integer, string]` -> `id: integer`",
    ),
    Category(
        id="type-changed",
        level="breaking",
        breaks_clients=True,
        breaks_servers=True,
        breaks_sdk=True,
        description="a value's type replaced by an unrelated one",
        example="`id: integer` -> `id: string`",
    ),
    Category(
        id="enum-value-added:request",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="in a request",
        description="a request enum gains a value (or its value restriction is lifted)",
        example="`kind: [cat, dog]` -> `kind: [cat, dog, bird]`",
    ),
    Category(
        id="enum-value-added:response",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        additive=True,
        when="in a response",
        description="a response enum gains a value clients do not know (or loses its restriction)",
        example="`status: [queued, done]` -> `status: [queued, running, done]`",
    ),
    Category(
        id="enum-value-removed:request",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        when="in a request",
        description="a request enum loses a value (or a free value becomes an enum)",
        example="`kind: [cat, dog, bird]` -> `kind: [cat, dog]`",
    ),
    Category(
        id="enum-value-removed:response",
        level="non-breaking",
        breaks_servers=True,
        when="in a response",
        description="a response enum loses a value (or a free value becomes an enum)",
        example="`status: [queued, running, done]` -> `status: [queued, done]`",
    ),
    Category(
        id="extensible-enum-value-added:request",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="in a request",
        description="an `x-extensible-enum` of a request gains a value",
        example="`x-extensible-enum: [cat, dog]` -> `[cat, dog, bird]`",
    ),
    Category(
        id="extensible-enum-value-added:response",
        level="non-breaking",
        additive=True,
        when="in a response",
        description="an `x-extensible-enum` of a response gains a value (clients accept unknown "
        "values of an extensible enum by its contract)",
        example="`x-extensible-enum: [queued, done]` -> `[queued, running, done]`",
    ),
    Category(
        id="extensible-enum-value-removed:request",
        level="breaking",
        breaks_clients=True,
        when="in a request",
        description="an `x-extensible-enum` of a request loses a value clients may send",
        example="`x-extensible-enum: [cat, dog, bird]` -> `[cat, dog]`",
    ),
    Category(
        id="extensible-enum-value-removed:response",
        level="info",
        when="in a response",
        description="an `x-extensible-enum` of a response loses a value",
        example="`x-extensible-enum: [queued, running, done]` -> `[queued, done]`",
    ),
    Category(
        id="bounds-tightened:request",
        level="breaking",
        breaks_clients=True,
        when="in a request",
        description="a request bound is stricter, or added",
        example="`maxLength: 100` -> `maxLength: 50`",
    ),
    Category(
        id="bounds-tightened:response",
        level="non-breaking",
        breaks_servers=True,
        when="in a response",
        description="a response bound is stricter, or added",
        example="`maximum: 100` added to a response property",
    ),
    Category(
        id="bounds-loosened:request",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="in a request",
        description="a request bound is looser, or removed",
        example="`maxLength: 50` -> `maxLength: 100`",
    ),
    Category(
        id="bounds-loosened:response",
        level="breaking",
        breaks_clients=True,
        additive=True,
        when="in a response",
        description="a response bound is looser, or removed (clients may get values they "
        "did not expect)",
        example="`maximum: 100` removed from a response property",
    ),
    Category(
        id="bounds-changed",
        level="breaking",
        breaks_clients=True,
        breaks_servers=True,
        description="a `pattern`, `multipleOf`, `uniqueItems` or `format` changes, or a bound "
        "that cannot be ordered",
        example="`pattern: ^[a-z]+$` -> `pattern: ^[a-z0-9]+$`",
    ),
    Category(
        id="property-added:request-required",
        level="breaking",
        breaks_clients=True,
        breaks_servers=True,
        breaks_sdk=True,
        additive=True,
        when="in a request, required",
        description="a new property every request must send",
        example="required `owner` added to `NewPet`",
    ),
    Category(
        id="property-added:request-optional",
        level="non-breaking",
        additive=True,
        when="in a request, optional, where OLD allowed unknown properties",
        description="a new optional request property (a server implementing OLD still accepts "
        "requests that carry it)",
        example="optional `color` added to `NewPet`",
    ),
    Category(
        id="property-added:request-optional-closed",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="in a request, optional, where OLD forbade unknown properties",
        description="a new optional request property that a server implementing OLD refuses "
        "(`additionalProperties: false`)",
        example="optional `color` added to `NewPet`, which had `additionalProperties: false`",
    ),
    Category(
        id="property-added:response-required",
        level="non-breaking",
        breaks_servers=True,
        additive=True,
        when="in a response, required",
        description="a new property every response carries (servers that omit it stray "
        "from the spec)",
        example="required `created_at` added to `Pet`",
    ),
    Category(
        id="property-added:response-optional",
        level="non-breaking",
        additive=True,
        when="in a response, optional",
        description="a new optional response property",
        example="optional `nickname` added to `Pet`",
    ),
    Category(
        id="property-removed:request",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        when="in a request",
        description="a request property removed (its SDK argument goes)",
        example="`color` removed from `NewPet`",
    ),
    Category(
        id="property-removed:response-required",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        when="in a response, required before",
        description="a response property clients could rely on removed",
        example="required `status` removed from `VideoJob`",
    ),
    Category(
        id="property-removed:response-optional",
        level="breaking",
        breaks_sdk=True,
        when="in a response, optional before",
        description="an optional response property removed (its SDK attribute goes)",
        example="optional `nickname` removed from `Pet`",
    ),
    Category(
        id="property-required:request",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        when="in a request",
        description="an optional request property made required",
        example="`tag` added to `required` of `NewPet`",
    ),
    Category(
        id="property-required:response",
        level="non-breaking",
        breaks_servers=True,
        when="in a response",
        description="an optional response property made required",
        example="`name` added to `required` of `Pet`",
    ),
    Category(
        id="property-optional:request",
        level="non-breaking",
        breaks_servers=True,
        when="in a request",
        description="a required request property made optional",
        example="`tag` removed from `required` of `NewPet`",
    ),
    Category(
        id="property-optional:response",
        level="breaking",
        breaks_clients=True,
        breaks_sdk=True,
        when="in a response",
        description="a required response property made optional (clients may find it missing)",
        example="`name` removed from `required` of `Pet`",
    ),
    Category(
        id="property-deprecated",
        level="info",
        additive=True,
        description="a property marked `deprecated: true`",
        example="`frame_images` deprecated (use `media.frame_images` instead)",
    ),
    Category(
        id="property-undeprecated",
        level="info",
        description="a property no longer deprecated",
        example="`frame_images` loses `deprecated: true`",
    ),
    Category(
        id="component-added",
        level="non-breaking",
        additive=True,
        description="a schema added to `components/schemas` (a new SDK class)",
        example="schema `AudioRef` added",
    ),
    Category(
        id="component-removed",
        level="breaking",
        breaks_sdk=True,
        description="a schema removed from `components/schemas` (its SDK class goes)",
        example="schema `AudioRef` removed",
    ),
    Category(
        id="component-renamed",
        level="breaking",
        breaks_sdk=True,
        description="a schema renamed (matched by `$ref` or equal content): the SDK class "
        "name changes",
        example="schema `Error` renamed to `ApiError`",
    ),
)
BY_ID: dict[CategoryId, Category] = {category.id: category for category in CATEGORIES}
if set(BY_ID) != set(get_args(CategoryId)) or len(BY_ID) != len(CATEGORIES):
    raise RuntimeError("the diff categories and CategoryId disagree")  # pragma: no cover
# Categories that grow what the SDK or API offers (a minor bump when nothing breaks).
ADDITIVE = frozenset(category.name for category in CATEGORIES if category.additive)


def category_table() -> str:
    """The category table as Markdown (docs/spec-gate.md carries it; a test keeps them equal)."""
    mark = {True: "**breaks**", False: "ok"}
    lines = [
        "| Category | When | Level | Clients | Servers | SDK | Bump | Change | Example |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in CATEGORIES:
        breaking = row.breaks_clients or row.breaks_sdk
        bump = "major" if breaking else "minor" if row.additive else "patch"
        cells = (
            f"`{row.name}`",
            row.when or "—",
            row.level,
            mark[row.breaks_clients],
            mark[row.breaks_servers],
            mark[row.breaks_sdk],
            bump,
            row.description,
            row.example,
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


Deprecatable = Literal["operation", "parameter", "property"]
_DEPRECATION: dict[Deprecatable, tuple[CategoryId, CategoryId]] = {
    "operation": ("operation-deprecated", "operation-undeprecated"),
    "parameter": ("parameter-deprecated", "parameter-undeprecated"),
    "property": ("property-deprecated", "property-undeprecated"),
}


@dataclass(frozen=True)
class Change:
    """One classified change: where (JSON pointer), what kind, whom it breaks, and a message."""

    pointer: str
    category: str
    message: str
    breaks_clients: bool
    breaks_servers: bool
    breaks_sdk: bool

    @property
    def breaking(self) -> bool:
        """Breaks existing SDK users: on the wire or in the generated source."""
        return self.breaks_clients or self.breaks_sdk

    def as_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "category": self.category,
            "breaks_clients": self.breaks_clients,
            "breaks_servers": self.breaks_servers,
            "breaks_sdk": self.breaks_sdk,
            "message": self.message,
        }


@dataclass(frozen=True)
class Surface:
    """The generated SDK's public names: classes, methods and their parameters."""

    classes: frozenset[str]
    methods: frozenset[str]
    parameters: frozenset[str]  # "resource.method(name)"


@dataclass
class DiffResult:
    """All changes between two documents plus the SDK surface delta."""

    changes: list[Change]
    surface: dict[str, list[str]] = field(default_factory=dict)

    @property
    def breaking(self) -> bool:
        """A change breaks SDK users, or the generated SDK loses a class, method or parameter."""
        lost = any(
            self.surface.get(key)
            for key in ("classes_removed", "methods_removed", "parameters_removed")
        )
        return lost or any(change.breaking for change in self.changes)

    @property
    def semver(self) -> str:
        """Suggested bump of the generated SDK: major, minor, patch or none."""
        if self.breaking:
            return "major"
        grows = any(
            self.surface.get(key) for key in ("classes_added", "methods_added", "parameters_added")
        )
        if grows or any(change.category in ADDITIVE for change in self.changes):
            return "minor"
        return "patch" if self.changes else "none"

    def counts(self) -> dict[str, int]:
        return {
            "changes": len(self.changes),
            "breaks_clients": sum(c.breaks_clients for c in self.changes),
            "breaks_servers": sum(c.breaks_servers for c in self.changes),
            "breaks_sdk": sum(c.breaks_sdk for c in self.changes),
        }


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> DiffResult:
    """Compare two normalised documents (see `specforge.document.schemas.normalize`)."""
    differ = _Differ(old, new)
    differ.run()
    changes = sorted(_merged(differ.changes), key=lambda c: (c.pointer, c.category, c.message))
    return DiffResult(changes, surface_delta(sdk_surface(old), sdk_surface(new)))


def _merged(changes: list[Change]) -> list[Change]:
    """One change per (pointer, category, message); a schema used in requests and responses
    breaks whoever either use breaks."""
    merged: dict[tuple[str, str, str], Change] = {}
    for change in changes:
        key = (change.pointer, change.category, change.message)
        seen = merged.get(key)
        if seen is not None:
            change = replace(
                change,
                breaks_clients=seen.breaks_clients or change.breaks_clients,
                breaks_servers=seen.breaks_servers or change.breaks_servers,
                breaks_sdk=seen.breaks_sdk or change.breaks_sdk,
            )
        merged[key] = change
    return list(merged.values())


# -- the generated SDK's public surface ------------------------------------------------------------
def sdk_surface(document: dict[str, Any]) -> Surface:
    """Classes, `resource.method`s and their parameters as the generator would name them."""
    api = build_api(document)
    methods: set[str] = set()
    parameters: set[str] = set()
    for op in api.operations:
        method = ".".join((*op.resource, op.method_name))
        methods.add(method)
        body = op.body.properties if op.body and op.body.exploded else ()
        parameters.update(f"{method}({f.python_name})" for f in (*op.parameters, *body))
    return Surface(
        frozenset(api.schema_classes.values()), frozenset(methods), frozenset(parameters)
    )


def surface_delta(old: Surface, new: Surface) -> dict[str, list[str]]:
    delta: dict[str, list[str]] = {}
    for name in ("classes", "methods", "parameters"):
        before, after = getattr(old, name), getattr(new, name)
        delta[f"{name}_added"] = sorted(after - before)
        delta[f"{name}_removed"] = sorted(before - after)
    return delta


# -- operations ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Op:
    method: str
    path: str
    url: str
    origin: str
    location: Path_
    item: dict[str, Any]
    operation: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return self.method, _TEMPLATE.sub("{}", urlsplit(self.url).path or "/")

    @property
    def operation_id(self) -> str:
        return str(self.operation.get("operationId") or "")

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _server_url(servers: Any) -> str | None:
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return None
    server = servers[0]
    url = str(server.get("url", "/"))
    for name, variable in (server.get("variables") or {}).items():
        if isinstance(variable, dict):
            url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
    return url


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], _Op]:
    found: dict[tuple[str, str], _Op] = {}
    base = _server_url(document.get("servers")) or "/"
    paths = _mapping(document.get("paths"))
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        item_base = _server_url(item.get("servers")) or base
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            server = _server_url(operation.get("servers")) or item_base
            try:
                parts = urlsplit(server)
            except ValueError:  # not a URL: compared as a path
                parts = urlsplit("")
            origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
            url = origin + parts.path.rstrip("/") + str(path)
            op = _Op(
                method.upper(), str(path), url, origin, ("paths", path, method), item, operation
            )
            found[op.key] = op
    return found


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object", type(None): "null"}
    return names.get(type(value), "string")


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(kind in wide or (kind == "integer" and "number" in wide) for kind in narrow)


class _Differ:
    """Walks both documents side by side and records changes."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.renames: dict[str, str] = {}
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, where: Path_, category: CategoryId, message: str) -> None:
        """Record a change of `category`; whom it breaks comes from the category table."""
        row = BY_ID[category]
        self.changes.append(
            Change(
                pointer_from_path(where),
                row.name,
                message,
                breaks_clients=row.breaks_clients,
                breaks_servers=row.breaks_servers,
                breaks_sdk=row.breaks_sdk,
            )
        )

    def run(self) -> None:
        old_ops, new_ops = _operations(self.old), _operations(self.new)
        removed = [old_ops[key] for key in old_ops if key not in new_ops]
        added = [new_ops[key] for key in new_ops if key not in old_ops]
        for before, after in list(self._moved(removed, added)):
            removed.remove(before)
            added.remove(after)
            self.add(
                after.location,
                "server-url-changed:path",
                f"{after.label} moved from {before.url} to {after.url}",
            )
            self.operation(before, after)
        self.paths_and_operations(removed, added, old_ops, new_ops)
        for key in sorted(set(old_ops) & set(new_ops)):
            before, after = old_ops[key], new_ops[key]
            if before.origin != after.origin:
                self.add(
                    after.location,
                    "server-url-changed:host",
                    f"{after.label} moved from {before.url} to {after.url}",
                )
            self.operation(before, after)
        self.webhooks()
        self.components()

    def webhooks(self) -> None:
        """Webhooks the API sends, by name."""
        was, now = _mapping(self.old.get("webhooks")), _mapping(self.new.get("webhooks"))
        for name in sorted(set(now) - set(was)):
            self.add(("webhooks", name), "webhook-added", f"webhook {name!r} added")
        for name in sorted(set(was) - set(now)):
            self.add(("webhooks", name), "webhook-removed", f"webhook {name!r} removed")

    @staticmethod
    def _moved(removed: list[_Op], added: list[_Op]) -> Iterator[tuple[_Op, _Op]]:
        """Operations whose URL changed: same operationId, or same method and path key."""
        taken: set[int] = set()
        for before in list(removed):
            for index, after in enumerate(added):
                same_id = before.operation_id and before.operation_id == after.operation_id
                same_path = (before.method, before.path) == (after.method, after.path)
                if index not in taken and (same_id or same_path):
                    taken.add(index)
                    yield before, after
                    break

    def paths_and_operations(
        self,
        removed: list[_Op],
        added: list[_Op],
        old_ops: dict[tuple[str, str], _Op],
        new_ops: dict[tuple[str, str], _Op],
    ) -> None:
        old_urls = {op.key[1] for op in old_ops.values()}
        new_urls = {op.key[1] for op in new_ops.values()}
        for op in added:
            if op.key[1] in old_urls:
                self.add(op.location, "operation-added", f"operation {op.label} added")
            else:
                self.add(op.location[:2], "path-added", f"path {op.path} added ({op.method})")
        for op in removed:
            if op.key[1] in new_urls:
                self.add(op.location, "operation-removed", f"operation {op.label} removed")
            else:
                self.add(op.location[:2], "path-removed", f"path {op.path} removed ({op.method})")

    # -- one operation ---------------------------------------------------------------------------
    def operation(self, before: _Op, after: _Op) -> None:
        self.deprecation(
            before.operation, after.operation, after.location, "operation", after.label
        )
        self.parameters(before, after)
        self.request_body(before, after)
        self.responses(before, after)

    def deprecation(self, old: Any, new: Any, where: Path_, kind: Deprecatable, name: str) -> None:
        was = isinstance(old, dict) and old.get("deprecated") is True
        now = isinstance(new, dict) and new.get("deprecated") is True
        deprecated, undeprecated = _DEPRECATION[kind]
        if now and not was:
            replacement = replacement_of(new) if isinstance(new, dict) else ""
            hint = f" (use {replacement} instead)" if replacement else ""
            self.add(where, deprecated, f"{kind} {name} deprecated{hint}")
        elif was and not now:
            self.add(where, undeprecated, f"{kind} {name} no longer deprecated")

    def _parameters(
        self, document: dict[str, Any], op: _Op
    ) -> dict[tuple[str, str], tuple[Path_, dict[str, Any]]]:
        found: dict[tuple[str, str], tuple[Path_, dict[str, Any]]] = {}
        positions = {
            name[1:-1]: str(index) for index, name in enumerate(_TEMPLATE.findall(op.path))
        }
        groups = (
            ((*op.location[:2], "parameters"), op.item.get("parameters")),
            ((*op.location, "parameters"), op.operation.get("parameters")),
        )
        for where, group in groups:
            for index, raw in enumerate(group if isinstance(group, list) else []):
                path, parameter = self.resolve(document, raw, (*where, index))
                if not isinstance(parameter, dict) or "name" not in parameter:
                    continue
                location, name = str(parameter.get("in", "")), str(parameter["name"])
                key = positions.get(name, name) if location == "path" else name
                key = key.lower() if location == "header" else key
                found[(location, key)] = (path, parameter)
        return found

    def parameters(self, before: _Op, after: _Op) -> None:
        old = self._parameters(self.old, before)
        new = self._parameters(self.new, after)
        for key in sorted(set(new) - set(old)):
            where, parameter = new[key]
            required = parameter.get("required") is True or key[0] == "path"
            state = "required" if required else "optional"
            self.add(
                where,
                "parameter-added:required" if required else "parameter-added:optional",
                f"{state} {key[0]} parameter {parameter['name']!r} added to {after.label}",
            )
        for key in sorted(set(old) - set(new)):
            where, parameter = old[key]
            self.add(
                where,
                "parameter-removed",
                f"{key[0]} parameter {parameter['name']!r} removed from {before.label}",
            )
        for key in sorted(set(old) & set(new)):
            (old_where, was), (where, now) = old[key], new[key]
            name = str(now["name"])
            if now.get("required") is True and was.get("required") is not True:
                self.add(where, "parameter-required", f"parameter {name!r} made required")
            elif was.get("required") is True and now.get("required") is not True:
                self.add(where, "parameter-optional", f"parameter {name!r} made optional")
            self.deprecation(was, now, where, "parameter", repr(name))
            self.schema(
                was.get("schema"),
                now.get("schema"),
                (*old_where, "schema"),
                (*where, "schema"),
                "request",
            )

    def request_body(self, before: _Op, after: _Op) -> None:
        old_where, was = self.resolve(
            self.old, before.operation.get("requestBody"), (*before.location, "requestBody")
        )
        where, now = self.resolve(
            self.new, after.operation.get("requestBody"), (*after.location, "requestBody")
        )
        if not isinstance(was, dict) and not isinstance(now, dict):
            return
        if not isinstance(was, dict):
            required = isinstance(now, dict) and now.get("required") is True
            self.add(
                where,
                "request-body-added:required" if required else "request-body-added:optional",
                f"request body added to {after.label}",
            )
            return
        if not isinstance(now, dict):
            self.add(old_where, "request-body-removed", f"request body removed from {before.label}")
            return
        if now.get("required") is True and was.get("required") is not True:
            self.add(where, "request-body-required", "request body made required")
        elif was.get("required") is True and now.get("required") is not True:
            self.add(where, "request-body-optional", "request body made optional")
        self.content(was, now, old_where, where, "request", after.label)

    def content(
        self,
        was: dict[str, Any],
        now: dict[str, Any],
        old_where: Path_,
        where: Path_,
        direction: Direction,
        label: str,
    ) -> None:
        old_content = _mapping(was.get("content"))
        new_content = _mapping(now.get("content"))
        request = direction == "request"
        removed: CategoryId = (
            "content-type-removed:request"
            if request
            else "content-type-removed:success-response"
            if str(where[-1]).startswith("2")
            else "content-type-removed:other-response"
        )
        for media in sorted(set(new_content) - set(old_content)):
            self.add(
                (*where, "content", media),
                "content-type-added:request" if request else "content-type-added:response",
                f"{direction} content type {media} added ({label})",
            )
        for media in sorted(set(old_content) - set(new_content)):
            self.add(
                (*old_where, "content", media),
                removed,
                f"{direction} content type {media} removed ({label})",
            )
        for media in sorted(set(old_content) & set(new_content)):
            old_media, new_media = old_content[media], new_content[media]
            if isinstance(old_media, dict) and isinstance(new_media, dict):
                self.schema(
                    old_media.get("schema"),
                    new_media.get("schema"),
                    (*old_where, "content", media, "schema"),
                    (*where, "content", media, "schema"),
                    direction,
                )

    def responses(self, before: _Op, after: _Op) -> None:
        old = _mapping(before.operation.get("responses"))
        new = _mapping(after.operation.get("responses"))
        old_codes, new_codes = {str(k): k for k in old}, {str(k): k for k in new}
        for code in sorted(set(new_codes) - set(old_codes)):
            self.add(
                (*after.location, "responses", code),
                "response-status-added:success"
                if code.startswith("2")
                else "response-status-added:other",
                f"response {code} added to {after.label}",
            )
        for code in sorted(set(old_codes) - set(new_codes)):
            self.add(
                (*before.location, "responses", code),
                "response-status-removed",
                f"response {code} removed from {before.label}",
            )
        for code in sorted(set(old_codes) & set(new_codes)):
            old_where, was = self.resolve(
                self.old, old[old_codes[code]], (*before.location, "responses", code)
            )
            where, now = self.resolve(
                self.new, new[new_codes[code]], (*after.location, "responses", code)
            )
            if isinstance(was, dict) and isinstance(now, dict):
                self.content(was, now, old_where, where, "response", f"{after.label} {code}")

    # -- schemas ---------------------------------------------------------------------------------
    @staticmethod
    def resolve(document: dict[str, Any], node: Any, where: Path_) -> tuple[Path_, Any]:
        """Follow local `$ref`s; returns the target's location and value."""
        for _ in range(32):
            if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
                break
            ref = str(node["$ref"])
            if not ref.startswith("#"):
                break
            try:
                node = resolve_pointer(document, ref[1:])
            except KeyError:
                break
            where = tuple(
                part.replace("~1", "/").replace("~0", "~")
                for part in ref[1:].lstrip("/").split("/")
            )
        return where, node

    def schema(
        self, old: Any, new: Any, old_where: Path_, where: Path_, direction: Direction
    ) -> None:
        old_name = ref_name(str(old.get("$ref", ""))) if isinstance(old, dict) else ""
        new_name = ref_name(str(new.get("$ref", ""))) if isinstance(new, dict) else ""
        old_where, old = self.resolve(self.old, old, old_where)
        where, new = self.resolve(self.new, new, where)
        if old_name and new_name and old_name != new_name:
            self.renames.setdefault(old_name, new_name)
        key = (pointer_from_path(old_where), pointer_from_path(where), direction)
        if key in self._seen or not isinstance(old, dict) or not isinstance(new, dict):
            return
        self._seen.add(key)
        old, new = self.flatten(self.old, old), self.flatten(self.new, new)
        if not self.types(old, new, where, direction):
            return
        self.enums(old, new, where, direction)
        self.extensible_enums(old, new, where, direction)
        self.bounds(old, new, where, direction)
        self.properties(old, new, old_where, where, direction)
        self.alternatives(old, new, old_where, where, direction)
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.schema(
                old["items"], new["items"], (*old_where, "items"), (*where, "items"), direction
            )

    def flatten(self, document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        """`schema` with its `allOf` branches' properties, required names and type merged in."""
        if not isinstance(schema.get("allOf"), list):
            return schema
        merged = {key: value for key, value in schema.items() if key != "allOf"}
        properties = dict(merged.get("properties") or {})
        required = list(merged.get("required") or [])
        for branch in schema["allOf"]:
            _, part = self.resolve(document, branch, ())
            if isinstance(part, dict):
                part = self.flatten(document, part)
                properties.update(part.get("properties") or {})
                required.extend(part.get("required") or [])
                if "type" in part and "type" not in merged:
                    merged["type"] = part["type"]
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = required
        return merged

    @classmethod
    def type_set(cls, schema: dict[str, Any]) -> frozenset[str] | None:
        """The JSON types a value may have (None: any, or not known here)."""
        kinds = json_types(schema)
        if kinds:
            return frozenset(kinds)
        values = enum_of(schema)
        if values:
            return frozenset(_json_type(value) for value in values)
        for keyword in ("oneOf", "anyOf"):
            members = schema.get(keyword)
            if isinstance(members, list) and members:
                sets = [cls.type_set(m) if isinstance(m, dict) else None for m in members]
                if all(found is not None for found in sets):
                    return frozenset().union(*(found for found in sets if found is not None))
        return None

    def types(
        self, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
    ) -> bool:
        """Record type changes; False when the types are unrelated (nothing deeper compares)."""
        was, now = self.type_set(old), self.type_set(new)
        composite = any(key in schema for schema in (old, new) for key in ("oneOf", "anyOf"))
        if was == now or ((was is None or now is None) and composite):
            return True
        shown_was = ", ".join(sorted(was)) if was else "any"
        shown_now = ", ".join(sorted(now)) if now else "any"
        message = f"type {shown_was} -> {shown_now}"
        request = direction == "request"
        if now is None or (was is not None and _covers(now, was)):
            self.add(where, "type-widened:request" if request else "type-widened:response", message)
        elif was is None or _covers(was, now):
            self.add(
                where, "type-narrowed:request" if request else "type-narrowed:response", message
            )
        else:
            self.add(where, "type-changed", message)
            return bool(was & now & {"object", "array"})
        return True

    def enums(
        self, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
    ) -> None:
        was = {_json(value): value for value in enum_of(old)}
        now = {_json(value): value for value in enum_of(new)}
        if was == now or (not was and not now):
            return
        added = [now[key] for key in now if key not in was] if was else []
        removed = [was[key] for key in was if key not in now] if now else []
        request = direction == "request"
        more: CategoryId = "enum-value-added:request" if request else "enum-value-added:response"
        fewer: CategoryId = (
            "enum-value-removed:request" if request else "enum-value-removed:response"
        )
        if not was:
            self.add(where, fewer, f"values restricted to {list(now.values())!r}")
        if not now:
            self.add(where, more, f"value restriction {list(was.values())!r} lifted")
        if added:
            self.add(where, more, f"enum value(s) {added!r} added")
        if removed:
            self.add(where, fewer, f"enum value(s) {removed!r} removed")

    def extensible_enums(
        self, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
    ) -> None:
        """`x-extensible-enum` (an open list of known values) compared value by value."""
        was = {_json(v): v for v in _sequence(old.get("x-extensible-enum"))}
        now = {_json(v): v for v in _sequence(new.get("x-extensible-enum"))}
        request = direction == "request"
        added = [now[key] for key in now if key not in was]
        removed = [was[key] for key in was if key not in now]
        if added:
            more: CategoryId = (
                "extensible-enum-value-added:request"
                if request
                else "extensible-enum-value-added:response"
            )
            self.add(where, more, f"extensible enum value(s) {added!r} added")
        if removed:
            fewer: CategoryId = (
                "extensible-enum-value-removed:request"
                if request
                else "extensible-enum-value-removed:response"
            )
            self.add(where, fewer, f"extensible enum value(s) {removed!r} removed")

    def bounds(
        self, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
    ) -> None:
        for keyword in (*LOWER_BOUNDS, *UPPER_BOUNDS, *OTHER_BOUNDS):
            was, now = old.get(keyword), new.get(keyword)
            if _json(was) == _json(now):
                continue
            if was is None or now is None:
                tightened: bool | None = was is None
            elif keyword in LOWER_BOUNDS + UPPER_BOUNDS and _numbers(was, now):
                tightened = (now > was) == (keyword in LOWER_BOUNDS)
            else:
                tightened = None
            message = f"{keyword} {was!r} -> {now!r}"
            request = direction == "request"
            if tightened is None:
                self.add(where, "bounds-changed", message)
            elif tightened:
                self.add(
                    where,
                    "bounds-tightened:request" if request else "bounds-tightened:response",
                    message,
                )
            else:
                self.add(
                    where,
                    "bounds-loosened:request" if request else "bounds-loosened:response",
                    message,
                )

    def properties(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        old_where: Path_,
        where: Path_,
        direction: Direction,
    ) -> None:
        was = _mapping(old.get("properties"))
        now = _mapping(new.get("properties"))
        old_required = set(old.get("required") or [])
        new_required = set(new.get("required") or [])
        request = direction == "request"
        # A readOnly property is never sent in a request, a writeOnly one never answered: in
        # that direction its coming, going or being required changes nothing on the wire.
        hidden = "readOnly" if request else "writeOnly"
        was = {n: p for n, p in was.items() if not self._marked(self.old, p, hidden)}
        now = {n: p for n, p in now.items() if not self._marked(self.new, p, hidden)}
        for name in [name for name in now if name not in was]:
            required = name in new_required
            state = "required" if required else "optional"
            added: CategoryId = (
                (
                    "property-added:request-required"
                    if request
                    else "property-added:response-required"
                )
                if required
                else (
                    (
                        "property-added:request-optional-closed"
                        if old.get("additionalProperties") is False
                        else "property-added:request-optional"
                    )
                    if request
                    else "property-added:response-optional"
                )
            )
            self.add(
                (*where, "properties", name), added, f"{state} {direction} property {name!r} added"
            )
        for name in [name for name in was if name not in now]:
            removed: CategoryId = (
                "property-removed:request"
                if request
                else "property-removed:response-required"
                if name in old_required
                else "property-removed:response-optional"
            )
            self.add(
                (*old_where, "properties", name), removed, f"{direction} property {name!r} removed"
            )
        for name in [name for name in now if name in was]:
            at = (*where, "properties", name)
            if name in new_required and name not in old_required:
                self.add(
                    at,
                    "property-required:request" if request else "property-required:response",
                    f"{direction} property {name!r} made required",
                )
            elif name in old_required and name not in new_required:
                self.add(
                    at,
                    "property-optional:request" if request else "property-optional:response",
                    f"{direction} property {name!r} made optional",
                )
            self.deprecation(
                self._with_target(self.old, was[name]),
                self._with_target(self.new, now[name]),
                at,
                "property",
                repr(name),
            )
            self.schema(was[name], now[name], (*old_where, "properties", name), at, direction)

    def _marked(self, document: dict[str, Any], schema: Any, keyword: str) -> bool:
        """Whether `schema` (through its `$ref`) says `keyword: true`."""
        target = self._with_target(document, schema)
        return isinstance(target, dict) and target.get(keyword) is True

    def _with_target(self, document: dict[str, Any], schema: Any) -> Any:
        _, target = self.resolve(document, schema, ())
        if isinstance(schema, dict) and isinstance(target, dict):
            return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def alternatives(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        old_where: Path_,
        where: Path_,
        direction: Direction,
    ) -> None:
        for keyword in ("oneOf", "anyOf"):
            was = _sequence(old.get(keyword))
            now = _sequence(new.get(keyword))
            if not was or not now:
                continue
            old_keys, new_keys = [_json(b) for b in was], [_json(b) for b in now]
            request = direction == "request"
            if len(was) == len(now):
                for index, (before, after) in enumerate(zip(was, now, strict=True)):
                    self.schema(
                        before,
                        after,
                        (*old_where, keyword, index),
                        (*where, keyword, index),
                        direction,
                    )
                continue
            for index, key in enumerate(new_keys):
                if key not in old_keys:
                    self.add(
                        (*where, keyword, index),
                        "type-widened:request" if request else "type-widened:response",
                        f"{keyword} alternative added",
                    )
            for index, key in enumerate(old_keys):
                if key not in new_keys:
                    self.add(
                        (*old_where, keyword, index),
                        "type-narrowed:request" if request else "type-narrowed:response",
                        f"{keyword} alternative removed",
                    )

    # -- components ------------------------------------------------------------------------------
    def components(self) -> None:
        old = _schemas(self.old)
        new = _schemas(self.new)
        removed = sorted(set(old) - set(new))
        added = sorted(set(new) - set(old))
        pairs = {a: b for a, b in self.renames.items() if a in removed and b in added}
        for name in removed:
            if name in pairs:
                continue
            match = next(
                (b for b in added if b not in pairs.values() and _json(old[name]) == _json(new[b])),
                None,
            )
            if match:
                pairs[name] = match
        for before, after in sorted(pairs.items()):
            same = _json(old[before]) == _json(new[after])
            note = "same wire format" if same else "its changes are listed separately"
            self.add(
                ("components", "schemas", after),
                "component-renamed",
                f"schema {before} renamed to {after} ({note})",
            )
        for name in removed:
            if name not in pairs:
                self.add(
                    ("components", "schemas", name),
                    "component-removed",
                    f"schema {name} removed",
                )
        for name in added:
            if name not in pairs.values():
                self.add(
                    ("components", "schemas", name),
                    "component-added",
                    f"schema {name} added",
                )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    components = document.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    return schemas if isinstance(schemas, dict) else {}


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
