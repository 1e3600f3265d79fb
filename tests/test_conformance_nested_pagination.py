"""The suite walks pagination as the intermediate model finds it, nested paths included: a
cursor listing whose next cursor and `has_more` live under `meta` (`{"data": [...], "meta":
{"next_cursor": ..., "has_more": ...}}`) is followed page after page, a server whose cursor
loops or whose `meta.has_more` lies is caught, and one that ends properly passes. On the full
Together spec (skipped when absent), the mock's cursor listing under `meta` is walked too.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from specforge.conformance.model import load_model
from specforge.conformance.pagination import (
    Page,
    Pagination,
    first_request,
    following,
    pagination,
    read_page,
)
from specforge.conformance.runner import ConformOptions, ConformResult, conform
from tests.fault_corpus.server import App, HttpError, Request, Response, json_response, route
from tests.fault_corpus.server import serve as serve_app

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"
KEY = "nested-pages-key-0123456789"
PAGINATION_CHECKS = ("page_size_within_limit", "pagination_no_repeats", "pagination_end_consistent")
# Only the pagination walk of the suite (Schemathesis' engine and the other tests left out).
PAGINATION_ONLY = ["-k", "test_pagination"]

SPEC = """\
openapi: 3.1.0
info: {title: Widgets, version: "1.0"}
servers:
  - url: https://widgets.example/v1
paths:
  /widgets:
    get:
      operationId: list_widgets
      summary: Widgets by id, a page at a time
      parameters:
        - name: after
          in: query
          description: The `meta.next_cursor` of the previous page; the first page without it.
          schema: {type: string}
        - name: limit
          in: query
          schema: {type: integer, minimum: 1, maximum: 50, default: 20}
      responses:
        "200":
          description: One page of widgets
          content:
            application/json:
              schema: {$ref: "#/components/schemas/WidgetPage"}
        "400":
          description: A bad cursor or limit
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
  /gadgets:
    get:
      operationId: list_gadgets
      summary: Gadgets, their list one object down (found by no detection, only an override)
      parameters:
        - name: after
          in: query
          schema: {type: string}
      responses:
        "200":
          description: One page of gadgets
          content:
            application/json:
              schema:
                type: object
                required: [result]
                properties:
                  result:
                    type: object
                    properties:
                      rows:
                        type: array
                        items: {$ref: "#/components/schemas/Widget"}
                      next: {type: [string, "null"]}
components:
  schemas:
    Widget:
      type: object
      required: [id, name]
      properties:
        id: {type: string}
        name: {type: string}
    WidgetPage:
      type: object
      required: [data, meta]
      properties:
        data:
          type: array
          items: {$ref: "#/components/schemas/Widget"}
        meta:
          type: object
          required: [next_cursor, has_more]
          properties:
            next_cursor:
              type: [string, "null"]
              description: Pass as `after` for the next page; null on the last page.
            has_more: {type: boolean}
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message]
          properties:
            code: {type: string}
            message: {type: string}
