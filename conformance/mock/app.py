"""A plain ASGI application around `MockHandler` (no framework on the hot path).

Behind the protocol's limits on request heads (`specforge.conformance.mock.protocol`: 431 as a head
passes `max_header_bytes`, 408 for a head that trickles, a cap on connections), the app
refuses oversized header blocks that slipped past it (431) and bodies (413, before reading
them when `Content-Length` says so, and as soon as a chunked body passes the limit), cuts off
clients that trickle their body (408 after `read_timeout` seconds), and turns any unexpected
error into a JSON 500 instead of a dropped connection.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from specforge.conformance.mock.handler import MockHandler, Reply, Request, error_reply

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_HEADER_BYTES = 32 * 1024
# A scope key the mock's protocol sets once a request's body has been received whole, so that
# reading it needs no timer (the ASGI cycle has it; any other server leaves the key out).
BODY_RECEIVED = "specforge.body_received"
READ_TIMEOUT = 10.0
log = logging.getLogger("specforge.mock")


class _Cut(Exception):
    """The request cannot be read to its end: answer `reply` and close the connection."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class MockApp:
    """ASGI app: reads the request (within the size and time limits), lets the handler answer."""

    def __init__(
        self,
        handler: MockHandler,
        *,
        read_timeout: float = READ_TIMEOUT,
        max_header_bytes: int = MAX_HEADER_BYTES,
    ) -> None:
        self.handler = handler
        self.read_timeout = read_timeout
        self.max_header_bytes = max_header_bytes
        self.delay = handler.faults.value("latency") / 1000 if "latency" in handler.faults else 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":  # pragma: no cover - websockets are not served
            return
        try:
            headers = self._headers(scope)
            body = await self._body(headers, receive, bool(scope.get(BODY_RECEIVED)))
        except _Cut as cut:
            cut.reply.headers.append(("connection", "close"))
            await _send(send, cut.reply)
            return
        request = Request(
            scope["method"], scope["path"], scope.get("query_string", b""), headers, body
        )
        try:
            reply = self.handler.handle(request)
        except Exception as error:  # a bug must cost one request, never the server
            log.error(
                "mock: unexpected %s on %s %s", type(error).__name__, request.method, request.path
            )
            reply = error_reply(500, "internal error of the mock server", "server_error")
        if self.delay:
            await asyncio.sleep(self.delay)
        await _send(send, reply)

    def _headers(self, scope: Scope) -> dict[str, str]:
        """Header names in lower case; 431 when the header block is over the limit (the protocol
        refuses such heads as they arrive; a pipelined one can still reach here)."""
        raw = scope["headers"]
        size = sum(len(key) + len(value) + 4 for key, value in raw)
        if size > self.max_header_bytes:
            raise _Cut(
                error_reply(
                    431,
                    f"request headers over {self.max_header_bytes} bytes",
                    "request_header_fields_too_large",
                )
            )
        return {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in raw}

    async def _body(self, headers: dict[str, str], receive: Receive, arrived: bool) -> bytes:
        """The request body: at most `max_body_bytes`, read within `read_timeout` seconds (no
        timer when the server says it has `arrived` whole)."""
        limit = self.handler.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Cut(_too_large(limit))
        body = bytearray()
        deadline = time.monotonic() + self.read_timeout
        more = True
        while more:
            try:
                message = await (receive() if arrived else _within(receive(), deadline))
            except asyncio.TimeoutError:
                raise _Cut(
                    error_reply(
                        408,
                        f"the request body did not arrive within {self.read_timeout:g} s",
                        "request_timeout",
                    )
                ) from None
            if message["type"] == "http.disconnect":
                raise _Cut(error_reply(400, "the client went away", "client_disconnected"))
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > limit:
                raise _Cut(_too_large(limit))
        return bytes(body)


def _too_large(limit: int) -> Reply:
    return error_reply(413, f"body over {limit} bytes", "payload_too_large")


async def _within(message: Awaitable[Message], deadline: float) -> Message:
    """`message` awaited until `deadline` (`time.monotonic()`), else `asyncio.TimeoutError`.

    `asyncio.timeout` (3.11) sets one timer where `asyncio.wait_for` wraps the wait in a new task;
    a body that has arrived is then read without leaving the request's own task.
    """
    left = deadline - time.monotonic()
    if left <= 0:
        if inspect.iscoroutine(message):
            message.close()
        raise asyncio.TimeoutError
    timeout = getattr(asyncio, "timeout", None)
    if timeout is None:  # pragma: no cover - Python 3.10
        return await asyncio.wait_for(message, left)
    async with timeout(left):
        return await message


async def _send(send: Send, reply: Reply) -> None:
    headers = [
        (b"content-type", reply.content_type.encode()),
        (b"content-length", str(len(reply.body)).encode()),
    ]
    headers += [(name.encode(), value.encode()) for name, value in reply.headers]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
