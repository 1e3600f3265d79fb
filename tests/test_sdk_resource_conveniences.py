"""Resource conveniences of generated SDKs, called over real sockets, sync and async.

- `with_streaming_response.<method>(...)`: a `with` block whose response body is read only
  when asked (in pieces, whole, or parsed as the method parses it), the connection released on
  leaving it, `max_response_bytes` still bounding every read;
- the `with_raw_response` and `with_streaming_response` twins carry the method's docstring;
- `@deprecated` for type checkers: deprecated operations, and `@overload`s that match a call
  giving a deprecated argument (mypy `--enable-error-code deprecated` reports it);
- `poll` for every resource whose `retrieve` answers with a status enum, `create_and_poll` where
  the create answer names the new job: on the full Together API (each resource detected, against
  a server going from pending to terminal, and videos against the project mock), on a spec of
  this file's own (a wrapped id, a `state` enum with a shared prefix, nested paths), and on
  `sdk-builds.yaml` against the mock.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import pydoc
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from specforge.conformance.mock.server import MockOptions, running
from specforge.document.loader import load_spec
from specforge.document.schemas import normalize
from specforge.generator.ir import Polling, Resource
from specforge.generator.parse import build_api, job_states
from tests.sdk_lab import (
    FIXTURES,
    FULL,
    ROOT,
    Answer,
    Generated,
    LabServer,
    build,
    needs_full,
    wait_for,
)
from tests.sdk_lab import Seen as LabSeen

VIDEOS = ROOT / "spec" / "together-videos.yaml"
BUILDS = FIXTURES / "sdk-builds.yaml"
JOB = {
    "id": "job-1",
    "model": "m",
    "status": "in_progress",
    "created_at": 1.0,
    "object": "video",
    "size": "1280x720",
    "seconds": "4",
}
BODY = json.dumps(JOB).encode()

# A render farm: a create answering with a wrapper (`render.id`), an export nested under a
# project whose `state` enum shares a prefix and has an unspecified value, a report that can
# only be polled, a deprecated operation and deprecated arguments.
FARM = """\
openapi: 3.1.0
info: {title: Render farm, version: 1.0.0}
servers: [{url: "https://farm.example"}]
security: [{Key: []}]
paths:
  /renders:
    post:
      operationId: createRender
      summary: Start a render
      parameters:
      - name: legacy_mode
        in: query
        deprecated: true
        description: "Deprecated: use `quality` instead."
        schema: {type: boolean}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/RenderCreate"}
      responses:
        "202":
          description: Accepted.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/RenderAccepted"}
  /renders/{render_id}:
    get:
      operationId: getRender
      summary: Get a render
      parameters:
      - {name: render_id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: The render.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Render"}
  /projects/{project_id}:
    get:
      operationId: getProject
      summary: Get a project
      parameters:
      - {name: project_id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: The project.
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
  /projects/{project_id}/media/exports:
    post:
      operationId: createExport
      summary: Export a project
      parameters:
      - {name: project_id, in: path, required: true, schema: {type: string}}
      responses:
        "201":
          description: The export ticket.
          content:
            application/json:
              schema:
                type: object
                required: [export_id]
                properties:
                  export_id: {type: string}
  /projects/{project_id}/media/exports/{export_id}:
    get:
      operationId: getExport
      summary: Get an export
      parameters:
      - {name: project_id, in: path, required: true, schema: {type: string}}
      - {name: export_id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: The export.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Export"}
  /reports/{report_id}:
    get:
      operationId: getReport
      summary: Get a report
      parameters:
      - {name: report_id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: The report.
          content:
            application/json:
              schema:
                type: object
                required: [status]
                properties:
                  status: {type: string, enum: [Waiting, BuildingCharts, Ready, Broken]}
  /sessions/{session_id}/work/runs:
    post:
      operationId: createRun
      summary: Start a run
      parameters:
      - {name: session_id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [task]
              properties:
                task: {type: string}
                stream: {type: boolean, description: Stream the run's events.}
      responses:
        "200":
          description: The run, or its events.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Run"}
            text/event-stream:
              schema: {$ref: "#/components/schemas/Run"}
  /sessions/{session_id}/work/runs/{run_id}:
    get:
      operationId: getRun
      summary: Get a run
      parameters:
      - {name: session_id, in: path, required: true, schema: {type: string}}
      - {name: run_id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: The run.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Run"}
  /legacy/jobs:
    post:
      operationId: createLegacyJob
      summary: Start a job the old way
      deprecated: true
      responses:
        "200":
          description: Started.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/RenderAccepted"}
components:
  securitySchemes:
    Key: {type: http, scheme: bearer}
  schemas:
    RenderCreate:
      type: object
      required: [scene]
      properties:
        scene: {type: string}
        quality: {type: string, enum: [draft, final]}
        priority:
          type: integer
          deprecated: true
          description: "Deprecated: use `quality` instead."
    RenderAccepted:
      type: object
      required: [render]
      properties:
        render:
          type: object
          required: [id]
          properties:
            id: {type: string}
        warning: {type: string}
    Render:
      type: object
      required: [id, status]
      properties:
        id: {type: string}
        status: {type: string, enum: [queued, rendering, done, failed]}
        url: {type: string}
    Run:
      type: object
      required: [id, status]
      properties:
        id: {type: string}
        status: {type: string, enum: [queued, in_progress, completed, failed]}
    Export:
      type: object
      required: [id, state]
      properties:
        id: {type: string}
        state:
          type: string
          enum: [EXPORT_STATE_UNSPECIFIED, EXPORT_STATE_QUEUED, EXPORT_STATE_WRITING,
                 EXPORT_STATE_DONE, EXPORT_STATE_FAILED]
"""

# What the full Together API offers: resource -> (status property, create_and_poll too).
FULL_POLLING = {
    "batches": ("status", True),
    "compute.clusters": ("status", True),
    "compute.clusters.storage.volumes": ("status", True),
    "deployments": ("status", True),
    "endpoints": ("state", True),
    "evaluation": ("status", True),
    "fine_tunes": ("status", True),
    "jobs": ("status", False),
    "rl.training_sessions": ("status", True),
    "rl.training_sessions.operations.forward_backward": ("status", True),
    "rl.training_sessions.operations.inference_checkpoint": ("status", True),
    "rl.training_sessions.operations.optim_step": ("status", True),
    "rl.training_sessions.operations.sample": ("status", True),
    "rl.training_sessions.operations.training_checkpoint": ("status", True),
    "videos": ("status", True),
}


# -- packages -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return build(VIDEOS, "conv_videos", tmp_path_factory.mktemp("conv_videos"))


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("conv_farm")
    spec = root / "farm.yaml"
    spec.write_text(FARM, encoding="utf-8")
    return build(spec, "conv_farm", root / "pkg")


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    if not FULL.is_file():
        pytest.skip(f"{FULL} is absent")
    return build(FULL, "conv_together", tmp_path_factory.mktemp("conv_together"), lenient=True)


def pollings(spec: Path) -> dict[str, Polling]:
    """Each resource's `Polling`, by dotted path, as the generator sees the spec."""
    loaded = load_spec(spec)
    document = normalize(loaded.document, str(loaded.document.get("openapi", "3.1")))
    api = build_api(document)

    def walk(resource: Resource) -> Iterator[Resource]:
        yield resource
        for child in resource.children.values():
            yield from walk(child)

    return {
        ".".join(node.path): node.polling
        for root in api.resources.values()
        for node in walk(root)
        if node.polling is not None
    }


def resource_at(client: Any, path: str) -> Any:
    for name in path.split("."):
        client = getattr(client, name)
    return client


class Served(LabServer):
    """A `LabServer` that knows its URL while it runs."""

    url = ""


@pytest.fixture()
def pieces() -> Iterator[Served]:
    """Answers with the job's JSON in two pieces, a pause between them."""
    server = Served(lambda seen: Answer(body=[BODY[:10], BODY[10:]], pause=0.05))
    with server.running() as url:
        server.url = url
        yield server


# -- with_streaming_response --------------------------------------------------------------------
def test_streaming_response_reads_the_body_only_when_asked(
    videos: Generated, pieces: Served
) -> None:
    client = videos.module.Client(api_key="k", base_url=pieces.url)
    context = client.videos.with_streaming_response.create(model="m")
    assert pieces.requests == []  # sent on entering the block
    with context as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert isinstance(response.http_response, httpx.Response)
        assert not response.http_response.is_stream_consumed
        assert response.retries_taken == 0
        got = list(response.iter_bytes())
    assert b"".join(got) == BODY
    assert response.is_closed
    assert [(r.method, r.path) for r in pieces.requests] == [("POST", "/v2/videos")]
    assert json.loads(pieces.requests[0].body) == {"model": "m"}
    assert pieces.requests[0].headers["authorization"] == "Bearer k"


def test_parse_reads_and_parses_as_the_method_does(videos: Generated, pieces: Served) -> None:
    client = videos.module.Client(api_key="k", base_url=pieces.url, max_response_bytes=len(BODY))
    with client.videos.with_streaming_response.create(model="m") as response:
        job = response.parse()
        assert response.parse() is job and response.read() == BODY
        for _ in range(2):  # a body read is iterated from memory, as often as asked
            assert b"".join(response.iter_bytes()) == BODY
    assert isinstance(job, videos.module.models.VideoJob)
    assert job.id == "job-1" and job.status == "in_progress"
    assert response.is_closed


def test_text_and_lines_whatever_the_pieces(videos: Generated) -> None:
    pieces = [b"caf\xc3", b"\xa9 one\r", b"\ntwo\n", b"\rthree"]
    server = LabServer(
        lambda seen: Answer(body=pieces, headers={"Content-Type": "text/plain; charset=utf-8"})
    )
    with server.running() as url:
        client = videos.module.Client(api_key="k", base_url=url)
        with client.videos.with_streaming_response.create(model="m") as response:
            assert list(response.iter_lines()) == ["café one", "two", "", "three"]
        with client.videos.with_streaming_response.create(model="m") as response:
            assert "".join(response.iter_text()) == "café one\r\ntwo\n\rthree"


def test_leaving_the_block_early_releases_the_connection(videos: Generated) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 1024

    server = LabServer(lambda seen: Answer(body=endless(), pause=0.01))
    with server.running() as url:
        client = videos.module.Client(api_key="k", base_url=url)
        with client.videos.with_streaming_response.create(model="m") as response:
            first = next(response.iter_bytes())
        assert first and response.is_closed
        assert wait_for(lambda: server.disconnects == 1)


def test_sent_as_the_method_sends_it(videos: Generated) -> None:
    """Retried (a POST with an idempotency key), redirected, the key kept to its origin."""
    other = LabServer(lambda seen: Answer(body=BODY))
    with other.running() as elsewhere:
        answers = iter(
            [
                Answer(status=503, body=b"{}", headers={"Retry-After": "0"}),
                Answer(status=307, headers={"Location": f"{elsewhere}/v2/videos"}),
            ]
        )
        first = LabServer(lambda seen: next(answers))
        with first.running() as url:
            client = videos.module.Client(
                api_key="k", base_url=url, max_retries=2, idempotency_header="Idempotency-Key"
            )
            with client.videos.with_streaming_response.create(model="m") as response:
                assert response.parse().id == "job-1"
                assert response.retries_taken == 1
    assert [r.headers.get("authorization") for r in first.requests] == ["Bearer k"] * 2
    assert len({r.headers["idempotency-key"] for r in first.requests}) == 1
    assert "authorization" not in other.requests[0].headers
    assert json.loads(other.requests[0].body) == {"model": "m"}


def test_an_error_status_raises_on_entering(videos: Generated) -> None:
    server = LabServer(
        lambda seen: Answer(status=404, body=b'{"error": {"message": "no such model"}}')
    )
    with server.running() as url:
        client = videos.module.Client(api_key="k", base_url=url, max_retries=0)
        twin = client.videos.with_streaming_response
        with (
            pytest.raises(videos.module.NotFoundError, match="no such model"),
            twin.create(model="m"),
        ):
            raise AssertionError("the block is not entered")


def test_max_response_bytes_bounds_every_read(videos: Generated, pieces: Served) -> None:
    client = videos.module.Client(
        api_key="k",
        base_url=pieces.url,
        max_response_bytes=16,
    )
    too_large = videos.module.ResponseTooLargeError
    twin = client.videos.with_streaming_response
    with twin.create(model="m") as response, pytest.raises(too_large):
        list(response.iter_bytes())
    assert response.is_closed
    for read in ("read", "parse", "iter_lines"):
        with twin.create(model="m") as response, pytest.raises(too_large):
            result = getattr(response, read)()
            if read == "iter_lines":
                list(result)


def test_async_streaming_response(videos: Generated, pieces: Served) -> None:
    async def run() -> tuple[list[bytes], Any, list[str], bool]:
        async with videos.module.AsyncClient(
            api_key="k",
            base_url=pieces.url,
        ) as client:
            twin = client.videos.with_streaming_response
            async with twin.create(model="m") as response:
                assert response.status_code == 200
                assert not response.http_response.is_stream_consumed
                got = [chunk async for chunk in response.iter_bytes()]
            closed = response.is_closed
            async with twin.create(model="m") as response:
                job = await response.parse()
                assert await response.read() == BODY
            async with twin.create(model="m") as response:
                lines = [line async for line in response.iter_lines()]
            return got, job, lines, closed

    got, job, lines, closed = asyncio.run(run())
    assert b"".join(got) == BODY and closed
    assert isinstance(job, videos.module.models.VideoJob) and job.id == "job-1"
    assert lines == [BODY.decode()]


def test_async_max_response_bytes_and_errors(videos: Generated) -> None:
    answers = iter([Answer(status=503, body=b"{}"), Answer(body=BODY)])
    server = LabServer(lambda seen: next(answers))

    async def run(url: str) -> None:
        async with videos.module.AsyncClient(
            api_key="k", base_url=url, max_retries=0, max_response_bytes=16
        ) as client:
            with pytest.raises(videos.module.APIStatusError):
                async with client.videos.with_streaming_response.create(model="m"):
                    raise AssertionError("the block is not entered")
            async with client.videos.with_streaming_response.create(model="m") as response:
                with pytest.raises(videos.module.ResponseTooLargeError):
                    await response.read()
            assert response.is_closed

    with server.running() as url:
        asyncio.run(run(url))


@needs_full()
def test_streaming_response_of_an_event_stream(full: Generated) -> None:
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "hi"}}],
    }
    events = [f"data: {json.dumps(chunk)}\n\n".encode(), b"data: [DONE]\n\n"]
    server = LabServer(
        lambda seen: Answer(body=events, headers={"Content-Type": "text/event-stream"})
    )
    arguments: dict[str, Any] = {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
    }
    with server.running() as url:
        client = full.module.Client(api_key="k", base_url=url, response_validation="off")
        twin = client.chat.completions.with_streaming_response
        with twin.create(**arguments) as response:
            assert response.headers["content-type"] == "text/event-stream"
            chunks = list(response.parse())
        assert [c.id for c in chunks] == ["c1"]
        assert server.requests[0].headers["accept"] == "text/event-stream"

        async def run() -> list[Any]:
            async with full.module.AsyncClient(
                api_key="k", base_url=url, response_validation="off"
            ) as client:
                twin = client.chat.completions.with_streaming_response
                async with twin.create(**arguments) as response:
                    return [c async for c in await response.parse()]

        assert [c.id for c in asyncio.run(run())] == ["c1"]


# -- docstrings of the twins --------------------------------------------------------------------
def test_twins_carry_the_method_docstring(videos: Generated) -> None:
    for client in (
        videos.module.Client(api_key="k"),
        videos.module.AsyncClient(api_key="k"),
    ):
        method = client.videos.create
        assert method.__doc__ and "Create a video" in method.__doc__
        for twin in (client.videos.with_raw_response, client.videos.with_streaming_response):
            assert twin.create.__doc__ == method.__doc__
            assert "Create a video" in pydoc.render_doc(twin.create)
    # IDEs read the attribute docstring written under each twin.
    source = (videos.src / "conv_videos" / "resources" / "videos.py").read_text(encoding="utf-8")
    twins = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef)
        and node.name.endswith(("WithRawResponse", "WithStreamingResponse"))
    ]
    assert len(twins) == 4
    for node in twins:
        init = next(n for n in node.body if isinstance(n, ast.FunctionDef))
        assign, doc = init.body[0], init.body[1]
        assert isinstance(assign, ast.Assign) and isinstance(doc, ast.Expr)
        assert ast.literal_eval(doc.value) == "Create video"


# -- deprecation --------------------------------------------------------------------------------
USED = """\
from conv_farm import Client

client = Client(api_key="k")
client.renders.create(scene="s", priority=1)
client.renders.create(scene="s", legacy_mode=True)
client.legacy.jobs.create()
"""
UNUSED = """\
from conv_farm import Client
from conv_farm.models import Render

client = Client(api_key="k")
client.renders.create(scene="s", quality="final")
render: Render = client.renders.poll("r-1", interval=0.5)
"""
VIDEO_USED = """\
from conv_videos import Client

Client(api_key="k").videos.create(model="m", reference_images=["https://x.example/a.png"])
"""
VIDEO_UNUSED = """\
from collections.abc import Iterator

from typing_extensions import assert_type

from conv_videos import AsyncClient, Client, RawResponse
from conv_videos.models import VideoJob

client = Client(api_key="k")
client.videos.create(model="m", media={"reference_images": ["https://x"]})
raw = client.videos.with_raw_response.create(model="m", seed=1)
assert_type(raw, RawResponse[VideoJob])
with client.videos.with_streaming_response.create(model="m") as response:
    assert_type(response.parse(), VideoJob)
    lines: Iterator[str] = response.iter_lines()
    status: int = response.status_code


async def main() -> None:
    async with AsyncClient(api_key="k") as aclient:
        twin = aclient.videos.with_streaming_response
        async with twin.create(model="m") as aresponse:
            assert_type(await aresponse.parse(), VideoJob)
            async for chunk in aresponse.iter_bytes():
                assert_type(chunk, bytes)
"""


def mypy(root: Path, files: dict[str, str], *flags: str) -> tuple[int, list[str]]:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *flags, "src", *files],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done.returncode, [line for line in done.stdout.splitlines() if ": error:" in line]


