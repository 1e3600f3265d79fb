"""Generated resources: one method per operation, raw responses through a wrapper, wrapped docs.

`client.<resource>.with_raw_response.<method>` is the method itself wrapped by the runtime
(`raw_response_wrapper`): the same signature and docstring, a `RawResponse` of the result, the
status and headers left by the transport in a context-variable slot of that wrapper.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import together_videos
from together_videos import AsyncClient, Client, RawResponse, _runtime
from together_videos.models import VideoJob

from specforge.config import Config, load_config
from specforge.generator.pipeline import build, generate
from specforge.generator.views import wrap_doc
from tests.conftest import FULL_SPEC, ROOT
from tests.scripted_server import Reply, ScriptedServer

COMMITTED = ROOT / "generated" / "together_videos"
FIXTURES = ROOT / "tests" / "fixtures"
KEY = "sk-test-0123456789"
JOB = {
    "id": "job-1",
    "model": "m",
    "status": "in_progress",
    "created_at": 1.0,
    "size": "1280x720",
    "seconds": "4",
}
PLACEHOLDERS = ("no description", "in the spec)", "TODO", "FIXME", "placeholder")
THINGS_SPEC = """\
openapi: 3.1.0
info: {title: Things, version: 1.0.0}
servers: [{url: "https://things.example/v1"}]
paths:
  /things:
    get:
      operationId: listThings
      summary: List things
      parameters:
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 50}}
      - name: cursor
        in: query
        description: Where the previous page ended.
        schema: {type: string}
      - {name: X-Trace, in: header, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
"""


def job(index: int, status: str = "in_progress") -> dict[str, Any]:
    return {**JOB, "id": f"job-{index}", "status": status}


def tagged(index: int, status: str = "in_progress") -> Reply:
    """A reply whose body and `x-request-id` header carry the same number."""
    return Reply(body=job(index, status), headers={"x-request-id": f"r{index}"})


def client_for(server: ScriptedServer, **options: Any) -> Client:
    return Client(api_key=KEY, base_url=server.base_url, max_retries=0, **options)


def _imported(src: Path, name: str) -> Iterator[ModuleType]:
    sys.path.insert(0, str(src))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(src))
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]


@pytest.fixture(scope="module")
def video_jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The fixture spec with GET /videos/{id}: a resource with `poll` and `create_and_poll`."""
    out = tmp_path_factory.mktemp("gen") / "raw_video_jobs"
    generate(
        load_config(ROOT).with_overrides(
            spec=FIXTURES / "video-jobs.yaml", package="raw_video_jobs", output=out
        )
    )
    yield from _imported(out / "src", "raw_video_jobs")


@pytest.fixture(scope="module")
def things(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """A spec with optional query and header parameters, one documented, one with bounds."""
    root = tmp_path_factory.mktemp("things")
    spec = root / "things.yaml"
    spec.write_text(THINGS_SPEC, encoding="utf-8")
    generate(Config(spec=spec, package="raw_things", output=root / "raw_things"))
    yield from _imported(root / "raw_things" / "src", "raw_things")


# -- with_raw_response against a real server ---------------------------------------------------
def test_raw_response_carries_status_headers_and_parsed_body(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB, headers={"x-request-id": "r1"}))
    raw = client_for(server).videos.with_raw_response.create(model="m", prompt="p")
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200 and raw.headers["x-request-id"] == "r1"
    assert isinstance(raw.parsed, VideoJob) and raw.parsed.id == "job-1"
    assert raw.http_response.json() == JOB and raw.retries_taken == 0
    assert server.requests[0].json() == {"model": "m", "prompt": "p"}
    assert _runtime._RAW_SLOT.get() is None


def test_async_raw_response_carries_status_headers_and_parsed_body(
    server: ScriptedServer,
) -> None:
    server.script(Reply(body=JOB, headers={"x-request-id": "r1"}))

    async def main() -> RawResponse[VideoJob]:
        async with AsyncClient(api_key=KEY, base_url=server.base_url) as client:
            assert inspect.iscoroutinefunction(client.videos.with_raw_response.create)
            return await client.videos.with_raw_response.create(model="m")

    raw = asyncio.run(main())
    assert raw.status_code == 200 and raw.headers["x-request-id"] == "r1"
    assert isinstance(raw.parsed, VideoJob) and raw.parsed.id == "job-1"


def test_the_plain_method_returns_the_parsed_body(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB))
    assert client_for(server).videos.create(model="m").id == "job-1"


