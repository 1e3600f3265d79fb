"""The generated SDK beside the official `together` SDK on the full Together API, feature by feature.

Each test runs one user task with both SDKs over a socket against the project's mock of the full
spec (`../shared/specs/together-openapi.yaml`; skipped, saying why, when it is absent), with a
fault switch of the mock where the row needs one, and asserts what each SDK does. Where the
official SDK lacks a feature, its half asserts the absence. The README's "Beside the official
SDK" table is backed by these tests, each row by the tests it names.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, get_overloads

import httpx
import pytest

from specforge.conformance.faults import parse_faults
from specforge.conformance.mock.server import MockOptions, running
from tests.sdk_lab import FULL, Answer, Generated, LabServer, Seen, build, needs_full

together = pytest.importorskip(
    "together", reason="the official SDK is a test-only dependency ([dev] extra)"
)

pytestmark = needs_full()

KEY = "sk-test"
MESSAGES: Any = [{"role": "user", "content": "hi"}]
WHISPER = "openai/whisper-large-v3"


# -- fixtures: one generated package, one mock per fault switch ----------------------------------
@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    if not FULL.is_file():
        pytest.skip(f"{FULL} is absent (../shared is not beside the project)")
    root = tmp_path_factory.mktemp("side") / "together_side"
    return build(FULL, "together_side", root, lenient=True)


@pytest.fixture(scope="module")
def typecheck(generated: Generated) -> Iterator[subprocess.Popen[str]]:
    """`mypy --strict` over the package and USAGE, started at once: it runs while the tests
    over sockets wait on them (read by `checked`)."""
    (generated.root / "usage.py").write_text(USAGE, encoding="utf-8")
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "src", "usage.py"]
    process = subprocess.Popen(
        command, cwd=generated.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    yield process
    if process.poll() is None:
        process.kill()
        process.communicate()


@pytest.fixture(scope="module")
def sdk(generated: Generated, typecheck: subprocess.Popen[str]) -> ModuleType:
    return generated.module


@contextmanager
def mock(*faults: str, **options: Any) -> Iterator[str]:
    if not FULL.is_file():
        pytest.skip(f"{FULL} is absent (../shared is not beside the project)")
    settings = MockOptions(spec=FULL, lenient=True, faults=parse_faults(list(faults)), **options)
    with running(settings) as url:
        yield url


@pytest.fixture(scope="module")
def plain_mock() -> Iterator[str]:
    """The mock as the spec says, accepting one API key."""
    with mock(api_key=KEY) as url:
        yield url


@pytest.fixture(scope="module")
def slow_mock() -> Iterator[str]:
    """Every answer 300 ms late."""
    with mock("latency=300") as url:
        yield url


@pytest.fixture(scope="module")
def drifting_mock() -> Iterator[str]:
    """A response property of the wrong JSON type (`created_at` of a video job, a string)."""
    with mock("wrong-type") as url:
        yield url


@pytest.fixture(scope="module")
def unlisted_enum_mock() -> Iterator[str]:
    """A response enum (a video job's `status`) carrying a value the spec does not list."""
    with mock("unlisted-enum-value") as url:
        yield url


@contextmanager
def ours(sdk: ModuleType, origin: str, **options: Any) -> Iterator[Any]:
    options.setdefault("max_retries", 0)
    options.setdefault("api_key", KEY)
    with sdk.Client(base_url=origin, **options) as client:
        yield client


@contextmanager
def official(origin: str, **options: Any) -> Iterator[Any]:
    options.setdefault("max_retries", 0)
    options.setdefault("api_key", KEY)
    with together.Together(base_url=origin, **options) as client:
        yield client


def drift_warnings(record: list[warnings.WarningMessage], sdk: ModuleType) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, sdk.ResponseDriftWarning)]