@pytest.mark.parametrize(
    ("package", "used", "unused", "reported"),
    [
        ("farm", USED, UNUSED, {4: "priority", 5: "legacy_mode", 6: "legacy.jobs.create"}),
        ("videos", VIDEO_USED, VIDEO_UNUSED, {3: "reference_images"}),
    ],
)
def test_type_checkers_report_deprecated_arguments_and_operations(
    request: pytest.FixtureRequest,
    package: str,
    used: str,
    unused: str,
    reported: dict[int, str],
) -> None:
    generated: Generated = request.getfixturevalue(package)
    files = {"used.py": used, "unused.py": unused}
    code, errors = mypy(generated.root, files)
    assert code == 0, "\n".join(errors)  # `mypy --strict` clean, the package and both uses
    code, errors = mypy(generated.root, files, "--enable-error-code", "deprecated")
    mine = [line for line in errors if line.startswith(("used.py", "unused.py"))]
    assert len(mine) == len(errors), errors  # the package makes no deprecated call of its own
    assert all(line.endswith("[deprecated]") for line in mine), mine
    lines = {int(line.split(":")[1]): line for line in mine}
    assert set(lines) == set(reported), mine  # nothing from unused.py
    for number, name in reported.items():
        assert name in lines[number]


def test_deprecations_still_warn_at_run_time(farm: Generated) -> None:
    accepted = json.dumps({"render": {"id": "r-1"}}).encode()
    server = LabServer(lambda seen: Answer(body=accepted))
    with server.running() as url:
        client = farm.module.Client(api_key="k", base_url=url)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            client.renders.create(scene="s")
            assert caught == []
            client.renders.create(scene="s", priority=1)
            client.legacy.jobs.create()
            client.renders.with_raw_response.create(scene="s", legacy_mode=True)
        messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
        assert messages[0] == "priority is deprecated; use quality instead"
        assert "legacy.jobs.create is deprecated" in messages[1]
        assert messages[2] == "legacy_mode is deprecated; use quality instead"
        assert caught[0].filename == __file__ and caught[2].filename == __file__


