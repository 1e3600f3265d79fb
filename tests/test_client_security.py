"""The generated client: the API key never leaks; retries, Retry-After and timeouts are bounded.

Every scenario runs with DEBUG logging on for `httpx`, `httpcore` and the package, every warning
recorded and stdout/stderr captured; the key is then searched for in all of it, and in the repr,
message and formatted traceback of whatever was raised.
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from specforge.conformance.model import load_model
from tests.scripted_server import Reply, ScriptedServer

together_videos = pytest.importorskip(
    "together_videos", reason="the generated package is not installed"
)
from together_videos import _runtime  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "together-videos.yaml"
KEY = "sk-test-3c1f5e9a-DO-NOT-LEAK"
LOGGERS = ("httpx", "httpcore", "together_videos")
ERROR_STATUSES = (400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503)


@pytest.fixture(scope="module")
def job() -> dict[str, Any]:
    """A valid VideoJob body, built from the spec."""
    body = load_model(SPEC).example("/components/schemas/VideoJob")
    assert isinstance(body, dict)
    return body


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    """One scripted server for the module (each test scripts it, which clears its record)."""
    with ScriptedServer().running() as running:
        yield running


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_runtime, "INITIAL_RETRY_DELAY", 0.01)
    monkeypatch.setattr(_runtime, "MAX_RETRY_DELAY", 0.05)


@dataclass
class Captured:
    """Everything a scenario printed, logged, warned or raised."""

    log: io.StringIO = field(default_factory=io.StringIO)
    warnings: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([self.log.getvalue(), *self.warnings, *self.raised])


@contextmanager
def capture() -> Iterator[Captured]:
    """DEBUG logs of httpx, httpcore and the package, all warnings, and what was raised."""
    captured = Captured()
    handler = logging.StreamHandler(captured.log)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
    handler.setLevel(logging.DEBUG)
    saved = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            yield captured
        captured.warnings += [f"{w.category.__name__}: {w.message}" for w in seen]
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).setLevel(saved[name])


def attempt(captured: Captured, call: Callable[[], Any]) -> Any:
    """Run `call`; record the repr, message and formatted traceback of anything it raises."""
    try:
        result = call()
    except Exception as error:
        captured.raised += [repr(error), str(error), traceback.format_exc()]
        captured.raised += [repr(vars(error)), repr(getattr(error, "args", ()))]
        for name in ("response", "request"):
            value = getattr(error, name, None)
            if value is not None:
                captured.raised += [repr(value), repr(getattr(value, "headers", ""))]
        return error
    captured.raised += [repr(result), str(result)]
    return result


def assert_no_key(captured: Captured, capsys: pytest.CaptureFixture[str]) -> None:
    out, err = capsys.readouterr()
    everything = captured.text() + out + err
    assert captured.log.getvalue(), "DEBUG logging captured nothing: the search would be empty"
    assert KEY not in everything
    assert KEY[:12] not in everything  # not even a prefix


def client(origin: str, **options: Any) -> Any:
    return together_videos.Client(api_key=KEY, base_url=origin, **options)


def keyed(origin: str, **options: Any) -> Any:
    """A client whose POSTs carry an idempotency key, so that they may be retried."""
    return client(origin, idempotency_header="Idempotency-Key", **options)


# -- the key never leaks -----------------------------------------------------------------------
def test_reprs_never_show_the_key(server: ScriptedServer) -> None:
    sync = client(server.base_url)
    async_client = together_videos.AsyncClient(api_key=KEY, base_url=server.base_url)
    for text in (
        repr(sync),
        str(sync),
        repr(sync.videos),
        repr(async_client),
        repr(sync._transport),
    ):
        assert KEY not in text


def test_success_and_drift_warnings_never_show_the_key(
    server: ScriptedServer, job: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    drifted = {**job, "status": "not-a-status", "created_at": "yesterday"}
    with capture() as captured:
        server.script(Reply(200, job))
        created = attempt(captured, lambda: client(server.base_url).videos.create(model="m"))
        assert isinstance(created, together_videos.models.VideoJob)
        server.script(Reply(200, drifted))
        attempt(captured, lambda: client(server.base_url).videos.create(model="m"))
        strict = client(server.base_url, response_validation="strict")
        error = attempt(captured, lambda: strict.videos.create(model="m"))
        assert isinstance(error, together_videos.ResponseValidationError)
        invalid = attempt(
            captured, lambda: client(server.base_url).videos.create(model="m", steps=999)
        )
        assert isinstance(invalid, together_videos.RequestValidationError)
    assert any("ResponseDriftWarning" in w for w in captured.warnings)
    assert server.requests and all(
        r.headers.get("Authorization") == f"Bearer {KEY}" for r in server.requests
    )  # the key was really sent, so its absence from the output means something
    assert_no_key(captured, capsys)


@pytest.mark.parametrize("status", ERROR_STATUSES)
def test_error_statuses_never_show_the_key(
    server: ScriptedServer, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {"error": {"message": f"refused with {status}", "type": "x"}}
    server.script(Reply(status, body, {"x-request-id": "req-1"}))
    with capture() as captured:
        error = attempt(
            captured, lambda: client(server.base_url, max_retries=1).videos.create(model="m")
        )
    assert isinstance(error, together_videos.APIStatusError)
    assert error.status_code == status and f"refused with {status}" in str(error)
    assert_no_key(captured, capsys)


def test_timeout_and_connection_errors_never_show_the_key(
    silent_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = _closed_port()
    with capture() as captured:
        slow = client(f"http://127.0.0.1:{silent_port}", timeout=0.3, max_retries=1)
        assert isinstance(
            attempt(captured, lambda: slow.videos.create(model="m")),
            together_videos.APITimeoutError,
        )
        gone = client(f"http://127.0.0.1:{closed}", max_retries=1)
        assert isinstance(
            attempt(captured, lambda: gone.videos.create(model="m")),
            together_videos.APIConnectionError,
        )
    assert_no_key(captured, capsys)


def test_async_client_never_shows_the_key(
    server: ScriptedServer, job: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    async def scenario(captured: Captured) -> None:
        async with together_videos.AsyncClient(
            api_key=KEY, base_url=server.base_url, max_retries=0
        ) as c:
            server.script(Reply(200, job))
            await c.videos.create(model="m")
            server.script(Reply(401, {"error": {"message": "no"}}))
            try:
                await c.videos.create(model="m")
            except together_videos.AuthenticationError as error:
                captured.raised += [repr(error), str(error), traceback.format_exc()]

    with capture() as captured:
        asyncio.run(scenario(captured))
    assert_no_key(captured, capsys)


# -- retries -----------------------------------------------------------------------------------
@pytest.mark.parametrize("retries", [0, 1, 3])
def test_retries_stop_at_max_retries(server: ScriptedServer, retries: int) -> None:
    server.script(Reply(503, {"error": {"message": "down"}}))
    with pytest.raises(together_videos.InternalServerError):
        keyed(server.base_url, max_retries=retries).videos.create(model="m")
    assert len(server.requests) == retries + 1
    assert len({r.headers["Idempotency-Key"] for r in server.requests}) == 1


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
def test_a_post_without_idempotency_key_is_not_retried(server: ScriptedServer, status: int) -> None:
    server.script(Reply(status, {"error": {"message": "maybe done"}}))
    with pytest.raises(together_videos.APIStatusError):
        client(server.base_url, max_retries=3).videos.create(model="m")
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 413, 415, 422, 431])
def test_other_4xx_are_never_retried(server: ScriptedServer, status: int) -> None:
    server.script(Reply(status, {"error": {"message": "no"}}))
    with pytest.raises(together_videos.APIStatusError):
        client(server.base_url, max_retries=3).videos.create(model="m")
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [408, 409, 429])
def test_408_409_429_are_retried(server: ScriptedServer, job: dict[str, Any], status: int) -> None:
    server.script(Reply(status, {"error": {"message": "again"}}), Reply(200, job))
    keyed(server.base_url, max_retries=2).videos.create(model="m")
    assert len(server.requests) == 2


def test_a_server_cannot_make_the_client_retry_a_400(server: ScriptedServer) -> None:
    server.script(Reply(400, {"error": {"message": "no"}}, {"x-should-retry": "true"}))
    with pytest.raises(together_videos.BadRequestError):
        client(server.base_url, max_retries=3).videos.create(model="m")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "3600"},
        {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"},
        {"retry-after-ms": "86400000"},
        {"Retry-After": "1e9"},
        {"Retry-After": "-5"},
        {"Retry-After": "soon"},
        {"Retry-After": "nan"},
        {"Retry-After": "inf"},
        {"Retry-After": "1e309"},
        {"Retry-After": "9" * 5000},
        {"Retry-After": "Mon, 01 Jan 1900 00:00:00 GMT"},
        {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"retry-after-ms": "nan"},
        {"retry-after-ms": "inf"},
        {"retry-after-ms": "-1"},
        {"retry-after-ms": "1e309"},
        {"retry-after-ms": "9" * 5000},
        {"retry-after-ms": "garbage", "Retry-After": "-1"},
    ],
)
def test_retry_after_beyond_the_cap_is_not_obeyed(
    server: ScriptedServer,
    job: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    headers: dict[str, str],
) -> None:
    monkeypatch.setattr(_runtime, "RETRY_AFTER_CAP", 0.2)
    server.script(
        Reply(429, {"error": {"message": "slow down"}}, headers),
        Reply(429, None, headers),
        Reply(200, job),
    )
    started = time.monotonic()
    keyed(server.base_url, max_retries=2).videos.create(model="m")
    elapsed = time.monotonic() - started
    assert len(server.requests) == 3
    assert elapsed < 2 * 0.2 + 0.8, elapsed
    server.script(Reply(429, None, headers), Reply(429, None, headers), Reply(200, job))

    async def call() -> None:
        async with together_videos.AsyncClient(
            api_key=KEY, base_url=server.base_url, idempotency_header="Idempotency-Key"
        ) as c:
            await c.videos.create(model="m")

    started = time.monotonic()
    asyncio.run(call())
    assert len(server.requests) == 3
    assert time.monotonic() - started < 2 * 0.2 + 0.8


# -- timeouts ----------------------------------------------------------------------------------
@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        for sock in held:
            sock.close()
        listener.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("timeout", [0.3, 1.0])
def test_a_server_that_never_answers_times_out(silent_port: int, timeout: float) -> None:
    silent = client(f"http://127.0.0.1:{silent_port}", timeout=timeout, max_retries=0)
    started = time.monotonic()
    with pytest.raises(together_videos.APITimeoutError):
        silent.videos.create(model="m")
    elapsed = time.monotonic() - started
    # never answered, the call would hang until the test's own timeout: ending within a few
    # seconds of the deadline (and not before it) is the deadline at work, on a loaded machine too
    assert timeout * 0.9 <= elapsed < timeout + 5, elapsed


def test_timeout_with_retries_is_bounded(silent_port: int) -> None:
    """The timeout is the whole call's: retries end with it."""
    silent = keyed(f"http://127.0.0.1:{silent_port}", timeout=0.5, max_retries=8)
    started = time.monotonic()
    with pytest.raises(together_videos.APITimeoutError):
        silent.videos.create(model="m")
    # nine attempts of 0.5 s each, with the waits between them, would take over 4.5 s
    assert time.monotonic() - started < 0.5 + 2.5


def test_async_client_times_out(silent_port: int) -> None:
    async def call() -> None:
        async with together_videos.AsyncClient(
            api_key=KEY, base_url=f"http://127.0.0.1:{silent_port}", timeout=0.3, max_retries=0
        ) as c:
            await c.videos.create(model="m")

    started = time.monotonic()
    with pytest.raises(together_videos.APITimeoutError):
        asyncio.run(call())
    assert time.monotonic() - started < 0.3 + 5  # never answered: without the deadline, no end


def test_a_redirect_to_another_origin_does_not_carry_the_key(
    server: ScriptedServer, job: dict[str, Any]
) -> None:
    """The client follows redirects; the key must stay with the origin it was given for."""
    with ScriptedServer().running() as elsewhere:
        elsewhere.script(Reply(200, job))
        server.script(Reply(307, None, {"Location": f"{elsewhere.base_url}/v2/videos"}))
        client(server.base_url, max_retries=0).videos.create(model="m")
        assert server.requests[0].headers.get("Authorization") == f"Bearer {KEY}"
        assert len(elsewhere.requests) == 1
        assert "Authorization" not in elsewhere.requests[0].headers
