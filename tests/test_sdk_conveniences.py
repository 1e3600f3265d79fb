"""The official SDK's conveniences in the generated client: `with_options()` / `copy()`,
`RawResponse.parse()`, connection errors that keep their cause, the `<PREFIX>_LOG` switch,
clients that close their own pool when garbage-collected, and typed drift for lists and maps.

Each is driven over a real socket on 127.0.0.1, sync and async, with packages generated for a
small spec (bearer auth, and an API key in the query string).
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import yaml

from tests.scripted_server import Reply, ScriptedServer
from tests.sdk_lab import mypy_strict
from tests.sdk_support import Package, build_package, imported

KEY = "sk-conv-7f3e-NEVER-LOGGED"
OTHER_KEY = "sk-conv-other-7f3e"
THING = {"id": "t1", "created_at": "2024-01-01T00:00:00Z"}
SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "query": {"type": "apiKey", "in": "query", "name": "api_key"},
}


def _spec(scheme: dict[str, str]) -> dict[str, Any]:
    thing = {"$ref": "#/components/schemas/Thing"}

    def ok(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "Conveniences", "version": "1.0"},
        "servers": [{"url": "http://127.0.0.1:9"}],
        "security": [{"auth": []}],
        "components": {
            "securitySchemes": {"auth": scheme},
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "string"},
                        "created_at": {"type": "string", "format": "date-time"},
                    },
                }
            },
        },
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "responses": ok({"type": "array", "items": thing}),
                },
                "post": {
                    "operationId": "createThing",
                    "requestBody": {"content": {"application/json": {"schema": thing}}},
                    "responses": ok(thing),
                },
            },
            "/things/{thing_id}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [
                        {
                            "name": "thing_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": ok(thing),
                }
            },
            "/index": {
                "get": {
                    "operationId": "indexThings",
                    "responses": ok({"type": "object", "additionalProperties": thing}),
                }
            },
        },
    }


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Package]]:
    root = tmp_path_factory.mktemp("conveniences")
    made: dict[str, Package] = {}
    for kind, scheme in SCHEMES.items():
        spec = root / f"{kind}.yaml"
        spec.write_text(yaml.safe_dump(_spec(scheme)), encoding="utf-8")
        made[kind] = build_package(spec, f"conv_{kind}", root)
    with imported(made["bearer"]), imported(made["query"]):
        for package in made.values():
            package.module("_runtime").INITIAL_RETRY_DELAY = 0.01  # this test run's packages
        yield made


@pytest.fixture
def sdk(packages: dict[str, Package]) -> Any:
    return packages["bearer"].module()


def _client(sdk: Any, origin: str, **options: Any) -> Any:
    return sdk.Client(api_key=KEY, base_url=origin, **options)


def _async_client(sdk: Any, origin: str, **options: Any) -> Any:
    return sdk.AsyncClient(api_key=KEY, base_url=origin, **options)


# -- 1. with_options() and copy() -------------------------------------------------------------
def test_with_options_overrides_retries_timeout_and_headers(
    sdk: Any, server: ScriptedServer
) -> None:
    client = _client(sdk, server.base_url, max_retries=2, timeout=5)
    copy = client.with_options(max_retries=0, default_headers={"X-Trace": "copy"})
    assert copy._transport._http is client._transport._http  # one connection pool
    assert (client._transport.max_retries, copy._transport.max_retries) == (2, 0)

    server.script(Reply(500, {"error": "down"}, {"Retry-After": "0"}))
    with pytest.raises(sdk.InternalServerError):
        copy.things.retrieve("t1")
    assert len(server.requests) == 1 and server.requests[0].headers["X-Trace"] == "copy"
    server.script(Reply(500, {"error": "down"}, {"Retry-After": "0"}))
    with pytest.raises(sdk.InternalServerError):
        client.things.retrieve("t1")
    assert len(server.requests) == 3  # the original keeps its own two retries
    assert all("X-Trace" not in seen.headers for seen in server.requests)

    server.script(Reply(body=THING, delay=0.6))
    with pytest.raises(sdk.APITimeoutError):
        client.copy(timeout=0.2, max_retries=0).things.retrieve("t1")
    assert client.things.retrieve("t1").id == "t1"  # its own timeout (5 s)
    assert server.requests[-1].headers["Authorization"] == f"Bearer {KEY}"


def test_with_options_replaces_the_key_headers_and_pool(sdk: Any, server: ScriptedServer) -> None:
    client = _client(sdk, server.base_url, default_headers={"X-A": "1", "X-B": "2"})
    server.script(Reply(body=THING))
    added = client.with_options(api_key=OTHER_KEY, default_headers={"X-B": "3"})
    added.things.retrieve("t1")
    replaced = client.copy(set_default_headers={"X-C": "4"})
    replaced.things.retrieve("t1")
    client.things.retrieve("t1")
    first, second, third = server.requests
    assert first.headers["Authorization"] == f"Bearer {OTHER_KEY}"
    assert (first.headers["X-A"], first.headers["X-B"]) == ("1", "3")
    assert "X-A" not in second.headers and second.headers["X-C"] == "4"
    assert second.headers["Authorization"] == f"Bearer {KEY}"
    assert (third.headers["Authorization"], third.headers["X-B"]) == (f"Bearer {KEY}", "2")
    with httpx.Client() as mine:
        own = client.with_options(http_client=mine, response_validation="strict")
        assert own._transport._http is mine and own._transport.response_validation == "strict"
    assert client._transport.response_validation == "warn"
    assert isinstance(client.with_options(), sdk.Client)


def test_async_with_options(sdk: Any, server: ScriptedServer) -> None:
    async def main() -> None:
        async with _async_client(sdk, server.base_url, max_retries=2) as client:
            copy = client.with_options(max_retries=0, default_headers={"X-Trace": "copy"})
            assert isinstance(copy, sdk.AsyncClient)
            assert copy._transport._http is client._transport._http
            server.script(Reply(503, {"error": "down"}, {"Retry-After": "0"}))
            with pytest.raises(sdk.InternalServerError):
                await copy.things.retrieve("t1")
            assert len(server.requests) == 1 and server.requests[0].headers["X-Trace"] == "copy"
            server.script(Reply(503, {"error": "down"}, {"Retry-After": "0"}))
            with pytest.raises(sdk.InternalServerError):
                await client.things.retrieve("t1")
            assert len(server.requests) == 3
            server.script(Reply(body=THING, delay=0.6))
            with pytest.raises(sdk.APITimeoutError):
                await client.copy(timeout=0.2, max_retries=0).things.retrieve("t1")
            assert (await client.things.retrieve("t1")).id == "t1"

    asyncio.run(main())


def test_with_options_type_checks(packages: dict[str, Package]) -> None:
    usage = (
        "import httpx\n"
        "from conv_bearer import AsyncClient, Client, RawResponse\n"
        "from conv_bearer.models import Thing\n\n"
        "client = Client(api_key='k', base_url='http://127.0.0.1:9')\n"
        "quick: Client = client.with_options(timeout=1.5, max_retries=0)\n"
        "same: Client = client.copy(default_headers={'X': 'y'}, idempotency_header=None)\n"
        "thing: Thing = quick.things.retrieve('t1')\n"
        "raw: RawResponse[Thing] = client.things.with_raw_response.retrieve('t1')\n"
        "parsed: Thing = raw.parse()\n"
        "status: int = raw.status_code\n"
        "response: httpx.Response = raw.http_response\n"
        "client.with_options(max_retries='3')  # type: ignore[arg-type]\n"
        "client.with_options(http_client=httpx.AsyncClient())  # type: ignore[arg-type]\n"
        "aclient = AsyncClient(api_key='k', base_url='http://127.0.0.1:9')\n"
        "other: AsyncClient = aclient.with_options(response_validation='off')\n"
        "aclient.with_options(response_validation='loose')  # type: ignore[arg-type]\n"
    )
    code, output = mypy_strict(packages["bearer"].root, usage)
    assert code == 0, output


# -- 2. RawResponse.parse() --------------------------------------------------------------------
def test_raw_response_parse(sdk: Any, server: ScriptedServer) -> None:
    server.script(Reply(body=THING, headers={"X-Request-Id": "r1"}))
    raw = _client(sdk, server.base_url).things.with_raw_response.retrieve("t1")
    assert raw.parse() is raw.parsed and isinstance(raw.parse(), sdk.models.Thing)
    assert raw.status_code == 200 and raw.headers["x-request-id"] == "r1"
    assert isinstance(raw.http_response, httpx.Response) and raw.json() == THING
    assert raw.http_request.method == "GET" and raw.url.path == "/things/t1"
    assert json.loads(raw.content) == THING and json.loads(raw.text) == THING

    async def main() -> None:
        async with _async_client(sdk, server.base_url) as client:
            raw = await client.things.with_raw_response.retrieve("t1")
            assert raw.parse().id == "t1" and raw.status_code == 200
            assert raw.http_response.headers["x-request-id"] == "r1"

    asyncio.run(main())


# -- 3. connection errors keep their cause -----------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _assert_caused(error: Exception, cause: type[Exception]) -> None:
    assert isinstance(error.__cause__, cause), repr(error.__cause__)
    text = str(error.__cause__)
    assert text and text in str(error), (str(error), text)
    assert type(error.__cause__).__name__ in str(error)
    assert "7f3e" not in str(error) + repr(error)


@pytest.mark.parametrize("kind", SCHEMES)
def test_connection_error_keeps_its_cause(packages: dict[str, Package], kind: str) -> None:
    sdk = packages[kind].module()
    origin = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(sdk.APIConnectionError) as raised:
        _client(sdk, origin, max_retries=0).things.retrieve("t1")
    _assert_caused(raised.value, httpx.ConnectError)

    async def main() -> None:
        async with _async_client(sdk, origin, max_retries=0) as client:
            with pytest.raises(sdk.APIConnectionError) as raised:
                await client.things.retrieve("t1")
            _assert_caused(raised.value, httpx.ConnectError)

    asyncio.run(main())


def test_timeout_error_keeps_its_cause(sdk: Any, server: ScriptedServer) -> None:
    server.script(Reply(body=THING, delay=0.6))
    timeout = httpx.Timeout(0.2)  # httpx's own per-phase limit: its ReadTimeout is the cause
    with pytest.raises(sdk.APITimeoutError) as raised:
        _client(sdk, server.base_url, max_retries=0, timeout=timeout).things.retrieve("t1")
    _assert_caused(raised.value, httpx.TimeoutException)
    assert str(raised.value).startswith("Request timed out")

    async def main() -> None:
        async with _async_client(sdk, server.base_url, max_retries=0, timeout=0.2) as client:
            with pytest.raises(sdk.APITimeoutError) as raised:
                await client.things.retrieve("t1")
            assert isinstance(raised.value.__cause__, httpx.TimeoutException)
            assert "timeout has passed" in str(raised.value)

    asyncio.run(main())


# -- 4. the <PREFIX>_LOG switch ----------------------------------------------------------------
_SCRIPT = """
import asyncio, logging, sys
import {package} as sdk
origin, flavour = sys.argv[1], sys.argv[2]
if len(sys.argv) > 3:  # the application logs to stderr through the root logger too
    logging.basicConfig(level=logging.INFO, format="root %(message)s")