# -- polling ------------------------------------------------------------------------------------
def test_job_states() -> None:
    assert job_states(["in_progress", "completed", "failed"]) == (
        ("in_progress",),
        ("completed", "failed"),
    )
    assert job_states(["PENDING", "STARTING", "STARTED", "STOPPING", "STOPPED", "ERROR"]) == (
        ("PENDING", "STARTING", "STOPPING"),
        ("STARTED", "STOPPED", "ERROR"),
    )
    assert job_states(["X_UNSPECIFIED", "X_CREATING", "X_RUNNING", "X_STOPPED"]) == (
        ("X_CREATING", "X_RUNNING"),
        ("X_STOPPED",),
    )
    assert job_states(["WaitingForNodes", "RunningTests", "Ready", "Paused"]) == (
        ("WaitingForNodes", "RunningTests"),
        ("Ready", "Paused"),
    )
    assert job_states(["low", "high"]) == ((), ("low", "high"))  # not a job's status


@needs_full()
def test_every_job_like_resource_of_the_full_api_gets_poll() -> None:
    found = pollings(FULL)
    assert {path: (p.status, bool(p.create)) for path, p in found.items()} == FULL_POLLING
    assert found["batches"].id_path == ("job", "id")
    assert found["evaluation"].id_path == ("workflow_id",)
    assert found["compute.clusters"].id_path == ("cluster_id",)
    assert found["endpoints"].terminal == ("STARTED", "STOPPED", "ERROR")