# -- streaming -----------------------------------------------------------------------------------
def test_streaming(sdk: ModuleType, plain_mock: str) -> None:
    with ours(sdk, plain_mock) as mine, official(plain_mock) as theirs:
        stream = mine.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        assert isinstance(stream, sdk.Stream)
        chunks = list(stream)
        assert [type(c).__name__ for c in chunks] == ["ChatCompletionChunk"] * 3
        assert stream.response.is_closed
        other = theirs.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        assert isinstance(other, together.Stream)
        other_chunks = list(other)
        assert [type(c).__name__ for c in other_chunks] == ["ChatCompletionChunk"] * 3
        assert other.response.is_closed
        assert [c.choices[0].delta.content for c in chunks] == [
            c.choices[0].delta.content for c in other_chunks
        ]

        # leaving a loop early: ours closes the connection, the official one needs `with`/close()
        early = mine.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        for _ in early:
            break
        assert early.response.is_closed
        left = theirs.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        for _ in left:
            break
        assert not left.response.is_closed
        left.close()
        with theirs.chat.completions.create(model="m", messages=MESSAGES, stream=True) as block:
            next(iter(block))
        assert block.response.is_closed

    async def both_async() -> tuple[list[str], bool, list[str], bool]:
        async with (
            sdk.AsyncClient(api_key=KEY, base_url=plain_mock, max_retries=0) as amine,
            together.AsyncTogether(api_key=KEY, base_url=plain_mock, max_retries=0) as atheirs,
        ):
            astream = await amine.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            assert isinstance(astream, sdk.AsyncStream)
            mine_kinds = [type(c).__name__ async for c in astream]
            aother = await atheirs.chat.completions.create(
                model="m", messages=MESSAGES, stream=True
            )
            assert isinstance(aother, together.AsyncStream)
            their_kinds = [type(c).__name__ async for c in aother]
            return mine_kinds, astream.response.is_closed, their_kinds, aother.response.is_closed

    assert asyncio.run(both_async()) == (
        ["ChatCompletionChunk"] * 3,
        True,
        ["ChatCompletionChunk"] * 3,
        True,
    )


# -- pagination ----------------------------------------------------------------------------------
def training_session(origin: str) -> dict[str, Any]:
    """A training session the spec accepts: the first one the mock lists."""
    listed = httpx.get(
        f"{origin}/v1/rl/training-sessions", headers={"Authorization": f"Bearer {KEY}"}
    )
    session = listed.json()["data"][0]
    assert isinstance(session, dict)
    return session


def paging_route(session: dict[str, Any]) -> Callable[[Seen], Answer]:
    """Five sessions in pages of two, by the `after` cursor and `meta.next_cursor`."""

    def route(seen: Seen) -> Answer:
        after = seen.query.get("after", [""])[0]
        start = int(after) if after else 0
        sessions = [{**session, "id": str(i)} for i in range(start, min(start + 2, 5))]
        more = start + 2 < 5
        meta = {"limit": 2, "has_more": more, "next_cursor": str(start + 2) if more else ""}
        return Answer(body=json.dumps({"data": sessions, "meta": meta}).encode())

    return route


def test_pagination(sdk: ModuleType, plain_mock: str) -> None:
    from together._base_client import BasePage

    server = LabServer(paging_route(training_session(plain_mock)))
    with server.running() as url, ours(sdk, url) as mine, official(url) as theirs:
        pager = mine.rl.training_sessions.list_all(limit=2)
        assert isinstance(pager, sdk.SyncPager)
        assert [s.id for s in pager] == ["0", "1", "2", "3", "4"]
        assert [r.query.get("after") for r in server.requests] == [None, ["2"], ["4"]]

        async def every_async() -> list[str]:
            async with sdk.AsyncClient(api_key=KEY, base_url=url) as amine:
                return [s.id async for s in amine.rl.training_sessions.list_all(limit=2)]

        assert asyncio.run(every_async()) == ["0", "1", "2", "3", "4"]

        # the official SDK has no pager for this list: one page, the cursor left to the caller
        sessions = theirs.post_training.sessions
        assert not hasattr(sessions, "list_all")
        first = sessions.list(limit=2)
        assert not isinstance(first, BasePage) and not hasattr(first, "iter_pages")
        assert [s.id for s in first.data] == ["0", "1"] and first.meta.has_more
        ids = [s.id for s in first.data]
        page = first
        while page.meta.has_more:
            page = sessions.list(limit=2, after=page.meta.next_cursor)
            ids += [s.id for s in page.data]
        assert ids == ["0", "1", "2", "3", "4"]

    # the mock answers with one last page (no next cursor, nothing more): ours yields its items
    # and stops; the official one's page says the same, for the caller's loop to read
    with ours(sdk, plain_mock) as mine, official(plain_mock) as theirs:
        items = list(mine.rl.training_sessions.list_all(limit=2))
        assert items and all(isinstance(item.id, str) for item in items)
        page = theirs.post_training.sessions.list(limit=2)
        assert not page.meta.has_more and not page.meta.next_cursor