def test_errors_pass_through_the_wrapper_and_leave_no_slot(server: ScriptedServer) -> None:
    server.script(Reply(404, {"error": {"message": "gone"}}))
    with pytest.raises(together_videos.NotFoundError, match="gone"):
        client_for(server).videos.with_raw_response.create(model="m")
    assert _runtime._RAW_SLOT.get() is None


def test_concurrent_async_raw_calls_keep_their_own_responses(server: ScriptedServer) -> None:
    server.script(*(tagged(i) for i in range(8)), tagged(99))

    async def main() -> list[RawResponse[VideoJob]]:
        async with AsyncClient(api_key=KEY, base_url=server.base_url) as client:
            calls = [client.videos.with_raw_response.create(model="m") for _ in range(8)]
            return await asyncio.gather(*calls)

    raws = asyncio.run(main())
    assert sorted(raw.parsed.id for raw in raws) == [f"job-{i}" for i in range(8)]
    assert all(raw.headers["x-request-id"] == "r" + raw.parsed.id[4:] for raw in raws)


def test_raw_calls_in_threads_keep_their_own_responses(server: ScriptedServer) -> None:
    server.script(*(tagged(i) for i in range(8)), tagged(99))
    client = client_for(server)
    with ThreadPoolExecutor(4) as pool:
        raws = list(pool.map(lambda _: client.videos.with_raw_response.create(model="m"), range(8)))
    assert sorted(raw.parsed.id for raw in raws) == [f"job-{i}" for i in range(8)]
    assert all(raw.headers["x-request-id"] == "r" + raw.parsed.id[4:] for raw in raws)


# -- nested calls -------------------------------------------------------------------------------
def test_raw_create_and_poll_reports_the_final_retrieve(
    video_jobs: ModuleType, server: ScriptedServer
) -> None:
    server.script(tagged(1), tagged(2), tagged(3, "completed"))
    client = video_jobs.Client(api_key=KEY, base_url=server.base_url)
    raw = client.videos.with_raw_response.create_and_poll(model="m", poll_interval=0.01)
    assert raw.status_code == 200 and raw.headers["x-request-id"] == "r3"
    assert raw.parsed.status == "completed" and raw.parsed.id == "job-3"
    assert [r.method for r in server.requests] == ["POST", "GET", "GET"]
    assert server.requests[1].path == "/v2/videos/job-1"


def test_async_raw_create_and_poll_reports_the_final_retrieve(
    video_jobs: ModuleType, server: ScriptedServer
) -> None:
    server.script(tagged(1), tagged(2, "failed"))

    async def main() -> Any:
        async with video_jobs.AsyncClient(api_key=KEY, base_url=server.base_url) as client:
            return await client.videos.with_raw_response.create_and_poll(
                model="m", poll_interval=0.01
            )

    raw = asyncio.run(main())
    assert raw.headers["x-request-id"] == "r2" and raw.parsed.status == "failed"


def test_raw_poll_and_retrieve(video_jobs: ModuleType, server: ScriptedServer) -> None:
    server.script(tagged(4, "completed"))
    client = video_jobs.Client(api_key=KEY, base_url=server.base_url)
    assert client.videos.with_raw_response.retrieve("job-4").headers["x-request-id"] == "r4"
    raw = client.videos.with_raw_response.poll("job-4", interval=0.01)
    assert raw.parsed.id == "job-4" and raw.headers["x-request-id"] == "r4"


def test_a_raw_call_inside_a_raw_call_keeps_each_response(server: ScriptedServer) -> None:
    server.script(tagged(1), tagged(2), tagged(3))
    client = client_for(server)

    def both() -> tuple[RawResponse[VideoJob], VideoJob]:
        inner = client.videos.with_raw_response.create(model="m")
        return inner, client.videos.create(model="m")

    outer = _runtime.raw_response_wrapper(both)()
    inner, second = outer.parsed
    assert inner.headers["x-request-id"] == "r1" and inner.parsed.id == "job-1"
    assert outer.headers["x-request-id"] == "r2" and second.id == "job-2"

    def only_inner() -> VideoJob:
        return client.videos.with_raw_response.create(model="m").parsed

    assert _runtime.raw_response_wrapper(only_inner)().headers["x-request-id"] == "r3"
    assert _runtime._RAW_SLOT.get() is None


def test_a_wrapped_function_that_sends_nothing_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="without making a request"):
        _runtime.raw_response_wrapper(lambda: 1)()


