"""Shared by the SDK feature tests: generating and importing packages, and a small HTTP server
whose answers can stream (piece by piece, flushed) and which notices clients that hang up."""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from specforge.config import Config
from specforge.generator.pipeline import generate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
ACME = FIXTURES / "acme-projects.yaml"
FEATURES = FIXTURES / "sdk-features.yaml"
FULL = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"


def needs_full() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not FULL.is_file(), reason=f"{FULL} is absent (../shared is not beside the project)"
    )


@dataclass
class Generated:
    """A generated package: its project folder and the imported module."""

    root: Path
    module: ModuleType

    @property
    def src(self) -> Path:
        return self.root / "src"


def build(spec: Path, package: str, root: Path, *, lenient: bool = False) -> Generated:
    """Generate `spec` as `package` into `root` and import it."""
    generate(Config(spec=spec, package=package, output=root, lenient=lenient), root)
    sys.path.insert(0, str(root / "src"))
    try:
        module = importlib.import_module(package)
    finally:
        sys.path.remove(str(root / "src"))
    return Generated(root, module)


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Whether `condition` became true within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    """A response; an iterable body is sent piece by piece, each flushed, until the client
    hangs up (the server then counts a disconnect)."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    pause: float = 0.0  # seconds between the pieces of an iterable body


Route = Callable[[Seen], Answer]


class LabServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 answering with `route`; records requests."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.requests: list[Seen] = []
        self.disconnects = 0
        self.finished = 0  # iterable bodies sent to their end
        self._lock = threading.Lock()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with server._lock:
                    server.requests.append(seen)
                answer = server.route(seen)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if isinstance(answer.body, bytes):
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                    return
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                try:
                    for piece in answer.body:
                        self.wfile.write(piece)
                        self.wfile.flush()
                        if answer.pause:
                            time.sleep(answer.pause)
                except (BrokenPipeError, ConnectionResetError):
                    with server._lock:
                        server.disconnects += 1
                    return
                with server._lock:
                    server.finished += 1

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve in a thread; yields the origin URL."""
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        httpd.daemon_threads = True
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(timeout=5)


def mypy_strict(root: Path, usage: str, name: str = "usage.py") -> tuple[int, str]:
    """`mypy --strict` on a generated project's sources plus a usage file written beside them."""
    import subprocess

    (root / name).write_text(usage, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "src", name],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@dataclass
class Part:
    """One part of a multipart body."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def multipart(seen: Seen) -> list[Part]:
    """The parts of a multipart/form-data request, in order."""
    import email
    import email.policy

    head = f"Content-Type: {seen.headers['content-type']}\r\n\r\n".encode()
    message = email.message_from_bytes(head + seen.body, policy=email.policy.HTTP)
    assert message.is_multipart(), seen.headers.get("content-type")
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        parts.append(
            Part(
                str(part.get_param("name", header="content-disposition")),
                part.get_filename(),
                part["content-type"],
                payload if isinstance(payload, bytes) else b"",
            )
        )
    return parts