# -- uploads -------------------------------------------------------------------------------------
def test_uploads(sdk: ModuleType, plain_mock: str, tmp_path: Path) -> None:
    audio = tmp_path / "hello.wav"
    audio.write_bytes(b"RIFF....WAVEfmt ")
    data = tmp_path / "train.jsonl"
    data.write_bytes(b'{"text": "hi"}\n')
    files: list[Any] = [audio, audio.read_bytes(), ("hello.wav", audio.read_bytes(), "audio/wav")]
    with ours(sdk, plain_mock) as mine, official(plain_mock) as theirs:
        # multipart transcription: a path, bytes and a (name, content, type) tuple in both
        for file in files:
            mine_text = mine.audio.transcriptions.create(file=file, model=WHISPER).text
            their_text = theirs.audio.transcriptions.create(file=file, model=WHISPER).text
            assert mine_text == their_text and mine_text

        # files.upload: ours takes every file type and posts the spec's multipart form
        for content in (data, data.read_bytes(), ("train.jsonl", data.read_bytes())):
            done = mine.files.upload(file=content, file_name="train.jsonl", purpose="fine-tune")
            assert type(done).__name__ == "FileResponse" and done.id

        # the official one takes a path only and uploads to /v1/files, which the spec lacks
        annotation = inspect.signature(theirs.files.upload).parameters["file"].annotation
        assert annotation in ("Path | str", Path | str)
        with pytest.raises(AttributeError):
            theirs.files.upload(data.read_bytes(), purpose="fine-tune", check=False)
        with pytest.raises(together.APIStatusError) as refused:
            theirs.files.upload(data, purpose="fine-tune", check=False)
        assert refused.value.status_code == 405


# -- raw responses -------------------------------------------------------------------------------
def test_raw_responses(sdk: ModuleType, plain_mock: str) -> None:
    with ours(sdk, plain_mock) as mine, official(plain_mock) as theirs:
        raw = mine.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
        assert isinstance(raw, sdk.RawResponse)
        assert raw.status_code == 200 and raw.headers["content-type"] == "application/json"
        assert type(raw.parsed).__name__ == "ChatCompletionResponse" and raw.retries_taken == 0
        assert raw.parse() is raw.parsed
        other = theirs.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
        assert other.status_code == 200 and other.headers["content-type"] == "application/json"
        assert type(other.parse()).__name__ == "ChatCompletion" and other.retries_taken == 0
        assert not hasattr(other, "parsed")
        assert raw.parsed.id == other.parse().id

        streamed = mine.chat.completions.with_raw_response.create(
            model="m", messages=MESSAGES, stream=True
        )
        assert streamed.headers["content-type"] == "text/event-stream"
        assert [type(c).__name__ for c in streamed.parsed] == ["ChatCompletionChunk"] * 3
        other_streamed = theirs.chat.completions.with_raw_response.create(
            model="m", messages=MESSAGES, stream=True
        )
        assert other_streamed.headers["content-type"] == "text/event-stream"
        assert [type(c).__name__ for c in other_streamed.parse()] == ["ChatCompletionChunk"] * 3