"""


class Widgets(App):
    """Five widgets, paged by `after` (the last id of the previous page) and `limit`.

    Switches: `cursor-loops` (the last page's `meta.next_cursor` points back to the first
    page's, with `has_more` true), `has-more-lies` (the last page says `has_more: true` with no
    next cursor).
    """

    routes = (route("GET", "/v1/widgets", "list_widgets"),)
    ITEMS: ClassVar[list[dict[str, str]]] = [
        {"id": f"w{n}", "name": f"widget {n}"} for n in range(1, 6)
    ]

    def list_widgets(self, request: Request) -> Response:
        raw = request.arg("limit") or "20"
        if not raw.isdigit() or not 1 <= int(raw) <= 50:
            raise HttpError(400, "bad_limit", "limit is an integer from 1 to 50")
        limit = int(raw)
        ids = [item["id"] for item in self.ITEMS]
        after = request.arg("after")
        if after is not None and after not in ids:
            raise HttpError(400, "bad_cursor", "no such cursor")
        start = ids.index(after) + 1 if after is not None else 0
        page = self.ITEMS[start : start + limit]
        more = start + limit < len(self.ITEMS)
        cursor = page[-1]["id"] if more and page else None
        if not more and self.on("cursor-loops"):
            cursor, more = self.ITEMS[min(limit, len(self.ITEMS)) - 1]["id"], True
        if not more and self.on("has-more-lies"):
            more = True
        return json_response(200, {"data": page, "meta": {"next_cursor": cursor, "has_more": more}})


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nested-pages") / "widgets.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    with serve_app(Widgets(getattr(request, "param", ""))) as origin:
        yield origin


def walk(spec: Path, origin: str, junit: Path | None = None) -> ConformResult:
    options = ConformOptions(
        spec=spec,
        base_url=origin,
        api_key=KEY,
        max_examples=1,
        budget=100_000,
        junit_xml=junit,
        pytest_args=PAGINATION_ONLY,
    )
    return conform(options, out=io.StringIO())


def pagination_cases(junit: Path) -> dict[str, set[str]]:
    """Pagination check -> its cases (`operation: case`), from a run's JUnit XML."""
    root = ET.parse(junit).getroot()
    return {
        str(suite.get("name")): {str(case.get("name")) for case in suite}
        for suite in root
        if suite.get("name") in PAGINATION_CHECKS
    }


def test_the_model_pagination_with_nested_paths_is_the_walk(spec: Path) -> None:
    model = load_model(spec)
    op = model.operation("list_widgets")
    assert op.pagination is not None and op.pagination.cursor == ("meta", "next_cursor")
    plan = pagination(model, op)
    assert plan == Pagination(
        "cursor",
        ("data",),
        "after",
        "limit",
        2,
        cursor=("meta", "next_cursor"),
        more=("meta", "has_more"),
    )
    assert (plan.next_field, plan.has_more) == ("meta.next_cursor", "meta.has_more")
    assert first_request(plan) == {"limit": 2}
    body = {"data": [{"id": "w1"}, {"id": "w2"}], "meta": {"next_cursor": "w2", "has_more": True}}
    page = read_page(plan, {"limit": 2}, 200, body, "")
    assert (page.items, page.next_cursor, page.has_more) == (body["data"], "w2", True)
    assert following(plan, page, 2) == {"limit": 2, "after": "w2"}
    last = read_page(plan, {"limit": 2, "after": "w4"}, 200, {"data": [{"id": "w5"}]}, "")
    assert (last.next_cursor, last.has_more, following(plan, last, 5)) == (None, None, None)


def test_the_pagination_overrides_reach_the_walk(spec: Path) -> None:
    """`[tool.specforge.pagination]` as the generator takes it: an item list one object down
    (`result.rows`) walked where detection found nothing, a listing turned off with `false`."""
    overrides = {
        "list_gadgets": {
            "style": "cursor",
            "param": "after",
            "items": "result.rows",
            "cursor": "result.next",
        },
        "list_widgets": False,
    }
    plain = load_model(spec)
    assert pagination(plain, plain.operation("list_gadgets")) is None
    model = load_model(spec, pagination=overrides)
    assert pagination(model, model.operation("list_widgets")) is None
    plan = pagination(model, model.operation("list_gadgets"))
    assert plan == Pagination("cursor", ("result", "rows"), "after", cursor=("result", "next"))
    body = {"result": {"rows": [{"id": "g1"}, {"id": "g2"}], "next": "g2"}}
    page = read_page(plan, {}, 200, body, "")
    assert (page.items, following(plan, page, 2)) == (body["result"]["rows"], {"after": "g2"})


