"""Offset and page-number listings that end: a page past the first holds no items.

The mock answers a list operation with its example page. Asked for a later page (`offset`
past 0, a page number past the first), it answers that page empty and, where the body says
whether more follow, that none do, so a client walking the pages stops after the first one
instead of meeting its items again on every page. A cursor listing's page is its last: no
next cursor (null, or left out, where the schema allows it) and no more to come. The first page
is then the whole list, so a `total` it states counts its items.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from specforge.conformance.pagination import at, total_path
from specforge.generator.ir import Pagination


def later_page(pagination: Pagination, query: dict[str, list[str]]) -> bool:
    """Whether `query` asks an offset or page-number listing for a page past its first."""
    if pagination.style not in ("offset", "page") or not pagination.param:
        return False
    values = query.get(pagination.param) or []
    try:
        number = int(values[0]) if values else None
    except ValueError:
        return False
    first = 0 if pagination.style == "offset" else pagination.start
    return number is not None and number > first


def emptied(pagination: Pagination, encoded: bytes) -> bytes | None:
    """`encoded` (a JSON page) with no items and no more pages; None when it is not one."""
    try:
        body: Any = json.loads(encoded)
    except ValueError:
        return None
    if not pagination.items:
        return b"[]" if isinstance(body, list) else None
    holder = at(body, pagination.items[:-1])
    if not isinstance(holder, dict) or not isinstance(holder.get(pagination.items[-1]), list):
        return None
    holder[pagination.items[-1]] = []
    if pagination.has_more:
        flag = at(body, pagination.has_more[:-1])
        if isinstance(flag, dict) and isinstance(flag.get(pagination.has_more[-1]), bool):
            flag[pagination.has_more[-1]] = False
    return json.dumps(body, separators=(",", ":")).encode()


def last_cursor_page(pagination: Pagination, template: Any, valid: Callable[[Any], bool]) -> Any:
    """`template` (a cursor listing's example page) as the last page: its next cursor null or
    left out and `has_more` false, where the response schema (`valid`) accepts that; else
    `template` unchanged."""
    if pagination.style != "cursor" or not isinstance(template, dict) or not pagination.cursor:
        return template
    page = copy.deepcopy(template)
    if pagination.has_more:
        holder = at(page, pagination.has_more[:-1])
        if isinstance(holder, dict) and pagination.has_more[-1] in holder:
            holder[pagination.has_more[-1]] = False
    holder = at(page, pagination.cursor[:-1])
    if not isinstance(holder, dict) or pagination.cursor[-1] not in holder:
        return page if valid(page) else template
    holder[pagination.cursor[-1]] = None
    if valid(page):
        return page
    del holder[pagination.cursor[-1]]
    return page if valid(page) else template


def counted(pagination: Pagination, template: Any, valid: Callable[[Any], bool]) -> Any:
    """`template` (a list's example page, the whole list) with its `total` (the model's, or one
    beside the items) set to the number of items it holds, where the schema (`valid`) accepts
    that; else `template` unchanged."""
    if not isinstance(template, dict):
        return template
    items = at(template, pagination.items)
    path = total_path(pagination, template)
    if not isinstance(items, list) or not path:
        return template
    holder = at(template, path[:-1])
    total = holder.get(path[-1]) if isinstance(holder, dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or total == len(items):
        return template
    page = copy.deepcopy(template)
    at(page, path[:-1])[path[-1]] = len(items)
    return page if valid(page) else template
