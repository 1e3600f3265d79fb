"""A plain ASGI application around `MockHandler` (no framework on the hot path)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from conformance.mock.handler import MockHandler, Reply, Request, error_reply

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class MockApp:
    """ASGI app: reads the request (up to the size limit), lets the handler answer it."""

    def __init__(self, handler: MockHandler) -> None:
        self.handler = handler
        self.delay = handler.faults.value("latency") / 1000 if "latency" in handler.faults else 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":  # pragma: no cover - websockets are not served
            return
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope["headers"]
        }
        limit = self.handler.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _send(send, error_reply(413, f"body over {limit} bytes", "payload_too_large"))
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > limit:
                await _send(send, error_reply(413, f"body over {limit} bytes", "payload_too_large"))
                return
        request = Request(
            scope["method"], scope["path"], scope.get("query_string", b""), headers, body
        )
        reply = self.handler.handle(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        await _send(send, reply)


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