def test_items_and_cursors_read_at_any_depth() -> None:
    """An item list under a nested object (as a `[tool.specforge.pagination]` override gives
    it, `items = "result.rows"`) and a next cursor two levels down are read where they are."""
    plan = Pagination("cursor", ("result", "rows"), "cursor", cursor=("result", "page", "next"))
    body = {"result": {"rows": [{"id": 1}, {"id": 2}], "page": {"next": "c2"}}}
    page = read_page(plan, {}, 200, body, "")
    assert (page.items, page.next_cursor) == ([{"id": 1}, {"id": 2}], "c2")
    assert read_page(plan, {}, 200, {"result": None}, "") == Page({}, 200)
    listed = Pagination("link", (), limit_param="per_page")
    page = read_page(listed, {}, 200, [{"id": 1}], '<https://a.example/x?page=2>; rel="next"')
    assert (page.items, following(listed, page, 1)) == ([{"id": 1}], {"page": "2"})


def test_a_nested_cursor_listing_that_ends_passes(spec: Path, server: str, tmp_path: Path) -> None:
    junit = tmp_path / "run.xml"
    result = walk(spec, server, junit)
    assert (result.exit_code, result.failed_checks) == (0, []), result.report[-3000:]
    assert set(PAGINATION_CHECKS) <= set(result.passed_checks), result.passed_checks
    walked = {"list_widgets: cursor pagination over 3 page(s)"}  # 5 widgets, 2 a page
    assert pagination_cases(junit) == dict.fromkeys(PAGINATION_CHECKS, walked)


@pytest.mark.parametrize(
    ("server", "check"),
    [("cursor-loops", "pagination_no_repeats"), ("has-more-lies", "pagination_end_consistent")],
    indirect=["server"],
)
def test_a_nested_cursor_that_loops_or_lies_is_caught(spec: Path, server: str, check: str) -> None:
    result = walk(spec, server)
    assert result.exit_code == 1, result.report[-3000:]
    assert check in result.failed_checks, result.report[-3000:]
    assert set(result.failed_checks) <= set(PAGINATION_CHECKS), result.failed_checks


@pytest.mark.skipif(not FULL.is_file(), reason=f"{FULL} is absent (../shared is not beside it)")
def test_the_full_together_spec_walks_its_nested_cursor_listing(tmp_path: Path) -> None:
    """`list_training_sessions` pages with `after` and `meta.next_cursor`/`meta.has_more`: the
    regexes over top-level names the suite had before found no listing in this spec; the
    model's pagination gives this one, and the embedded mock passes its walk."""
    junit = tmp_path / "run.xml"
    options = ConformOptions(
        spec=FULL, lenient=True, max_examples=1, junit_xml=junit, pytest_args=PAGINATION_ONLY
    )
    result = conform(options, out=io.StringIO())
    assert (result.exit_code, result.failed_checks) == (0, []), result.report[-3000:]
    assert "violations: 0;" in result.report
    walked = {"list_training_sessions: cursor pagination over 1 page(s)"}  # the mock's last
    found = pagination_cases(junit)
    assert found == dict.fromkeys(("page_size_within_limit", "pagination_end_consistent"), walked)


def test_specforge_conform_reads_the_pyproject_pagination_table(
    spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`[tool.specforge.pagination]` reaches `specforge conform`: the looping cursor of
    `list_widgets` is walked, and with the listing turned off (`false`) it is not."""
    from specforge.cli import main

    monkeypatch.chdir(tmp_path)
    walked = []
    for table in ("", "[tool.specforge.pagination]\nlist_widgets = false\n"):
        pyproject = f'[tool.specforge]\nspec = "{spec.as_posix()}"\n\n{table}'
        (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        junit = tmp_path / "run.xml"
        with serve_app(Widgets("cursor-loops")) as origin:
            argv = ["conform", "--base-url", origin, "--api-key", KEY, "--max-examples", "1"]
            main([*argv, "--budget", "1000", "--junit-xml", str(junit)])
        cases = pagination_cases(junit)
        walked.append({case for found in cases.values() for case in found})
    assert any(case.startswith("list_widgets:") for case in walked[0]), walked
    assert not any(case.startswith("list_widgets:") for case in walked[1]), walked