if flavour == "sync":
    sdk.Client(api_key={key!r}, base_url=origin).things.retrieve("t1")
else:
    async def main():
        async with sdk.AsyncClient(api_key={key!r}, base_url=origin) as client:
            await client.things.retrieve("t1")
    asyncio.run(main())
"""


def _logged(
    package: Package, origin: str, flavour: str, level: str, *, root_logging: bool = False
) -> str:
    """The stderr of a call made in a child process with `<PREFIX>_LOG=level`."""
    log_env = package.module("_config").LOG_ENV
    env = {**os.environ, log_env: level, "PYTHONPATH": str(package.src)}
    script = _SCRIPT.format(package=package.name, key=KEY)
    done = subprocess.run(
        [sys.executable, "-c", script, origin, flavour, *(["root"] if root_logging else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_log_variable_is_named_like_the_key_variable(packages: dict[str, Package]) -> None:
    config = packages["query"].module("_config")
    assert config.API_KEY_ENV == "CONV_QUERY_API_KEY" and config.LOG_ENV == "CONV_QUERY_LOG"
    from specforge.config import Config
    from specforge.generator.pipeline import log_env_name

    named = Config(package="together_videos", api_key_env="TOGETHER_API_KEY")
    assert log_env_name(named) == "TOGETHER_LOG"


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("kind", SCHEMES)
def test_log_switch_logs_requests_without_the_key(
    packages: dict[str, Package], server: ScriptedServer, kind: str, flavour: str
) -> None:
    server.script(Reply(500, {"error": "x"}, {"Retry-After": "0"}), Reply(body=THING))
    text = _logged(packages[kind], server.base_url, flavour, "debug")
    assert f"sending GET {server.base_url}/things/t1" in text, text
    assert "things.retrieve: GET" in text and "-> 500 Internal Server Error" in text
    assert "-> 200 OK" in text and "retrying GET" in text and "(retry 1 of 2)" in text
    assert "DEBUG" in text and "INFO" in text
    assert KEY not in text and "7f3e" not in text
    if kind == "query":
        assert "api_key=%5Bredacted%5D" in text or "api_key=[redacted]" in text
        assert server.requests[0].path.count("7f3e") == 1  # the key did travel


def test_info_level_logs_responses_only(
    packages: dict[str, Package], server: ScriptedServer
) -> None:
    server.script(Reply(body=THING))
    text = _logged(packages["query"], server.base_url, "sync", "info")
    assert "-> 200 OK" in text and "sending" not in text
    assert KEY not in text and "7f3e" not in text
    quiet = _logged(packages["query"], server.base_url, "sync", "")
    assert "things.retrieve" not in quiet


def test_the_switch_logs_each_line_once_beside_the_application_s_logging(
    packages: dict[str, Package], server: ScriptedServer
) -> None:
    server.script(Reply(body=THING))
    text = _logged(packages["query"], server.base_url, "sync", "info", root_logging=True)
    assert text.count("-> 200 OK") == 1, text


@pytest.mark.parametrize("kind", SCHEMES)
def test_log_records_never_hold_the_key(
    packages: dict[str, Package],
    server: ScriptedServer,
    kind: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sdk = packages[kind].module()
    server.script(Reply(body=THING))
    caplog.set_level(logging.DEBUG, logger=f"conv_{kind}")
    _client(sdk, server.base_url).things.retrieve("t1")

    async def main() -> None:
        async with _async_client(sdk, server.base_url) as client:
            await client.things.retrieve("t1")

    asyncio.run(main())
    records = [r for r in caplog.records if r.name == f"conv_{kind}"]
    assert len([r for r in records if "-> 200 OK" in r.getMessage()]) == 2
    assert "7f3e" not in caplog.text
    # a key that reaches a message anyway is masked by the package logger's filter
    logging.getLogger(f"conv_{kind}").warning("oops %s", KEY)
    assert KEY not in caplog.text and "[redacted]" in caplog.text


# -- 5. an unclosed client closes its own pool when collected ----------------------------------
class ClosingServer:
    """HTTP/1.1 on 127.0.0.1, keep-alive, that notes when a client closes its connection."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.accepted = 0
        self.closed = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.accepted += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        body = json.dumps(THING).encode()
        buffer = b""
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    with self._lock:
                        self.closed += 1
                    return
                buffer += data
                while b"\r\n\r\n" in buffer:  # GET requests: no body
                    _, _, buffer = buffer.partition(b"\r\n\r\n")
                    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def seen_close(self, seconds: float = 5.0) -> bool:
        deadline = threading.Event()
        for _ in range(int(seconds / 0.02)):
            with self._lock:
                if self.closed >= self.accepted > 0:
                    return True
            deadline.wait(0.02)
        return False

    def stop(self) -> None:
        self.listener.close()