class JobServer:
    """Answers a create with a new job's id where `polling` says, and each retrieve with the
    job's status: pending, pending, then terminal."""

    def __init__(self, polling: Polling) -> None:
        self.polling = polling
        self.retrieved = 0
        self.server = LabServer(self.route)

    def route(self, seen: LabSeen) -> Answer:
        if seen.method == "POST":
            body: Any = "job-7"
            for name in reversed(self.polling.id_path):
                body = {name: body}
            return Answer(body=json.dumps(body).encode())
        self.retrieved += 1
        pending = self.retrieved < 3
        state = self.polling.pending[0] if pending else self.polling.terminal[0]
        return Answer(body=json.dumps({"id": "job-7", self.polling.status: state}).encode())


def required_arguments(method: Any) -> tuple[list[str], dict[str, Any]]:
    """Placeholder values for a method's required arguments (path ones by position)."""
    positional, keywords = [], {}
    for name, parameter in inspect.signature(method).parameters.items():
        if parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            keywords[name] = "x"
        else:
            positional.append(f"{name}-1")
    return positional, keywords


def drive(module: Any, path: str, polling: Polling, *, run_async: bool) -> None:
    """`create_and_poll` (or `poll`) on `path` against a `JobServer`: it ends terminal after two
    pending answers, having retrieved the created id."""
    jobs = JobServer(polling)
    with jobs.server.running() as url:
        options: dict[str, Any] = {
            "api_key": "k",
            "base_url": url,
            "validate_requests": False,
            "response_validation": "off",
        }

        def call(resource: Any) -> Any:
            if polling.create:
                positional, keywords = required_arguments(resource.create)
                return resource.create_and_poll(
                    *positional, **keywords, poll_interval=0.001, poll_timeout=10
                )
            positional, _ = required_arguments(resource.retrieve)
            return resource.poll(*positional, interval=0.001, timeout=10)

        if run_async:

            async def run() -> Any:
                async with module.AsyncClient(**options) as client:
                    return await call(resource_at(client, path))

            job = asyncio.run(run())
        else:
            job = call(resource_at(module.Client(**options), path))
        status = getattr(job, "state" if polling.status == "state" else "status")
        assert getattr(status, "value", status) == polling.terminal[0]
        seen = [(r.method, r.path) for r in jobs.server.requests]
        gets = [p for m, p in seen if m == "GET"]
        assert len(gets) == 3 and len(set(gets)) == 1
        if polling.create:
            assert seen[0][0] == "POST" and gets[0].endswith("/job-7")


