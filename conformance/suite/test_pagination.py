"""Paginated list operations: following every page terminates, repeats nothing, keeps each
page within its limit, and the last page says it is the last."""

from __future__ import annotations

import pytest

from specforge.conformance import cases, checks
from specforge.conformance.pagination import (
    MAX_PAGES,
    first_request,
    following,
    pagination,
    read_page,
)
from specforge.conformance.runtime import Run
from specforge.conformance.suite.helpers import assert_clean, auth, judge
from specforge.generator.ir import Operation


def select(run: Run, op: Operation) -> bool:
    base = cases.baseline(run.model, op)
    return base is not None and base.positive and pagination(run.model, op) is not None


def test_pagination(run: Run, operation_id: str) -> None:
    mark = len(run.recorder.outcomes)
    op = run.model.operation(operation_id)
    plan = pagination(run.model, op)
    base = cases.baseline(run.model, op)
    if plan is None or base is None:
        pytest.skip("not a paginated list")
    placed = auth(run, op)
    request = first_request(plan)
    pages = []
    offset = 0
    used: set[str] = set()
    for number in range(1, MAX_PAGES + 1):
        query = {**base.query, **{k: cases.form_text(v) for k, v in request.items()}}
        label = f"{plan.style} pagination, page {number}"
        exchange = run.send(op, base.call(placed, query=query), label)
        if exchange is None or not 200 <= exchange.status < 300:
            break
        page = read_page(
            plan, request, exchange.status, exchange.json(), exchange.headers.get("link", "")
        )
        pages.append(page)
        offset += len(page.items)
        after = following(plan, page, offset)
        if after is None:
            break
        marker = repr(sorted(after.items()))
        if marker in used:
            pages.append(read_page(plan, after, exchange.status, None, ""))
            break  # a loop: the same request again
        used.add(marker)
        request = after
    case = f"{plan.style} pagination over {len(pages)} page(s)"
    for check in (
        checks.page_size_within_limit,
        checks.pagination_no_repeats,
        checks.pagination_end_consistent,
    ):
        judge(run, check, op, case, None, plan, pages)
    assert_clean(run, mark)
