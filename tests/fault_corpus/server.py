"""The corpus' HTTP layer: a ThreadingHTTPServer on 127.0.0.1 driving an `App` of routes.

An `App` maps `(method, path template)` to handler methods, answers unknown paths with 404 and
known paths with another method with 405 and `Allow`, turns `HttpError` into the spec's error
body and any other exception into a 500 (as a production framework does). Requests are handled
one at a time (a lock), so the apps' in-memory state needs no locking of its own.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

MAX_BODY = 8 * 1024 * 1024
Clock = Callable[[], float]


@dataclass
class Request:
    """One request as a handler sees it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").partition(";")[0].strip().lower()

    def arg(self, name: str) -> str | None:
        """The first value of query parameter `name` (None when absent)."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    """What a handler answers."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer (ASCII-escaped, so any string the client sent can be echoed)."""
    return Response(
        status,
        json.dumps(payload).encode(),
        {"Content-Type": "application/json", **(headers or {})},
    )


class HttpError(Exception):
    """An error answer: status, machine code, message (and extra headers)."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: str
    regex: re.Pattern[str]


def route(method: str, template: str, handler: str) -> Route:
    """A route: `{name}` in the template matches one path segment."""
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return Route(method, template, handler, re.compile(f"^{pattern}$"))


class App:
    """Routing, error answers and the fault switch shared by the corpus' servers."""

    routes: ClassVar[tuple[Route, ...]] = ()

    def __init__(self, switch: str = "", clock: Clock = time.time, seed: int = 7) -> None:
        self.switch = switch
        self.clock = clock
        self.rng = random.Random(seed)
        self.lock = threading.Lock()

    def on(self, switch: str) -> bool:
        """Whether this server runs with `switch` on (a fault, or a conformant alternative)."""
        return self.switch == switch

    def error_body(self, status: int, code: str, message: str) -> Any:
        """The spec's error object."""
        return {"error": {"code": code, "message": message}}

    def error(self, error: HttpError) -> Response:
        body = self.error_body(error.status, error.code, error.message)
        return json_response(error.status, body, error.headers)

    def handle(self, request: Request) -> Response:
        """Route and answer one request."""
        with self.lock:
            try:
                return self._dispatch(request)
            except HttpError as error:
                return self.error(error)
            except Exception as error:  # what a framework does with an unhandled exception
                return self.error(HttpError(500, "internal_error", type(error).__name__))

    def _dispatch(self, request: Request) -> Response:
        allowed = []
        for item in self.routes:
            found = item.regex.match(request.path)
            if found is None:
                continue
            if item.method == request.method:
                request.params = {k: unquote(v) for k, v in found.groupdict().items()}
                response: Response = getattr(self, item.handler)(request)
                return response
            allowed.append(item.method)
        if allowed:
            methods = ", ".join(sorted(set(allowed)))
            raise HttpError(405, "method_not_allowed", "method not allowed", {"Allow": methods})
        raise HttpError(404, "not_found", "no such path")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "corpus/1.0"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the corpus' servers log nothing."""

    def _body(self) -> bytes | None:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
                if sum(map(len, chunks)) > MAX_BODY:
                    return None
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        try:
            body = self._body()
        except ValueError:
            self.send_error(400)
            return
        if body is None:
            response = json_response(413, {"error": {"code": "too_large", "message": "too large"}})
            self.close_connection = True
        else:
            parts = urlsplit(self.path)
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query, keep_blank_values=True),
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            response = self.server.app.handle(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def __getattr__(self, name: str) -> Any:
        """Every method reaches the app (which answers 405 with `Allow`), not just the common."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, app: App) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.connections: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


@contextmanager
def serve(app: App) -> Iterator[str]:
    """Serve `app` on an ephemeral port of 127.0.0.1; yields the origin; stops it on exit."""
    server = _Server(app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=5)