@needs_full()
@pytest.mark.parametrize("path", sorted(FULL_POLLING))
def test_each_full_api_job_polls_to_a_terminal_status(full: Generated, path: str) -> None:
    polling = pollings(FULL)[path]
    drive(full.module, path, polling, run_async=False)
    drive(full.module, path, polling, run_async=True)


@needs_full()
def test_videos_of_the_full_api_against_the_mock(full: Generated) -> None:
    with running(MockOptions(spec=FULL, lenient=True)) as url:
        client = full.module.Client(api_key="k", base_url=url, response_validation="off")
        job = client.videos.create_and_poll(model="m", prompt="a cat", poll_interval=0.05)
        assert getattr(job.status, "value", job.status) == "completed"
        raw = client.videos.with_raw_response.poll(job.id, interval=0.01)
        assert raw.status_code == 200 and raw.parsed.id == job.id


def test_polling_on_a_spec_of_its_own(farm: Generated) -> None:
    found = pollings_of_farm(farm)
    assert {path: (p.status, p.create, p.id_path) for path, p in found.items()} == {
        "renders": ("status", "create", ("render", "id")),
        "projects.media.exports": ("state", "create", ("export_id",)),
        "reports": ("status", "", ()),
        "sessions.work.runs": ("status", "create", ("id",)),
    }
    assert found["projects.media.exports"].terminal == ("EXPORT_STATE_DONE", "EXPORT_STATE_FAILED")
    assert found["reports"].pending == ("Waiting", "BuildingCharts")
    client = farm.module.Client(api_key="k")
    assert not hasattr(client.reports, "create_and_poll")
    assert not hasattr(client.legacy.jobs, "poll")
    # A create that can answer with a stream: `create_and_poll` leaves its flag out.
    assert "stream" in inspect.signature(client.sessions.work.runs.create).parameters
    assert "stream" not in inspect.signature(client.sessions.work.runs.create_and_poll).parameters
    assert list(inspect.signature(client.projects.media.exports.poll).parameters)[:2] == [
        "project_id",
        "export_id",
    ]
    for path, polling in found.items():
        drive(farm.module, path, polling, run_async=False)
        drive(farm.module, path, polling, run_async=True)