# -- streaming responses -------------------------------------------------------------------------
def test_streaming_responses(sdk: ModuleType, plain_mock: str) -> None:
    with ours(sdk, plain_mock) as mine, official(plain_mock) as theirs:
        for client in (mine, theirs):
            streaming = client.chat.completions.with_streaming_response
            with streaming.create(model="m", messages=MESSAGES, stream=True) as response:
                assert response.status_code == 200
                assert response.headers["content-type"] == "text/event-stream"
                lines = list(response.iter_lines())
            assert response.http_response.is_closed
            assert "data: [DONE]" in lines
            assert sum(line.startswith("data: {") for line in lines) == 3
            with streaming.create(model="m", messages=MESSAGES, stream=True) as response:
                chunks = list(response.parse())
            assert [type(c).__name__ for c in chunks] == ["ChatCompletionChunk"] * 3
            with streaming.create(model="m", messages=MESSAGES) as response:
                body = response.read()
                parsed = response.parse()
            assert json.loads(body)["id"] == parsed.id
            assert type(parsed).__name__ in ("ChatCompletionResponse", "ChatCompletion")
            with streaming.create(model="m", messages=MESSAGES) as response:
                pieces = b"".join(response.iter_bytes())
            assert json.loads(pieces)["object"] == "chat.completion"
            assert response.http_response.is_closed

    async def lines_async() -> list[list[str]]:
        found: list[list[str]] = []
        async with (
            sdk.AsyncClient(api_key=KEY, base_url=plain_mock, max_retries=0) as amine,
            together.AsyncTogether(api_key=KEY, base_url=plain_mock, max_retries=0) as atheirs,
        ):
            for client in (amine, atheirs):
                streaming = client.chat.completions.with_streaming_response
                async with streaming.create(model="m", messages=MESSAGES, stream=True) as response:
                    found.append([line async for line in response.iter_lines()])
        return found

    for lines in asyncio.run(lines_async()):
        assert "data: [DONE]" in lines and sum(line.startswith("data: {") for line in lines) == 3


# -- retries -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def flaky_mock() -> Iterator[str]:
    """Every second request is refused with `Retry-After: 0`, by turns 503 and 429 (requests
    2, 6, 10, ... answer 503, requests 4, 8, 12, ... 429)."""
    with mock("unavailable=2", "rate-limit=4", retry_after=0) as url:
        yield url


@pytest.mark.parametrize("status", [503, 429])
def test_retries(sdk: ModuleType, flaky_mock: str, status: int) -> None:
    url = flaky_mock

    def probe() -> int:
        return httpx.get(f"{url}/v1/files", headers={"Authorization": f"Bearer {KEY}"}).status_code

    def refuse_next() -> None:
        """Probe until the mock's next request is one it refuses with `status`."""
        other = 429 if status == 503 else 503
        for _ in range(8):
            if probe() == other:
                assert probe() == 200
                return
        raise AssertionError(f"the mock never answered {other}")

    def refused_next() -> bool:
        """Whether the mock refuses the next request (so the one before it succeeded)."""
        return probe() in (503, 429)

    with (
        ours(sdk, url, max_retries=2) as mine,
        official(url, max_retries=2) as theirs,
        ours(sdk, url, max_retries=0) as mine_once,
        official(url, max_retries=0) as theirs_once,
    ):
        refuse_next()
        raw = mine.files.with_raw_response.list()
        assert raw.status_code == 200 and raw.retries_taken == 1
        assert refused_next()  # the server saw the refused attempt and the retry
        refuse_next()
        other = theirs.files.with_raw_response.list()
        assert other.status_code == 200 and other.retries_taken == 1
        assert refused_next()

        refuse_next()
        with pytest.raises(sdk.APIStatusError) as mine_error:
            mine_once.files.list()
        refuse_next()
        with pytest.raises(together.APIStatusError) as their_error:
            theirs_once.files.list()
        assert mine_error.value.status_code == their_error.value.status_code == status

        # a POST: ours retries it only with an idempotency key, the official one always
        refuse_next()
        with pytest.raises(sdk.APIStatusError):
            mine.chat.completions.create(model="m", messages=MESSAGES)
        with ours(sdk, url, max_retries=2, idempotency_header="Idempotency-Key") as keyed:
            refuse_next()
            keyed_raw = keyed.chat.completions.with_raw_response.create(
                model="m", messages=MESSAGES
            )
            assert keyed_raw.retries_taken == 1
        refuse_next()
        started = time.monotonic()
        posted = theirs.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
        assert posted.retries_taken == 1
        assert time.monotonic() - started >= 0.3  # its own backoff, not Retry-After: 0