@pytest.fixture
def closing() -> Iterator[ClosingServer]:
    server = ClosingServer()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def no_unclosed_sockets() -> Iterator[None]:
    """Fail when a socket is left to its own finalizer (a `ResourceWarning`)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    unclosed = [str(w.message) for w in record if "unclosed" in str(w.message)]
    assert not unclosed, unclosed


def test_unclosed_client_closes_its_pool_when_collected(sdk: Any, closing: ClosingServer) -> None:
    with no_unclosed_sockets():
        client = _client(sdk, closing.base_url)
        assert client.things.retrieve("t1").id == "t1"
        assert not closing.seen_close(0.1)
        del client
        gc.collect()
        assert closing.seen_close()


def test_a_copy_keeps_the_shared_pool_open(sdk: Any, closing: ClosingServer) -> None:
    with no_unclosed_sockets():
        client = _client(sdk, closing.base_url)
        client.things.retrieve("t1")
        copy = client.with_options(max_retries=0)
        del client
        gc.collect()
        assert not closing.seen_close(0.2)
        assert copy.things.retrieve("t1").id == "t1"
        assert closing.accepted == 1  # the same connection, reused
        del copy
        gc.collect()
        assert closing.seen_close()


def test_a_given_http_client_is_never_closed(sdk: Any, closing: ClosingServer) -> None:
    mine = httpx.Client()
    client = _client(sdk, closing.base_url, http_client=mine)
    client.things.retrieve("t1")
    del client
    gc.collect()
    assert not mine.is_closed and not closing.seen_close(0.2)
    mine.close()
    assert closing.seen_close()

    async def main() -> None:
        mine = httpx.AsyncClient()
        client = _async_client(sdk, closing.base_url, http_client=mine)
        await client.things.retrieve("t1")
        del client
        gc.collect()
        await asyncio.sleep(0.05)
        assert not mine.is_closed
        await mine.aclose()

    asyncio.run(main())


def test_unclosed_async_client_is_closed_on_its_loop(sdk: Any, closing: ClosingServer) -> None:
    async def main() -> None:
        client = _async_client(sdk, closing.base_url)
        assert (await client.things.retrieve("t1")).id == "t1"
        del client
        gc.collect()
        for _ in range(250):  # the scheduled aclose() runs while this coroutine waits
            if closing.closed:
                return
            await asyncio.sleep(0.02)

    with no_unclosed_sockets():
        asyncio.run(main())
        assert closing.seen_close()


def test_unclosed_async_client_after_its_loop_ended(sdk: Any, closing: ClosingServer) -> None:
    client = _async_client(sdk, closing.base_url)
    assert asyncio.run(client.things.retrieve("t1")).id == "t1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # the dead loop's transports
        del client
        assert closing.seen_close()  # shut down at once, no loop needed
        gc.collect()


def test_unclosed_async_client_collected_on_another_loop(sdk: Any, closing: ClosingServer) -> None:
    held = [_async_client(sdk, closing.base_url)]
    assert asyncio.run(held[0].things.retrieve("t1")).id == "t1"

    async def collect() -> bool:
        held.clear()  # its connections belong to the loop that has ended: aclose() fails there
        gc.collect()
        for _ in range(250):
            if closing.closed:
                return True
            await asyncio.sleep(0.02)
        return False

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        assert asyncio.run(collect())
        gc.collect()


# -- 6. drift in array and map responses keeps the valid parts typed ---------------------------
def _drift_pointers(record: list[warnings.WarningMessage]) -> set[str]:
    return {
        str(w.message).split(" at ", 1)[1].split(":", 1)[0]
        for w in record
        if w.category.__name__ == "ResponseDriftWarning"
    }


LIST_BODY = [THING, {**THING, "id": 7}]
INDEX_BODY = {"a": THING, "b": {"id": 8, "created_at": "2024-02-01T00:00:00Z"}}


def _assert_typed(sdk: Any, things: list[Any], index: dict[str, Any]) -> None:
    assert isinstance(things, list) and all(isinstance(t, sdk.models.Thing) for t in things)
    assert things[1].id == 7 and isinstance(things[1].created_at, datetime.datetime)
    assert isinstance(index, dict) and all(isinstance(t, sdk.models.Thing) for t in index.values())
    assert index["b"].id == 8 and isinstance(index["b"].created_at, datetime.datetime)


def _drift_route(server: ScriptedServer) -> None:
    server.script(Reply(body=LIST_BODY), Reply(body=INDEX_BODY))


@pytest.mark.parametrize("mode", ["warn", "off"])
def test_list_and_map_drift_keep_items_typed(sdk: Any, server: ScriptedServer, mode: str) -> None:
    client = _client(sdk, server.base_url, response_validation=mode)
    _drift_route(server)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        things = client.things.list()
        index = client.index.retrieve()
    _assert_typed(sdk, things, index)
    assert _drift_pointers(record) == ({"/1/id", "/b/id"} if mode == "warn" else set())


def test_async_list_and_map_drift_keep_items_typed(sdk: Any, server: ScriptedServer) -> None:
    async def main() -> tuple[Any, Any]:
        async with _async_client(sdk, server.base_url) as client:
            return await client.things.list(), await client.index.retrieve()

    _drift_route(server)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        things, index = asyncio.run(main())
    _assert_typed(sdk, things, index)
    assert _drift_pointers(record) == {"/1/id", "/b/id"}


def test_strict_mode_still_refuses_a_drifting_list(sdk: Any, server: ScriptedServer) -> None:
    server.script(Reply(body=LIST_BODY))
    with pytest.raises(sdk.ResponseValidationError):
        _client(sdk, server.base_url, response_validation="strict").things.list()
