"""Which operations stream server-sent events, and how list operations page.

Both are read from the (normalised) document: a `text/event-stream` success response makes a
stream, unwrapped to the schema of one event's `data`; query parameters and body properties
with the usual names make a pager. `[tool.specforge] pagination` overrides what is found here
(see `pagination_override` and docs/sdk.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from specforge.document.errors import SpecforgeError
from specforge.document.schemas import json_types
from specforge.generator.ir import Field, Pagination

EVENT_STREAM = "text/event-stream"
SENTINEL = "[DONE]"
# Properties of a schema that describes the SSE frame rather than the event's data.
_FRAME = frozenset({"data", "event", "id", "retry"})

Resolve = Callable[[Any], Any]


# -- server-sent events ------------------------------------------------------------------------
def is_event_stream(media_type: str) -> bool:
    """Whether a media type is `text/event-stream` (parameters and case ignored)."""
    return media_type.partition(";")[0].strip().lower() == EVENT_STREAM


def chunk_schema(schema: Any, resolve: Resolve) -> Any:
    """The schema of one event's data, from the schema a spec gives the whole stream.

    A `oneOf`/`anyOf` loses its `[DONE]` sentinel branch, and an object that only names the
    SSE frame (`{data: Chunk}`) stands for its `data` (the Together spec writes chat streams
    as `oneOf: [{data: ChatCompletionChunk}, {data: "[DONE]"}]`). A union of several event
    kinds stays the union.
    """
    node = schema
    for _ in range(8):
        target = resolve(node)
        if not isinstance(target, dict):
            return node
        branches = target.get("oneOf") or target.get("anyOf")
        if isinstance(branches, list) and branches:
            kept = [branch for branch in branches if not _sentinel(branch, resolve)]
            if len(kept) != 1:
                return node
            node = kept[0]
            continue
        properties = target.get("properties")
        if (
            isinstance(properties, dict)
            and "data" in properties
            and set(properties) <= _FRAME
            and isinstance(properties["data"], dict)
        ):
            node = properties["data"]
            continue
        return node
    return node


def _sentinel(schema: Any, resolve: Resolve) -> bool:
    """Whether a schema only admits the `[DONE]` sentinel (as a string, or as an event's data)."""
    target = resolve(schema)
    if not isinstance(target, dict):
        return False
    properties = target.get("properties")
    if isinstance(properties, dict) and set(properties) <= _FRAME and "data" in properties:
        target = resolve(properties["data"])
        if not isinstance(target, dict):
            return False
    values = target.get("enum", [target["const"]] if "const" in target else [])
    return (
        isinstance(values, list)
        and bool(values)
        and all(isinstance(v, str) and v.startswith(SENTINEL) for v in values)
    )


def plain_text(schema: Any, resolve: Resolve) -> bool:
    """Whether events carry plain text (a string schema without structure, or no schema)."""
    target = resolve(schema)
    if not isinstance(target, dict) or not target:
        return True
    return json_types(target) == ["string"] and not target.get("enum")


def stream_selector(fields: tuple[Field, ...], resolve: Resolve) -> Field | None:
    """The boolean body property that asks for the stream (`stream: true`), if there is one."""
    for field in fields:
        if field.location == "body" and field.name == "stream":
            target = resolve(field.schema)
            if isinstance(target, dict) and json_types(target) == ["boolean"]:
                return field
    return None


# -- pagination --------------------------------------------------------------------------------
CURSOR_PARAMS = (
    "cursor",
    "after",
    "starting_after",
    "page_token",
    "pageToken",
    "next_token",
    "continuation_token",
)
NEXT_CURSORS = (
    "next_cursor",
    "nextCursor",
    "next_page_token",
    "nextPageToken",
    "next_token",
    "nextToken",
    "end_cursor",
    "endCursor",
)
LAST_IDS = ("last_id", "lastId")
HAS_MORE = ("has_more", "hasMore", "has_next", "hasNext", "has_next_page", "hasNextPage")
OFFSET_PARAMS = ("offset", "skip")
PAGE_PARAMS = ("page", "page_number", "pageNumber")
PAGE_SIZE_PARAMS = ("limit", "per_page", "perPage", "page_size", "pageSize", "size", "count")
TOTALS = ("total", "total_count", "totalCount", "total_items", "totalItems", "count")
TOTAL_PAGES = ("total_pages", "totalPages", "pages", "page_count", "pageCount", "last_page")
ITEM_LISTS = ("data", "items", "results", "records", "entries", "values", "elements", "nodes")
STYLES = ("cursor", "offset", "page", "link")
_OVERRIDE_KEYS = frozenset(
    {
        "style",
        "param",
        "items",
        "cursor",
        "cursor_item",
        "has_more",
        "total",
        "total_pages",
        "page_size",
        "start",
    }
)


class ResponseBody:
    """A response schema's properties, one level of nested objects (`meta.next_cursor`) too."""

    def __init__(self, schema: Any, resolve: Resolve) -> None:
        self.resolve = resolve
        self.root = resolve(schema) if isinstance(schema, dict) else None
        self.top = self._properties(self.root)

    def _properties(self, schema: Any) -> dict[str, Any]:
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return {}
        found: dict[str, Any] = {}
        for part in [schema, *(schema.get("allOf") or [])]:
            part = self.resolve(part)
            properties = part.get("properties") if isinstance(part, dict) else None
            if isinstance(properties, dict):
                found.update({str(k): v for k, v in properties.items()})
        return found

    def find(self, names: tuple[str, ...], kind: str | None = None) -> tuple[str, ...]:
        """The path of the first property named in `names` (top level first), else ()."""
        for name in names:
            if name in self.top and self._is(self.top[name], kind):
                return (name,)
        for outer, schema in self.top.items():
            inner = self._properties(schema)
            for name in names:
                if name in inner and self._is(inner[name], kind):
                    return (outer, name)
        return ()

    def _is(self, schema: Any, kind: str | None) -> bool:
        if kind is None:
            return True
        target = self.resolve(schema)
        return isinstance(target, dict) and kind in (json_types(target) or [kind])

    def items(self) -> tuple[tuple[str, ...], Any] | None:
        """(path, item schema) of the list of items: the body itself or one array property."""
        if isinstance(self.root, dict) and "array" in json_types(self.root):
            return (), self.root.get("items")
        arrays = {
            name: schema
            for name, schema in self.top.items()
            if isinstance(self.resolve(schema), dict)
            and "array" in json_types(self.resolve(schema))
        }
        name = next((n for n in ITEM_LISTS if n in arrays), None)
        if name is None and len(arrays) == 1:
            name = next(iter(arrays))
        if name is None:
            return None
        return (name,), self.resolve(arrays[name]).get("items")


def detect_pagination(
    parameters: tuple[Field, ...],
    schema: Any,
    resolve: Resolve,
    item_class: Callable[[Any], str],
    link_header: bool,
) -> Pagination | None:
    """How a GET operation pages, from its query parameters and its success body's schema.

    Cursor style wins when the body carries a next cursor (or `has_more` with items that have
    an `id`, OpenAI's `after=<last id>`); then a documented `Link` header; then offset and
    page-number parameters. None when nothing fits.
    """
    query = {p.name: p for p in parameters if p.location == "query"}
    body = ResponseBody(schema, resolve)
    listed = body.items()
    if listed is None:
        return None
    items, item_schema = listed
    model = item_class(item_schema)
    has_more = body.find(HAS_MORE, "boolean")
    size = next((name for name in PAGE_SIZE_PARAMS if name in query), "")
    cursor_param = next((name for name in CURSOR_PARAMS if name in query), "")
    if cursor_param and items:
        cursor = body.find(NEXT_CURSORS, "string") or body.find(LAST_IDS, "string")
        if not cursor and cursor_param == "cursor":
            cursor = body.find(("cursor", "next"), "string")
        if cursor:
            return Pagination(
                "cursor", items, model, cursor_param, cursor, has_more=has_more, page_size=size
            )
        item = resolve(item_schema)
        item_properties = item.get("properties") if isinstance(item, dict) else None
        if has_more and isinstance(item_properties, dict) and "id" in item_properties:
            return Pagination(
                "cursor",
                items,
                model,
                cursor_param,
                cursor_item="id",
                has_more=has_more,
                page_size=size,
            )
    if link_header:
        return Pagination("link", items, model, page_size=size)
    total = body.find(TOTALS, "integer")
    offset = next((name for name in OFFSET_PARAMS if name in query), "")
    if offset:
        return Pagination(
            "offset", items, model, offset, has_more=has_more, total=total, page_size=size
        )
    page = next((name for name in PAGE_PARAMS if name in query), "")
    if page:
        target = resolve(query[page].schema)
        first = target.get("default", target.get("minimum", 1)) if isinstance(target, dict) else 1
        return Pagination(
            "page",
            items,
            model,
            page,
            has_more=has_more,
            total=total,
            total_pages=body.find(TOTAL_PAGES, "integer"),
            page_size=size,
            start=first if isinstance(first, int) and not isinstance(first, bool) else 1,
        )
    return None


def pagination_override(
    value: Any, where: str, item_model: str, default_items: tuple[str, ...]
) -> Pagination | None:
    """A `[tool.specforge.pagination]` entry as a `Pagination` (False: not paginated).

    Keys: `style` (cursor, offset, page, link), `param`, `items`, `cursor`, `cursor_item`,
    `has_more`, `total`, `total_pages`, `page_size`, `start`; paths are dotted (`meta.next`).
    """
    if value is False:
        return None
    if not isinstance(value, Mapping):
        raise SpecforgeError(f"{where}: a pagination override is a table or false")
    unknown = sorted(set(value) - _OVERRIDE_KEYS)
    if unknown:
        raise SpecforgeError(f"{where}: unknown pagination key(s) {', '.join(unknown)}")
    style = value.get("style")
    if style not in STYLES:
        raise SpecforgeError(f"{where}: style must be one of {', '.join(STYLES)}")
    text: dict[str, str] = {}
    for key in _OVERRIDE_KEYS - {"style", "start"}:
        if key in value:
            if not isinstance(value[key], str):
                raise SpecforgeError(f"{where}: {key} must be a string")
            text[key] = value[key]
    start = value.get("start", 1)
    if not isinstance(start, int) or isinstance(start, bool):
        raise SpecforgeError(f"{where}: start must be an integer")
    if style != "link" and not text.get("param"):
        raise SpecforgeError(f"{where}: a {style} pager needs param (the query parameter)")
    if style == "cursor" and not (text.get("cursor") or text.get("cursor_item")):
        raise SpecforgeError(f"{where}: a cursor pager needs cursor or cursor_item")

    def path(key: str) -> tuple[str, ...]:
        return tuple(part for part in text.get(key, "").split(".") if part)

    return Pagination(
        style,
        path("items") if "items" in text else default_items,
        item_model,
        param=text.get("param", ""),
        cursor=path("cursor"),
        cursor_item=text.get("cursor_item", ""),
        has_more=path("has_more"),
        total=path("total"),
        total_pages=path("total_pages"),
        page_size=text.get("page_size", ""),
        start=start,
    )