# -- timeouts ------------------------------------------------------------------------------------
def test_timeouts(sdk: ModuleType, slow_mock: str) -> None:
    with ours(sdk, slow_mock, timeout=0.1) as mine, official(slow_mock, timeout=0.1) as theirs:
        with pytest.raises(sdk.APITimeoutError):
            mine.files.list()
        with pytest.raises(together.APITimeoutError):
            theirs.files.list()
    with ours(sdk, slow_mock, timeout=5) as mine, official(slow_mock, timeout=5) as theirs:
        with pytest.raises(sdk.APITimeoutError):
            mine.files.list(timeout=0.1)
        with pytest.raises(together.APITimeoutError):
            theirs.files.list(timeout=0.1)
        assert type(mine.files.list()).__name__ == type(theirs.files.list()).__name__ == "FileList"


# -- connection errors ---------------------------------------------------------------------------
def test_connection_errors(sdk: ModuleType) -> None:
    from specforge.conformance.mock.server import free_port

    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with ours(sdk, nowhere) as mine, official(nowhere) as theirs:
        with pytest.raises(sdk.APIConnectionError) as mine_error:
            mine.files.list()
        with pytest.raises(together.APIConnectionError) as their_error:
            theirs.files.list()
    assert isinstance(mine_error.value.__cause__, httpx.ConnectError)
    assert isinstance(their_error.value.__cause__, httpx.ConnectError)
    assert str(mine_error.value).startswith("files.list: connection error: ConnectError: ")
    assert str(their_error.value) == "Connection error."


# -- with_options --------------------------------------------------------------------------------
def test_with_options(sdk: ModuleType, slow_mock: str) -> None:
    with ours(sdk, slow_mock, timeout=5) as mine, official(slow_mock, timeout=5) as theirs:
        for client, timeout_error in (
            (mine, sdk.APITimeoutError),
            (theirs, together.APITimeoutError),
        ):
            hurried = client.with_options(timeout=0.1, max_retries=0)
            assert hurried is not client and type(hurried) is type(client)
            with pytest.raises(timeout_error):
                hurried.files.list()
            assert type(client.files.list()).__name__ == "FileList"  # the original is unchanged


# -- typed errors --------------------------------------------------------------------------------
ERROR_CASES: dict[int, tuple[str, Callable[[Any], object]]] = {
    404: ("NotFoundError", lambda client: client.videos.retrieve("never-created")),
    401: (  # made with a key the mock does not accept
        "AuthenticationError",
        lambda client: client.chat.completions.create(model="m", messages=MESSAGES),
    ),
    400: ("BadRequestError", lambda client: client.videos.create(model="m", steps=5)),
}


