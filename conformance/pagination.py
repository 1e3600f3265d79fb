"""Pagination as the spec implies it, and a walk through every page of a list operation.

A list operation is paginated when its GET has a cursor query parameter (`cursor`, `after`,
`starting_after`, `page_token`...) and its JSON answer an array beside a next cursor
(`next_cursor`, `next_page_token`...) or a `has_more` flag (the next cursor then being the last
item's id); an `offset` (or `skip`) parameter beside a `limit`; a `page` number beside a page
size; or a documented `Link` response header (`rel="next"`). The walk asks for small pages and
follows them to the end, at most `MAX_PAGES`; the checks in `checks` judge what it saw.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from specforge.conformance.model import SpecModel
from specforge.document.schemas import json_types
from specforge.generator.ir import Operation

Style = Literal["cursor", "offset", "page", "link"]
MAX_PAGES = 30
PAGE_SIZE = 2
_CURSOR_PARAMS = re.compile(
    r"^(cursor|after|starting_after|page_?token|pagetoken|next_?token|continuation_?token)$",
    re.IGNORECASE,
)
_NEXT_FIELDS = re.compile(
    r"^(next_?cursor|next_?page_?token|next_?token|next|cursor|continuation_?token)$",
    re.IGNORECASE,
)
_HAS_MORE = re.compile(r"^(has_?more|has_?next(_?page)?|more)$", re.IGNORECASE)
_OFFSET = re.compile(r"^(offset|skip|start)$", re.IGNORECASE)
_PAGE = re.compile(r"^(page|page_?number)$", re.IGNORECASE)
_LIMIT = re.compile(r"^(limit|page_?size|per_?page|size|count|max_?results|top)$", re.IGNORECASE)
_ITEM_KEYS = ("id", "uuid", "key", "name", "number")


@dataclass(frozen=True)
class Pagination:
    """How an operation pages: its style, the parameters and the answer's fields."""

    style: Style
    items: str  # the answer's array property
    param: str = ""  # the cursor, offset or page parameter
    limit_param: str = ""
    limit: int = PAGE_SIZE
    next_field: str = ""
    has_more: str = ""
    start: int = 0  # the first page number (page style)


@dataclass
class Page:
    """One page of a walk: what was asked, what came back."""

    request: dict[str, Any]
    status: int
    items: list[Any] = field(default_factory=list)
    next_cursor: Any = None
    has_more: bool | None = None
    next_link: str = ""


def pagination(model: SpecModel, op: Operation) -> Pagination | None:
    """The operation's pagination, or None (not a GET list, or no style recognised)."""
    if op.method != "GET" or op.success is None or op.success.kind != "json":
        return None
    schema = model.schema_at(op.success.schema_pointer)
    properties = schema.get("properties") or {}
    resolved = {str(k): model.resolve(v) for k, v in properties.items()}
    items = next(
        (k for k, v in resolved.items() if isinstance(v, dict) and "array" in json_types(v)), ""
    )
    if not items:
        return None
    params = {p.name: p for p in model.params(op) if p.location == "query"}
    if any(p.required for p in params.values()):
        return None
    limit_param = next((n for n in params if _LIMIT.match(n)), "")
    limit = PAGE_SIZE
    if limit_param:
        bounds = params[limit_param].schema
        low, high = bounds.get("minimum"), bounds.get("maximum")
        if isinstance(low, int) and not isinstance(low, bool):
            limit = max(limit, low)
        if isinstance(high, int) and not isinstance(high, bool):
            limit = min(limit, high)
    next_field = next((k for k in resolved if _NEXT_FIELDS.match(k) and k != items), "")
    has_more = next(
        (k for k, v in resolved.items() if _HAS_MORE.match(k) and "boolean" in json_types(v)), ""
    )
    cursor = next((n for n in params if _CURSOR_PARAMS.match(n)), "")
    if cursor and (next_field or has_more):
        return Pagination("cursor", items, cursor, limit_param, limit, next_field, has_more)
    offset = next((n for n in params if _OFFSET.match(n)), "")
    if offset and limit_param:
        return Pagination("offset", items, offset, limit_param, limit, has_more=has_more)
    page = next((n for n in params if _PAGE.match(n)), "")
    if page and limit_param:
        low = params[page].schema.get("minimum", 1)
        start = int(low) if isinstance(low, int) and not isinstance(low, bool) else 1
        return Pagination("page", items, page, limit_param, limit, "", has_more, start)
    if _link_header(model, op):
        return Pagination("link", items, "", limit_param, limit)
    return None


def _link_header(model: SpecModel, op: Operation) -> bool:
    try:
        raw = model.resolve(model.raw["paths"][op.path]) if model.raw else {}
    except (KeyError, TypeError):
        return False
    operation = raw.get(op.method.lower()) if isinstance(raw, dict) else None
    responses = operation.get("responses") if isinstance(operation, dict) else None
    for status, response in (responses or {}).items():
        response = model.resolve(response)
        if (
            str(status).startswith("2")
            and isinstance(response, dict)
            and any(str(name).lower() == "link" for name in response.get("headers") or {})
        ):
            return True
    return False


def item_key(item: Any) -> str:
    """An item's identity: its id (or another identifying property), else its whole JSON."""
    if isinstance(item, dict):
        for key in _ITEM_KEYS:
            value = item.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return f"{key}={value}"
    return json.dumps(item, sort_keys=True, default=str)


def read_page(plan: Pagination, request: dict[str, Any], status: int, body: Any, link: str) -> Page:
    """A page from an answer: its items, next cursor, has_more flag and next link."""
    page = Page(request, status)
    if not isinstance(body, dict):
        return page
    items = body.get(plan.items)
    page.items = items if isinstance(items, list) else []
    if plan.next_field:
        page.next_cursor = body.get(plan.next_field)
    elif plan.style == "cursor" and page.items:
        last = page.items[-1]
        page.next_cursor = last.get("id") if isinstance(last, dict) else None
    if plan.has_more and isinstance(body.get(plan.has_more), bool):
        page.has_more = body[plan.has_more]
    page.next_link = next_link(link)
    return page


def next_link(header: str) -> str:
    """The `rel="next"` target of a Link header ("" when there is none)."""
    for part in header.split(","):
        target, _, params = part.partition(";")
        if re.search(r'rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?', params, re.IGNORECASE):
            return target.strip().strip("<>")
    return ""


def link_query(link: str) -> dict[str, str]:
    """The query of a next link, to send to the same operation."""
    return dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))


def first_request(plan: Pagination) -> dict[str, Any]:
    request: dict[str, Any] = {plan.limit_param: plan.limit} if plan.limit_param else {}
    if plan.style == "page":
        request[plan.param] = plan.start
    return request


def following(plan: Pagination, page: Page, offset: int) -> dict[str, Any] | None:
    """The request for the page after `page` (None: `page` is the last one)."""
    request = first_request(plan)
    if plan.style == "cursor":
        more = page.has_more if page.has_more is not None else bool(page.next_cursor)
        if not more or page.next_cursor in (None, ""):
            return None
        return {**request, plan.param: page.next_cursor}
    if plan.style == "offset":
        if not page.items or page.has_more is False:
            return None
        return {**request, plan.param: offset}
    if plan.style == "page":
        if not page.items or page.has_more is False:
            return None
        return {**request, plan.param: int(page.request.get(plan.param, plan.start)) + 1}
    if not page.next_link:
        return None
    return link_query(page.next_link)