# -- signatures and docstrings of the wrapped methods ------------------------------------------
def _public_methods(resource: Any) -> list[str]:
    return [
        name
        for name in dir(type(resource))
        if not name.startswith("_") and inspect.isfunction(getattr(type(resource), name))
    ]


@pytest.mark.parametrize("flavour", ["Client", "AsyncClient"])
def test_raw_methods_have_the_signature_and_docstring_of_the_method(
    video_jobs: ModuleType, flavour: str
) -> None:
    for package in (together_videos, video_jobs):
        client = getattr(package, flavour)(api_key=KEY)
        resource = client.videos
        names = _public_methods(resource)
        assert "create" in names
        raw = resource.with_raw_response
        for name in names:
            method, wrapped = getattr(resource, name), getattr(raw, name)
            assert inspect.signature(wrapped) == inspect.signature(method), name
            assert wrapped.__doc__ == method.__doc__ and method.__doc__, name
            assert wrapped.__name__ == name and wrapped.__wrapped__ == method
            assert inspect.iscoroutinefunction(wrapped) == (flavour == "AsyncClient")
    assert {"poll", "create_and_poll"} <= set(
        _public_methods(video_jobs.Client(api_key=KEY).videos)
    )


def test_one_signature_per_method_and_flavour() -> None:
    source = (COMMITTED / "src/together_videos/resources/videos.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    methods = [
        (cls.name, node.name, [ast.unparse(d) for d in node.decorator_list])
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
        for node in cls.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "__init__"
    ]
    # the twins come from the runtime's APIResource; `create` is one implementation plus the
    # two overloads that tell type checkers which calls pass a deprecated argument
    for flavour in ("Videos", "AsyncVideos"):
        mine = [decorators for name, method, decorators in methods if name == flavour]
        assert {method for name, method, _ in methods if name == flavour} == {"create"}
        assert len(mine) == 3 and mine.count([]) == 1
        assert sorted(d[0] for d in mine if d)[0] == "overload"


def _docstring_lines(source: str) -> Iterator[tuple[int, str]]:
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            if ast.get_docstring(node) is None:
                continue
            first = node.body[0]
            assert first.end_lineno is not None
            for number in range(first.lineno, first.end_lineno + 1):
                yield number, lines[number - 1]


def _check_docstrings(files: dict[str, str]) -> int:
    checked = 0
    for name, source in files.items():
        for number, line in _docstring_lines(source):
            assert len(line) <= 100, f"{name}:{number}: {len(line)} columns: {line}"
            assert not any(p.lower() in line.lower() for p in PLACEHOLDERS), f"{name}:{number}"
            checked += 1
    return checked


def _python(root: Path) -> dict[str, str]:
    return {
        str(path): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.py"))
        if path.name != "models.py"
    }


def test_committed_docstrings_are_wrapped_without_placeholders() -> None:
    files = _python(COMMITTED / "src")
    assert _check_docstrings(files) > 50
    doc = type(Client(api_key=KEY).videos).create.__doc__ or ""
    assert "height:" not in doc and "width:" not in doc  # no description: no entry
    assert "            steps: The number of denoising steps" in doc
    body = [line for line in doc.splitlines() if line.strip()]
    assert max(len(line) for line in body) <= 88  # __doc__ keeps the 8-column indentation


@pytest.mark.skipif(not FULL_SPEC.exists(), reason=f"{FULL_SPEC} is absent")
def test_full_spec_docstrings_are_wrapped_without_placeholders(tmp_path: Path) -> None:
    config = Config(spec=FULL_SPEC, package="full_docs", output=tmp_path / "full", lenient=True)
    files = {
        name: text
        for name, text in build(config).files.items()
        if name.endswith(".py") and not name.endswith("models.py")
    }
    assert _check_docstrings(files) > 2000


def test_an_undocumented_argument_says_only_its_constraints(things: ModuleType) -> None:
    doc = type(things.Client(api_key=KEY).things).list.__doc__
    assert "limit: At least 1, at most 50." in doc
    assert "cursor: Where the previous page ended." in doc
    assert "x_trace" not in doc


def test_not_given_arguments_are_not_sent(things: ModuleType, server: ScriptedServer) -> None:
    server.script(Reply(body=["a"]))
    client = things.Client(api_key=KEY, base_url=server.base_url)
    assert client.things.list() == ["a"]
    assert client.things.with_raw_response.list(limit=5, x_trace="t").parsed == ["a"]
    first, second = server.requests
    assert first.path == "/v1/things" and "X-Trace" not in first.headers
    assert second.path == "/v1/things?limit=5" and second.headers["X-Trace"] == "t"