@pytest.mark.parametrize("status", sorted(ERROR_CASES))
def test_typed_errors(sdk: ModuleType, plain_mock: str, status: int) -> None:
    name, call = ERROR_CASES[status]
    key = "wrong-key" if status == 401 else KEY
    with (
        ours(sdk, plain_mock, api_key=key, validate_requests=False) as mine,
        official(plain_mock, api_key=key) as theirs,
    ):
        with pytest.raises(getattr(sdk, name)) as mine_error:
            call(mine)
        with pytest.raises(getattr(together, name)) as their_error:
            call(theirs)
    assert isinstance(mine_error.value, sdk.APIStatusError)
    assert isinstance(their_error.value, together.APIStatusError)
    assert mine_error.value.status_code == their_error.value.status_code == status
    assert mine_error.value.body == their_error.value.body
    if status == 400:  # ours checks the request against the spec before sending it
        with (
            ours(sdk, plain_mock) as mine,
            pytest.raises(sdk.RequestValidationError, match="steps"),
        ):
            call(mine)


# -- deprecation ---------------------------------------------------------------------------------
FRAMES = [{"input_image": "https://example.com/frame.png"}]


def test_deprecation(sdk: ModuleType, plain_mock: str) -> None:
    with ours(sdk, plain_mock) as mine, official(plain_mock) as theirs:
        with pytest.warns(DeprecationWarning, match="frame_images.*media.frame_images"):
            job = mine.videos.create(model="m", prompt="p", frame_images=FRAMES)
        assert job.id

        assert "frame_images" not in inspect.signature(theirs.videos.create).parameters
        with pytest.raises(TypeError, match="frame_images"):
            theirs.videos.create(model="m", prompt="p", frame_images=FRAMES)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            other = theirs.videos.create(model="m", prompt="p", extra_body={"frame_images": FRAMES})
        assert other.id
        assert not [w for w in record if issubclass(w.category, DeprecationWarning)]


def test_deprecation_for_type_checkers(sdk: ModuleType, checked: Checked) -> None:
    # ours: the overload taking frame_images is `@deprecated`, so mypy (and IDEs) flag the call
    assert not checked.unmarked_errors(), checked.output
    (flagged,) = checked.marked("deprecated")
    assert checked.errors.get(flagged) == ["deprecated"], checked.output
    assert "media.frame_images" in checked.output
    videos = importlib.import_module(f"{sdk.__name__}.resources.videos").Videos
    marks = [getattr(o, "__deprecated__", None) for o in get_overloads(videos.create)]
    assert any(marks) and not all(marks)
    # the official SDK: no overloads and nothing marked deprecated
    create = together.resources.videos.VideosResource.create
    assert not get_overloads(create) and not hasattr(create, "__deprecated__")


# -- drift modes ---------------------------------------------------------------------------------
def test_drift_modes(sdk: ModuleType, drifting_mock: str) -> None:
    with (
        ours(sdk, drifting_mock, response_validation="strict") as strict,
        pytest.raises(sdk.ResponseValidationError, match="created_at"),
    ):
        strict.videos.create(model="m", prompt="p")
    with ours(sdk, drifting_mock, response_validation="warn") as warn:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            job = warn.videos.create(model="m", prompt="p")
            while job.status != "completed":
                job = warn.videos.retrieve(job.id)
        drifts = drift_warnings(record, sdk)
        assert drifts and all("created_at" in message for message in drifts)
        assert type(job).__name__ == "VideoJob" and job.created_at == "not-a-number"
        assert job.status is sdk.models.VideoStatus.COMPLETED
        assert type(job.outputs).__name__ == "VideoJobOutputs" and job.outputs.video_url
    with ours(sdk, drifting_mock, response_validation="off") as off:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            quiet = off.videos.create(model="m", prompt="p")
        assert not drift_warnings(record, sdk)
        assert (
            quiet.created_at == "not-a-number"
            and quiet.status is sdk.models.VideoStatus.IN_PROGRESS
        )

    with official(drifting_mock) as theirs:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            other = theirs.videos.create(model="m", prompt="p")
        assert not [w for w in record if not issubclass(w.category, ResourceWarning)]
        assert other.created_at == "not-a-number"  # typed float, silently a string
        assert type(other).model_fields["created_at"].annotation is float