def pollings_of_farm(farm: Generated) -> dict[str, Polling]:
    return pollings(farm.root.parent / "farm.yaml")


def test_poll_times_out_and_a_create_without_the_id_fails(farm: Generated) -> None:
    answers = {"POST": b'{"render": {}}', "GET": b'{"id": "r-1", "status": "rendering"}'}
    server = LabServer(lambda seen: Answer(body=answers[seen.method]))
    with server.running() as url:
        client = farm.module.Client(api_key="k", base_url=url)
        with pytest.raises(farm.module.PollingTimeoutError, match=r"r-1 still 'rendering'") as out:
            client.renders.poll("r-1", interval=0.02, timeout=0.1)
        assert out.value.last.id == "r-1"
        with pytest.raises(farm.module.APIError, match=r"no 'render\.id'"):
            client.renders.create_and_poll(scene="s", poll_interval=0.01)


def test_builds_against_the_mock(tmp_path: Path) -> None:
    builds = build(BUILDS, "conv_builds", tmp_path / "pkg")
    source = {"kind": "git", "url": "https://git.example/repo.git"}
    with running(MockOptions(spec=BUILDS)) as url:
        client = builds.module.Client(api_key="k", base_url=url)
        done = client.builds.create_and_poll(source=source, poll_interval=0.05)
        assert getattr(done.status, "value", done.status) == "completed"

        async def run() -> Any:
            async with builds.module.AsyncClient(api_key="k", base_url=url) as client:
                return await client.builds.create_and_poll(source=source, poll_interval=0.05)

        done = asyncio.run(run())
        assert getattr(done.status, "value", done.status) == "completed"