def test_docstring_wrapping_keeps_code_spans_code_blocks_and_lists() -> None:
    json_line = '{"a": "a line of JSON that stays exactly as it is, however long it is"}'
    long_span = "`" + "x " * 30 + "`"
    text = (
        "Send `a request with spaces` to the server " + "word " * 20 + "\n\n"
        f"```json\n{json_line}\n```\n"
        "- an item " + "that goes on " * 8 + "\n"
        "  and continues\n"
        "| a | b |\n\n"
        f"{long_span}"
    )
    lines = wrap_doc(text, 40)
    prose = lines[: lines.index("```json")]
    assert "`a request with spaces`" in " ".join(prose)
    assert all(line.count("`") % 2 == 0 for line in prose)  # no span broken over lines
    assert lines[lines.index("```json") + 1 : lines.index("```json") + 3] == [json_line, "```"]
    item = next(i for i, line in enumerate(lines) if line.startswith("- an item"))
    rest = lines[item + 1 : lines.index("| a | b |")]
    assert rest and all(line.startswith("  ") and line[2] != " " for line in rest)
    assert " ".join(lines[item : item + 1 + len(rest)]).split() == (
        ["-", "an", "item", *["that", "goes", "on"] * 8, "and", "continues"]
    )
    assert "| a | b |" in lines
    assert all(len(line) <= 40 for line in lines if line != json_line)
    assert " ".join(lines[lines.index("| a | b |") + 2 :]) == long_span.replace("x  `", "x `")


# -- deprecation warnings point at the caller ---------------------------------------------------
def test_deprecation_warnings_point_at_the_caller(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB))
    client = client_for(server)
    frames = [{"input_image": "u", "frame": "first"}]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.videos.create(model="m", frame_images=frames)
        client.videos.with_raw_response.create(model="m", frame_images=frames)

        async def main() -> None:
            async with AsyncClient(api_key=KEY, base_url=server.base_url) as aclient:
                await aclient.videos.create(model="m", frame_images=frames)
                await aclient.videos.with_raw_response.create(model="m", frame_images=frames)

        asyncio.run(main())
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 4
    assert {w.filename for w in deprecations} == {__file__}


def test_drift_warnings_point_at_the_caller(server: ScriptedServer) -> None:
    server.script(Reply(body={**JOB, "created_at": "yesterday"}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client_for(server).videos.create(model="m")
        client_for(server).videos.with_raw_response.create(model="m")
    drifts = [w for w in caught if issubclass(w.category, together_videos.ResponseDriftWarning)]
    assert len(drifts) == 2 and {w.filename for w in drifts} == {__file__}


# -- mypy sees the raw types --------------------------------------------------------------------
TYPED = """\
from __future__ import annotations

from typing import assert_type

from together_videos import AsyncClient, Client, RawResponse
from together_videos.models import VideoJob


def sync(client: Client) -> str:
    raw = client.videos.with_raw_response.create(model="m", steps=20, timeout=5.0)
    assert_type(raw, RawResponse[VideoJob])
    assert_type(raw.status_code, int)
    reveal_type(raw.parsed)
    return raw.parsed.id


async def run(client: AsyncClient) -> str:
    raw = await client.videos.with_raw_response.create(model="m")
    assert_type(raw, RawResponse[VideoJob])
    return raw.parsed.id
"""
MISTYPED = """\
from together_videos import Client


def misspelt(client: Client) -> None:
    client.videos.with_raw_response.create(modle="m")


def wrong(client: Client) -> int:
    raw = client.videos.with_raw_response.create(model="m")
    return raw.parsed.id
"""


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "snippet.py").write_text(source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "snippet.py"],
        cwd=tmp_path,
        env={"MYPYPATH": str(COMMITTED / "src"), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_mypy_strict_types_raw_calls(tmp_path: Path) -> None:
    done = _mypy(tmp_path, TYPED)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'Revealed type is "together_videos.models.VideoJob"' in done.stdout
    wrong = _mypy(tmp_path, textwrap.dedent(MISTYPED))
    assert wrong.returncode == 1
    assert 'Unexpected keyword argument "modle"' in wrong.stdout
    assert 'Incompatible return value type (got "str", expected "int")' in wrong.stdout