# -- open enums ----------------------------------------------------------------------------------
def test_open_enums(sdk: ModuleType, plain_mock: str, unlisted_enum_mock: str) -> None:
    status_enum = sdk.models.VideoStatus
    with (
        ours(sdk, plain_mock) as mine,
        official(plain_mock) as theirs,
        ours(sdk, unlisted_enum_mock, response_validation="strict") as mine_unlisted,
        official(unlisted_enum_mock) as theirs_unlisted,
    ):
        listed = mine.videos.create(model="m", prompt="p").status
        assert listed is status_enum.IN_PROGRESS and listed == "in_progress"
        other_listed = theirs.videos.create(model="m", prompt="p").status
        assert other_listed == "in_progress" and type(other_listed) is str

        unlisted = mine_unlisted.videos.create(model="m", prompt="p").status
        assert isinstance(unlisted, status_enum) and unlisted == "unlisted_value"
        other = theirs_unlisted.videos.create(model="m", prompt="p")
        assert other.status == "unlisted_value"
        assert str(type(other).model_fields["status"].annotation).startswith("typing.Literal")


# -- polling -------------------------------------------------------------------------------------
def official_pollers() -> list[str]:
    """Methods of the official SDK's resource classes whose name says they poll or wait."""
    import pkgutil

    import together.resources

    found = []
    for info in pkgutil.walk_packages(together.resources.__path__, "together.resources."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == info.name:
                found += [f"{name}.{attr}" for attr in vars(value) if re.search("poll|wait", attr)]
    return found


def test_polling(sdk: ModuleType, plain_mock: str) -> None:
    with ours(sdk, plain_mock) as mine, official(plain_mock) as theirs:
        job = mine.videos.create_and_poll(model="m", prompt="p", poll_interval=0.01)
        assert job.status is sdk.models.VideoStatus.COMPLETED and job.outputs.video_url
        started = mine.videos.create(model="m", prompt="p")
        assert mine.videos.poll(started.id, interval=0.01).status == "completed"

        assert not official_pollers()
        other = theirs.videos.create(model="m", prompt="p")
        retrieves = 0
        while other.status not in ("completed", "failed") and retrieves < 50:
            other = theirs.videos.retrieve(other.id)
            retrieves += 1
        assert other.status == "completed" and other.outputs.video_url

    async def poll_async() -> str:
        async with sdk.AsyncClient(api_key=KEY, base_url=plain_mock) as amine:
            done = await amine.videos.create_and_poll(model="m", prompt="p", poll_interval=0.01)
            return str(done.status.value)

    assert asyncio.run(poll_async()) == "completed"


# -- request logging ---------------------------------------------------------------------------
LOGGING_CHILD = """
import importlib
import sys

origin, package = sys.argv[1], sys.argv[2]
if package == "together":
    import together

    client = together.Together(api_key="%(key)s", base_url=origin, max_retries=0)
else:
    sys.path.insert(0, sys.argv[3])
    client = importlib.import_module(package).Client(api_key="%(key)s", base_url=origin)
with client:
    client.files.list()
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "%(prompt)s"}])
"""
PROMPT = "a prompt of the user's own"


def test_request_logging(sdk: ModuleType, generated: Generated, plain_mock: str) -> None:
    """`<PREFIX>_LOG=debug` (ours: `TOGETHER_SIDE_LOG` here, `TOGETHER_LOG` for a package
    named after `TOGETHER_API_KEY`) and `TOGETHER_LOG=debug`, each SDK in a process of its own
    (both read the variable on import)."""
    code = LOGGING_CHILD % {"key": KEY, "prompt": PROMPT}
    runs = {
        "ours": (sdk.__name__, sdk._config.LOG_ENV, [str(generated.src)]),
        "official": ("together", "TOGETHER_LOG", []),
    }
    children = {
        name: subprocess.Popen(
            [sys.executable, "-c", code, plain_mock, package, *extra],
            env={**os.environ, variable: "debug"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (package, variable, extra) in runs.items()
    }
    logs = {}
    for name, child in children.items():
        _, logs[name] = child.communicate(timeout=120)
        assert child.returncode == 0, logs[name]
    assert sdk._config.LOG_ENV == "TOGETHER_SIDE_LOG"

    ours_log, their_log = logs["ours"], logs["official"]
    assert f"files.list: sending GET {plain_mock}/v1/files" in ours_log
    assert f"files.list: GET {plain_mock}/v1/files -> 200 OK (" in ours_log
    assert f"chat.completions.create: POST {plain_mock}/v1/chat/completions -> 200 OK (" in ours_log
    assert PROMPT not in ours_log and "content-type" not in ours_log.lower()

    assert f"Sending HTTP Request: GET {plain_mock}/v1/files" in their_log
    assert f'HTTP Request: POST {plain_mock}/v1/chat/completions "HTTP/1.1 200 OK"' in their_log
    assert PROMPT in their_log  # its debug level logs request bodies, and response headers
    assert "'content-type': 'application/json'" in their_log
    assert KEY not in ours_log and KEY not in their_log


# -- type checking (typed request params, deprecation) ------------------------------------------
USAGE = """
# mypy: enable-error-code="deprecated"
from __future__ import annotations

from together import Together
from together.types.chat.chat_completion import ChatCompletion
from together.types.video_job import VideoJob as OfficialVideoJob
from together_side import Client
from together_side.models import ChatCompletionResponse, VideoJob

FRAME = {"input_image": "https://example.com/frame.png"}


def ours(client: Client) -> ChatCompletionResponse:
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


def ours_refused(client: Client) -> ChatCompletionResponse:
    messages = [{"role": "user", "content": 1}]
    return client.chat.completions.create(model="m", messages=messages)  # refused


def official(client: Together) -> ChatCompletion:
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


def official_refused(client: Together) -> ChatCompletion:
    messages = [{"role": "user", "content": 1}]
    return client.chat.completions.create(model="m", messages=messages)  # refused


def ours_frames(client: Client) -> VideoJob:
    return client.videos.create(model="m", frame_images=[{"input_image": "x"}])  # deprecated


def ours_media(client: Client) -> VideoJob:
    return client.videos.create(model="m", media={"frame_images": [{"input_image": "x"}]})


def official_frames(client: Together) -> OfficialVideoJob:
    return client.videos.create(model="m", extra_body={"frame_images": [FRAME]})
"""


@dataclass
class Checked:
    """`mypy --strict` over the generated package and USAGE: each flagged line's error codes."""

    output: str
    errors: dict[int, list[str]]

    def marked(self, mark: str) -> set[int]:
        lines = USAGE.splitlines()
        return {number for number, line in enumerate(lines, 1) if line.endswith(f"# {mark}")}

    def unmarked_errors(self) -> set[int]:
        return set(self.errors) - self.marked("refused") - self.marked("deprecated")


@pytest.fixture(scope="module")
def checked(typecheck: subprocess.Popen[str]) -> Checked:
    output, _ = typecheck.communicate(timeout=600)
    errors: dict[int, list[str]] = {}
    for line in output.splitlines():
        found = re.match(r"usage\.py:(\d+): error: .*\[([a-z-]+)\]$", line)
        if found:
            errors.setdefault(int(found[1]), []).append(found[2])
    return Checked(output, errors)


def test_typed_request_params(sdk: ModuleType, checked: Checked, plain_mock: str) -> None:
    assert not checked.unmarked_errors(), checked.output
    refused = checked.marked("refused")
    assert len(refused) == 2 and refused <= set(checked.errors), checked.output
    assert all("deprecated" not in checked.errors[line] for line in refused)

    with ours(sdk, plain_mock) as mine, official(plain_mock) as theirs:
        messages: Any = [{"role": "user", "content": "hi"}]
        mine_reply = mine.chat.completions.create(model="m", messages=messages)
        their_reply = theirs.chat.completions.create(model="m", messages=messages)
    assert mine_reply.choices[0].message.content == their_reply.choices[0].message.content
