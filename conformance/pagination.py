"""A walk through every page of a list operation, as the intermediate model says it pages.

How an operation pages is the model's `Operation.pagination`, the same the generated SDK's
pagers follow (`generator/detect.py`: a cursor parameter beside a next cursor or a `has_more`
flag, nested ones such as `meta.next_cursor` included; a documented `Link` header; an offset or
page-number parameter; or the project's `[tool.specforge.pagination]` override). This module
adds what a walk needs besides: the page size to ask for (small, within the parameter's
bounds), the items, next cursor and `has_more` read at the model's paths, the `rel="next"`
target of a Link header, and the request for the next page. The walk follows at most
`MAX_PAGES`; the checks in `checks` judge what it saw.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from specforge.conformance.model import SpecModel
from specforge.generator.ir import Operation, PaginationStyle

MAX_PAGES = 30
PAGE_SIZE = 2
_ITEM_KEYS = ("id", "uuid", "key", "name", "number")
# A list's count of all its items, where the model names none (beside the items, Link paging).
TOTALS = ("total", "total_count", "totalCount", "total_items", "totalItems")


def total_path(paging: Any, body: Any) -> tuple[str, ...]:
    """Where a list answer states its count of all items: the model's `total`, else one of
    `TOTALS` beside the items (a Link-paged list); () when it states none."""
    if paging.total:
        return tuple(paging.total)
    holder: Any = body
    for name in paging.items[:-1]:
        holder = holder.get(name) if isinstance(holder, dict) else None
    if not paging.items or not isinstance(holder, dict):
        return ()
    return next(((*paging.items[:-1], name) for name in TOTALS if name in holder), ())


JsonPath = tuple[str, ...]  # JSON property names from the body's root; () : the body itself


@dataclass(frozen=True)
class Pagination:
    """How the walk pages: the model's style, parameter and paths, and the page size to ask for."""

    style: PaginationStyle
    items: JsonPath = ()  # the item list; () : the body is the list
    param: str = ""  # the cursor, offset or page parameter
    limit_param: str = ""  # the page-size parameter ("" : none in the query)
    limit: int = PAGE_SIZE  # the page size asked for
    cursor: JsonPath = ()  # cursor: the next cursor in the body
    cursor_item: str = ""  # cursor: the item property whose last value is the next cursor
    more: JsonPath = ()  # a boolean saying whether another page follows
    start: int = 1  # page: the number of the first page

    @property
    def next_field(self) -> str:
        """The next cursor's path, dotted (`meta.next_cursor`; "" : none in the body)."""
        return ".".join(self.cursor)

    @property
    def has_more(self) -> str:
        """The `has_more` flag's path, dotted ("" : none in the body)."""
        return ".".join(self.more)


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
    """The walk for the operation's pagination in the model, or None (not paginated, not a GET,
    or a cursor parameter the first page cannot do without)."""
    found = op.pagination
    if found is None or op.method != "GET":
        return None
    params = {p.name: p for p in model.params(op) if p.location == "query"}
    if found.style == "cursor" and found.param in params and params[found.param].required:
        return None
    limit_param = found.page_size if found.page_size in params else ""
    limit = PAGE_SIZE
    if limit_param:
        bounds = params[limit_param].schema
        low, high = bounds.get("minimum"), bounds.get("maximum")
        if isinstance(low, int) and not isinstance(low, bool):
            limit = max(limit, low)
        if isinstance(high, int) and not isinstance(high, bool):
            limit = min(limit, high)
    return Pagination(
        found.style,
        found.items,
        found.param,
        limit_param,
        limit,
        cursor=found.cursor,
        cursor_item=found.cursor_item,
        more=found.has_more,
        start=found.start,
    )


def item_key(item: Any) -> str:
    """An item's identity: its id (or another identifying property), else its whole JSON."""
    if isinstance(item, dict):
        for key in _ITEM_KEYS:
            value = item.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return f"{key}={value}"
    return json.dumps(item, sort_keys=True, default=str)


def at(body: Any, path: JsonPath) -> Any:
    """The value at `path` in a JSON body (None where a step is missing)."""
    for name in path:
        body = body.get(name) if isinstance(body, dict) else None
    return body


def read_page(plan: Pagination, request: dict[str, Any], status: int, body: Any, link: str) -> Page:
    """A page from an answer: its items, next cursor, has_more flag and next link."""
    page = Page(request, status)
    items = at(body, plan.items)
    page.items = items if isinstance(items, list) else []
    if plan.cursor:
        page.next_cursor = at(body, plan.cursor)
    elif plan.style == "cursor" and page.items:
        last = page.items[-1]
        page.next_cursor = last.get(plan.cursor_item) if isinstance(last, dict) else None
    flag = at(body, plan.more) if plan.more else None
    if isinstance(flag, bool):
        page.has_more = flag
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
