"""The diff policy: one row per kind of change and situation, and whom it breaks.

The differ names the row it found by its `CategoryId`; the verdicts come from here only.
docs/spec-gate.md carries this table (`category_table()`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

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
