"""Auto-paging list operations in generated SDKs, over real sockets, sync and async.

Detection on three specs (tests/fixtures/acme-projects.yaml: cursor + has_more;
tests/fixtures/sdk-features.yaml: offset, page number, Link header, OpenAI-style last id; the
full Together spec: `after` + `meta.next_cursor`, skipped without ../shared), the
`[tool.specforge.pagination]` overrides, pagers walking servers of the test's own to the last
page, the guards against servers that loop (the same cursor again, cursors without end, a link
to itself or to another origin), and `mypy --strict` of a usage file.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from specforge.cli import main
from specforge.document.document import load_document
from specforge.document.errors import SpecforgeError
from specforge.generator.ir import Pagination
from specforge.generator.parse import build_api
from tests.sdk_lab import (
    ACME,
    FEATURES,
    FULL,
    Answer,
    Generated,
    LabServer,
    Seen,
    build,
    mypy_strict,
    needs_full,
)

KEY = "sk-test"
ITEMS = [{"id": f"it_{i}", "name": f"item {i}"} for i in range(11)]


def page_of(seen: Seen, name: str, default: int) -> int:
    return int(seen.query.get(name, [str(default)])[0])


def pagination(spec: Any, **overrides: Any) -> dict[str, Pagination | None]:
    api = build_api(load_document(spec, lenient=True).normalized, pagination=overrides or None)
    return {".".join((*op.resource, op.method_name)): op.pagination for op in api.operations}


# -- detection -----------------------------------------------------------------------------------
def test_detects_each_style() -> None:
    acme = pagination(ACME)
    assert acme["projects.list"] == Pagination(
        "cursor",
        ("data",),
        "Project",
        "cursor",
        ("next_cursor",),
        has_more=("has_more",),
        page_size="limit",
    )
    assert [name for name, found in acme.items() if found] == ["projects.list"]
    lab = pagination(FEATURES)
    assert lab["items.retrieve"] == Pagination(
        "offset", ("items",), "Item", "offset", total=("total",), page_size="limit"
    )
    assert lab["pages.retrieve"] == Pagination(
        "page",
        ("results",),
        "Item",
        "page",
        total_pages=("pagination", "total_pages"),
        page_size="per_page",
        start=1,
    )
    assert lab["linked.list"] == Pagination("link", (), "Item", page_size="per_page")
    assert lab["records.list"] == Pagination(
        "cursor",
        ("data",),
        "Item",
        "starting_after",
        cursor_item="id",
        has_more=("has_more",),
        page_size="limit",
    )
    assert lab["completions.create"] is None and lab["uploads.create"] is None


@needs_full()
def test_detects_the_together_cursor_in_its_meta_object() -> None:
    found = pagination(FULL)
    assert found["rl.training_sessions.list"] == Pagination(
        "cursor",
        ("data",),
        "RLTrainingSession",
        "after",
        ("meta", "next_cursor"),
        has_more=("meta", "has_more"),
        page_size="limit",
    )
    assert sum(1 for p in found.values() if p) == 1


def test_overrides_replace_or_drop_what_was_detected() -> None:
    found = pagination(
        ACME,
        **{
            "projects.list": False,
            "getProject": {"style": "cursor", "param": "x", "cursor": "a.b"},
        },
    )
    assert found["projects.list"] is None
    assert found["projects.retrieve"] == Pagination("cursor", ("data",), "", "x", ("a", "b"))
    lab = pagination(
        FEATURES, **{"items.retrieve": {"style": "page", "param": "offset", "start": 0}}
    )
    assert lab["items.retrieve"] == Pagination("page", ("items",), "Item", "offset", start=0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nowhere.list": False}, "names no operation"),
        ({"projects.list": {"style": "scroll"}}, "style must be one of"),
        ({"projects.list": {"style": "cursor", "param": "cursor"}}, "needs cursor or cursor_item"),
        ({"projects.list": {"style": "offset"}}, "needs param"),
        ({"projects.list": {"style": "link", "colour": "red"}}, "unknown pagination key"),
        ({"projects.list": "cursor"}, "a table or false"),
        ({"projects.delete": {"style": "link"}}, "no JSON success body"),
    ],
)
def test_bad_overrides_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecforgeError, match=message):
        pagination(ACME, **overrides)


def _project(tmp_path: Path, table: str) -> Path:
    """A project folder whose pyproject.toml configures the Acme spec and `table`."""
    (tmp_path / "acme.yaml").write_bytes(ACME.read_bytes())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.specforge]\nspec = "acme.yaml"\npackage = "acme_cfg"\noutput = "out"\n'
        f"\n[tool.specforge.pagination]\n{table}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_pyproject_pagination_table_reaches_the_generator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_project(tmp_path, '"projects.list" = false'))
    assert main(["generate", "--no-cache"]) == 0
    resource = (tmp_path / "out/src/acme_cfg/resources/projects.py").read_text(encoding="utf-8")
    assert "def list(" in resource and "def list_all(" not in resource
    (tmp_path / "pyproject.toml").write_text(
        (tmp_path / "pyproject.toml")
        .read_text(encoding="utf-8")
        .replace(
            '"projects.list" = false',
            '"projects.list" = { style = "cursor", param = "cursor", cursor = "next_cursor" }',
        ),
        encoding="utf-8",
    )
    assert main(["generate", "--no-cache"]) == 0
    resource = (tmp_path / "out/src/acme_cfg/resources/projects.py").read_text(encoding="utf-8")
    assert "def list_all(" in resource


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('"projects.list" = "cursor"', "must be a table"),
        ('"nowhere.list" = false', "names no operation"),
        ('"projects.list" = { style = "scroll" }', "style must be one of"),
    ],
)
def test_a_bad_pyproject_pagination_table_exits_2_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str,
    message: str,
) -> None:
    monkeypatch.chdir(_project(tmp_path, table))
    assert main(["generate", "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert message in err and "pagination" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# -- walking pages -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return build(ACME, "acme_pages", tmp_path_factory.mktemp("acme") / "acme_pages")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return build(FEATURES, "lab_pages", tmp_path_factory.mktemp("lab") / "lab_pages")


PROJECTS = [
    {
        "id": f"prj_{i:08d}",
        "name": f"p{i}",
        "visibility": "team",
        "created_at": "2024-01-01T00:00:00Z",
    }
    for i in range(7)
]


def acme_route(seen: Seen) -> Answer:
    if seen.headers.get("x-acme-key") != KEY:
        return Answer(401, b'{"error": {"code": "auth", "message": "key"}}')
    start = int(seen.query.get("cursor", ["0"])[0])
    size = page_of(seen, "limit", 3)
    chunk = PROJECTS[start : start + size]
    more = start + size < len(PROJECTS)
    body = {"data": chunk, "has_more": more, "next_cursor": str(start + size) if more else None}
    return Answer(body=json.dumps(body).encode())


def lab_route(origin: Callable[[], str]) -> Callable[[Seen], Answer]:
    def route(seen: Seen) -> Answer:
        if seen.path == "/v1/items":
            offset, limit = page_of(seen, "offset", 0), page_of(seen, "limit", 4)
            body: Any = {"items": ITEMS[offset : offset + limit], "total": len(ITEMS)}
        elif seen.path == "/v1/pages":
            page, size = page_of(seen, "page", 1), page_of(seen, "per_page", 3)
            pages = -(-len(ITEMS) // size)
            body = {
                "results": ITEMS[(page - 1) * size : page * size],
                "pagination": {"page": page, "total_pages": pages},
            }
        elif seen.path == "/v1/linked":
            page, size = page_of(seen, "page", 1), page_of(seen, "per_page", 4)
            body = ITEMS[(page - 1) * size : page * size]
            if page * size < len(ITEMS):
                link = f'<{origin()}/v1/linked?page={page + 1}&per_page={size}>; rel="next"'
                return Answer(
                    body=json.dumps(body).encode(),
                    headers={"Content-Type": "application/json", "Link": link},
                )
        elif seen.path == "/v1/records":
            after = seen.query.get("starting_after", [""])[0]
            start = next((i + 1 for i, item in enumerate(ITEMS) if item["id"] == after), 0)
            size = page_of(seen, "limit", 5)
            chunk = ITEMS[start : start + size]
            body = {"data": chunk, "has_more": start + size < len(ITEMS)}
        else:
            return Answer(404, b"{}")
        return Answer(body=json.dumps(body).encode())

    return route


@pytest.fixture
def lab_origin() -> Iterator[tuple[LabServer, str]]:
    box: list[str] = []
    server = LabServer(lab_route(lambda: box[0]))
    with server.running() as url:
        box.append(url)
        yield server, url


def test_acme_cursor_pages_sync_and_async(acme: Generated) -> None:
    server = LabServer(acme_route)
    with server.running() as url:
        client = acme.module.Client(api_key=KEY, base_url=url, response_validation="strict")
        pager = client.projects.list_all(limit=3)
        assert [p.id for p in pager] == [p["id"] for p in PROJECTS]
        assert [type(p).__name__ for p in pager][:1] == ["Project"]  # a pager walks again
        cursors = [r.query.get("cursor") for r in server.requests[:3]]
        assert cursors == [None, ["3"], ["6"]]
        assert all(r.query["limit"] == ["3"] for r in server.requests)
        pages = list(client.projects.list_all(limit=5).iter_pages())
        assert [type(p).__name__ for p in pages] == ["ProjectPage"] * 2
        assert [len(p.data) for p in pages] == [5, 2] and pages[-1].has_more is False
        assert [p.id for p in client.projects.list_all(cursor="5")] == [
            "prj_00000005",
            "prj_00000006",
        ]

        async def main() -> tuple[list[str], int]:
            async with acme.module.AsyncClient(api_key=KEY, base_url=url) as aclient:
                names = [p.name async for p in aclient.projects.list_all(limit=2)]
                pages = [page async for page in aclient.projects.list_all(limit=4).iter_pages()]
                return names, len(pages)

        assert asyncio.run(main()) == ([p["name"] for p in PROJECTS], 2)


@pytest.mark.parametrize(
    ("method", "arguments", "requests"),
    [
        ("items.retrieve_all", {"limit": 4}, 3),
        ("pages.retrieve_all", {"per_page": 3}, 4),
        ("linked.list_all", {"per_page": 4}, 3),
        ("records.list_all", {"limit": 5}, 3),
    ],
)
def test_lab_styles_sync_and_async(
    lab: Generated, lab_origin: Any, method: str, arguments: dict[str, Any], requests: int
) -> None:
    server, url = lab_origin
    resource, name = method.split(".")
    client = lab.module.Client(api_key=KEY, base_url=url, response_validation="strict")
    items = list(getattr(getattr(client, resource), name)(**arguments))
    assert [item.id for item in items] == [item["id"] for item in ITEMS]
    assert {type(item).__name__ for item in items} == {"Item"}
    assert len(server.requests) == requests

    async def main() -> list[str]:
        async with lab.module.AsyncClient(api_key=KEY, base_url=url) as aclient:
            pager = getattr(getattr(aclient, resource), name)(**arguments)
            return [item.id async for item in pager]

    assert asyncio.run(main()) == [item["id"] for item in ITEMS]


def test_the_offset_pager_sends_what_it_was_given(lab: Generated, lab_origin: Any) -> None:
    server, url = lab_origin
    client = lab.module.Client(api_key=KEY, base_url=url)
    assert [i.id for i in client.items.retrieve_all(offset=8, limit=2)] == ["it_8", "it_9", "it_10"]
    assert [r.query["offset"] for r in server.requests] == [["8"], ["10"]]
    first = next(iter(client.pages.retrieve_all(page=2, per_page=5)))
    assert first.id == "it_5"


# -- guards --------------------------------------------------------------------------------------
def looping_cursor(seen: Seen) -> Answer:
    body = {"data": PROJECTS[:2], "has_more": True, "next_cursor": "again"}
    return Answer(body=json.dumps(body).encode())


def endless_cursor(seen: Seen) -> Answer:
    start = int(seen.query.get("cursor", ["0"])[0])
    body = {"data": PROJECTS[:1], "has_more": True, "next_cursor": str(start + 1)}
    return Answer(body=json.dumps(body).encode())


def test_a_server_repeating_its_cursor_is_stopped(acme: Generated) -> None:
    server = LabServer(looping_cursor)
    with server.running() as url:
        client = acme.module.Client(api_key=KEY, base_url=url)
        seen: list[str] = []
        with pytest.raises(acme.module.PaginationError, match="again"):
            for project in client.projects.list_all():
                seen.append(project.id)
        assert len(seen) == 4 and len(server.requests) == 2

        async def main() -> None:
            async with acme.module.AsyncClient(api_key=KEY, base_url=url) as aclient:
                async for _ in aclient.projects.list_all():
                    pass

        with pytest.raises(acme.module.PaginationError):
            asyncio.run(main())


def test_max_pages_stops_a_server_without_end(acme: Generated) -> None:
    server = LabServer(endless_cursor)
    with server.running() as url:
        client = acme.module.Client(api_key=KEY, base_url=url)
        with pytest.raises(acme.module.PaginationError, match="after 5 pages"):
            list(client.projects.list_all(max_pages=5))
        assert len(server.requests) == 5
        assert len(list(itertools.islice(client.projects.list_all(), 3))) == 3  # lazy
        assert len(server.requests) == 8
        with pytest.raises(ValueError, match="max_pages"):
            client.projects.list_all(max_pages=0)

        async def main() -> int:
            count = 0
            async with acme.module.AsyncClient(api_key=KEY, base_url=url) as aclient:
                async for _ in aclient.projects.list_all(max_pages=3):
                    count += 1
            return count

        with pytest.raises(acme.module.PaginationError, match="after 3 pages"):
            asyncio.run(main())
    assert acme.module.DEFAULT_MAX_PAGES == 1000


def test_links_that_loop_or_leave_the_origin_are_not_followed(lab: Generated) -> None:
    elsewhere = LabServer(lambda seen: Answer(body=b"[]"))
    with elsewhere.running() as other:
        links = iter([f'<{other}/v1/linked?page=2>; rel="next"', '</v1/linked?page=1>; rel="next"'])
        box: list[str] = []

        def route(seen: Seen) -> Answer:
            link = box[0] if seen.query.get("page") == ["1"] else ""
            return Answer(
                body=json.dumps(ITEMS[:1]).encode(),
                headers={"Content-Type": "application/json", "Link": link},
            )

        server = LabServer(route)
        with server.running() as url:
            client = lab.module.Client(api_key=KEY, base_url=url)
            box.append(next(links))
            with pytest.raises(lab.module.PaginationError, match="another origin"):
                list(client.linked.list_all(extra_query={"page": 1}))
            box[0] = next(links)
            with pytest.raises(lab.module.PaginationError, match="loop"):
                list(client.linked.list_all(extra_query={"page": 1}))
    assert elsewhere.requests == []


# -- the full Together spec ------------------------------------------------------------------------
def together_route(session: dict[str, Any]) -> Callable[[Seen], Answer]:
    def route(seen: Seen) -> Answer:
        after = seen.query.get("after", [""])[0]
        start = int(after) if after else 0
        sessions = [{**session, "id": str(i)} for i in range(start, min(start + 2, 5))]
        more = start + 2 < 5
        meta = {"limit": 2, "has_more": more, "next_cursor": str(start + 2) if more else ""}
        return Answer(body=json.dumps({"data": sessions, "meta": meta}).encode())

    return route


def together_session() -> dict[str, Any]:
    """A training session the spec accepts (built as the mock builds its answers)."""
    from specforge.conformance.mock.sse import fitted
    from specforge.conformance.model import load_model

    model = load_model(FULL, lenient=True)
    pointer = "/components/schemas/RL.TrainingSession"
    session = fitted(model.example(pointer), model.validator(pointer))
    assert isinstance(session, dict)
    return session


@pytest.fixture(scope="module")
def together(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    if not FULL.is_file():
        pytest.skip(f"{FULL} is absent (../shared is not beside the project)")
    return build(
        FULL, "together_pages", tmp_path_factory.mktemp("full") / "together_pages", lenient=True
    )


@needs_full()
def test_together_training_sessions_page_by_meta_cursor(together: Generated) -> None:
    server = LabServer(together_route(together_session()))
    with server.running() as url:
        client = together.module.Client(api_key=KEY, base_url=url, response_validation="strict")
        ids = [s.id for s in client.rl.training_sessions.list_all(limit=2)]
        assert ids == ["0", "1", "2", "3", "4"]
        assert [r.query.get("after") for r in server.requests] == [None, ["2"], ["4"]]

        async def main() -> list[str]:
            async with together.module.AsyncClient(api_key=KEY, base_url=url) as aclient:
                return [s.id async for s in aclient.rl.training_sessions.list_all()]

        assert asyncio.run(main()) == ids


# -- types ---------------------------------------------------------------------------------------
ACME_USAGE = """
from __future__ import annotations

