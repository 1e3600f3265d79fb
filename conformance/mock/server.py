"""Run the mock under uvicorn: in the foreground (CLI) or in a background thread (suite, tests)."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from specforge.conformance.faults import Faults
from specforge.conformance.mock.app import MAX_HEADER_BYTES, READ_TIMEOUT, MockApp
from specforge.conformance.mock.handler import MockHandler
from specforge.conformance.mock.protocol import (
    HEADER_TIMEOUT,
    MAX_CONNECTIONS,
    HeadLimits,
    files_needed,
    guarded_protocol,
)
from specforge.conformance.model import SpecModel, load_model_for
from specforge.document.errors import ConfigError


@dataclass(frozen=True)
class MockOptions:
    """What the mock serves and how."""

    spec: Path
    lenient: bool = False
    allow_external_refs: bool = False
    cache_dir: Path | None = None  # where the validator's findings are kept (None: no cache)
    pagination: tuple[tuple[str, Any], ...] = ()  # `[tool.specforge.pagination]` overrides
    faults: Faults = field(default_factory=Faults)
    api_key: str = ""
    max_body_bytes: int = 1 << 20
    retry_after: int = 1
    complete_after: int = 2
    complete_seconds: float = 5.0
    read_timeout: float = READ_TIMEOUT
    max_header_bytes: int = MAX_HEADER_BYTES
    header_timeout: float = HEADER_TIMEOUT
    max_connections: int = MAX_CONNECTIONS


def build_app(options: MockOptions, model: SpecModel | None = None) -> MockApp:
    """The ASGI app for `options`, serving `model` (default: the spec loaded and compiled)."""
    if model is None:
        model = load_model_for(options)
    handler = MockHandler(
        model,
        options.faults,
        api_key=options.api_key,
        max_body_bytes=options.max_body_bytes,
        retry_after=options.retry_after,
        complete_after=options.complete_after,
        complete_seconds=options.complete_seconds,
    )
    return MockApp(
        handler, read_timeout=options.read_timeout, max_header_bytes=options.max_header_bytes
    )


def check_host(host: str, allow_remote: bool) -> None:
    """Refuse anything but a loopback address unless `allow_remote`."""
    if allow_remote:
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ConfigError(
            f"host {host!r} is not a loopback address: use 127.0.0.1 (or ::1, localhost), "
            "or pass --allow-remote to listen on other interfaces"
        )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _config(
    app: MockApp,
    options: MockOptions,
    host: str,
    port: int,
    log_level: str = "warning",
    access_log: bool = False,
) -> uvicorn.Config:
    limits = HeadLimits(
        max_header_bytes=options.max_header_bytes,
        header_timeout=options.header_timeout,
        max_connections=options.max_connections,
    )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        lifespan="on",
        proxy_headers=False,  # the mock answers its client, not what X-Forwarded-* headers say
        # httptools parses, with the head limits of specforge.conformance.mock.protocol; the plain
        # asyncio loop keeps 1,000 connections fair (under uvloop a few waited over 10 s in the
        # 60 s load run)
        http=guarded_protocol(limits),
        backlog=limits.backlog,
        loop="asyncio",
        timeout_graceful_shutdown=2,
    )


def raise_fd_limit(connections: int) -> None:
    """Raise the soft limit on open files towards the hard one, so `connections` fit."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = files_needed(connections)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def serve(
    options: MockOptions,
    host: str,
    port: int,
    *,
    log_level: str = "warning",
    access_log: bool = False,
) -> None:
    """Serve in the foreground until interrupted (uvicorn's log level and access log settable)."""
    raise_fd_limit(options.max_connections)  # this process is the server's own
    app = build_app(options)
    operations = len(app.handler.static) + len(app.handler.dynamic)
    faults = ", ".join(sorted(options.faults.active)) or "none"
    print(
        f"specforge mock: {operations} operation(s) of {options.spec} on http://{host}:{port} "
        f"(faults: {faults})",
        flush=True,
    )
    uvicorn.Server(_config(app, options, host, port, log_level, access_log)).run()


@contextmanager
def running(
    options: MockOptions, host: str = "127.0.0.1", port: int = 0, model: SpecModel | None = None
) -> Iterator[str]:
    """Serve in a background thread (`model`, when given, is the spec already loaded); yields
    the origin URL and stops the server on exit."""
    app = build_app(options, model)
    port = port or free_port(host)
    server = uvicorn.Server(_config(app, options, host, port))
    thread = threading.Thread(target=server.run, name="specforge-mock", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigError(f"the mock server did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