from acme_pages import AsyncClient, AsyncPager, Client, PaginationError, SyncPager
from acme_pages.models import Project, ProjectPage


def names(client: Client) -> list[str]:
    pager: SyncPager[ProjectPage, Project] = client.projects.list_all(limit=10)
    found = [project.name for project in pager]
    for page in client.projects.list_all(max_pages=None).iter_pages():
        found.extend(project.id for project in page.data)
    try:
        found.extend(p.name for p in client.projects.list_all(max_pages=2))
    except PaginationError as error:
        found.append(error.message)
    return found


async def ids(client: AsyncClient) -> list[str]:
    pager: AsyncPager[ProjectPage, Project] = client.projects.list_all()
    found = [project.id async for project in pager]
    async for page in client.projects.list_all(cursor="c").iter_pages():
        found.append(str(page.has_more))
    return found
"""

LAB_USAGE = """
from __future__ import annotations

from lab_pages import Client
from lab_pages.models import Item


def every(client: Client) -> list[Item]:
    items = list(client.items.retrieve_all(limit=5))
    items += list(client.pages.retrieve_all(per_page=5))
    items += list(client.linked.list_all())
    items += list(client.records.list_all(limit=2))
    return items
"""


def test_acme_usage_type_checks(acme: Generated) -> None:
    code, output = mypy_strict(acme.root, ACME_USAGE)
    assert code == 0, output


def test_lab_usage_type_checks(lab: Generated) -> None:
    code, output = mypy_strict(lab.root, LAB_USAGE)
    assert code == 0, output
