"""A small asyncio load generator for the mock, and the mock as a process whose memory we can read.

Loopback only and bounded: every run stops after `duration` seconds or `max_requests` requests,
whichever comes first. Each connection sends keep-alive HTTP/1.1 requests over a raw socket and
reads each answer in full (status line, headers, `Content-Length` body), so the generator costs
little next to the server under test. `wrk` is used instead when the tests find it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LoadResult:
    """What a load run saw."""

    connections: int
    elapsed: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        """Answered requests."""
        return sum(self.statuses.values())

    @property
    def rps(self) -> float:
        """Answered requests per second."""
        return self.requests / self.elapsed if self.elapsed else 0.0

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status."""
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        """One line for test output and reports."""
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        errors = ", ".join(f"{e}: {n}" for e, n in sorted(self.errors.items())) or "none"
        return (
            f"{self.connections} connections, {self.elapsed:.1f} s, {self.requests} requests "
            f"({self.rps:.0f} req/s), statuses {{{statuses}}}, errors {errors}"
        )


def http_request(
    method: str, path: str, body: object = None, headers: dict[str, str] | None = None
) -> bytes:
    """The bytes of one keep-alive HTTP/1.1 request (a JSON body when `body` is not None)."""
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    all_headers = dict(headers or {})
    if body is not None:
        all_headers.setdefault("Content-Type", "application/json")
    all_headers["Content-Length"] = str(len(payload))
    lines += [f"{name}: {value}" for name, value in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


async def _read_answer(reader: asyncio.StreamReader) -> int:
    """Read one response in full; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, header_block = head.partition(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _worker(
    host: str,
    port: int,
    requests: Sequence[bytes],
    index: int,
    deadline: float,
    budget: list[int],
    result: LoadResult,
) -> None:
    """One connection: send requests round-robin until the deadline or the budget runs out."""
    stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    turn = index
    while time.monotonic() < deadline and budget[0] > 0:
        try:
            if stream is None:
                stream = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
            reader, writer = stream
            budget[0] -= 1
            writer.write(requests[turn % len(requests)])
            turn += 1
            left = max(deadline - time.monotonic(), 0) + 10
            status = await asyncio.wait_for(_read_answer(reader), left)
            result.statuses[status] += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as error:
            result.errors[type(error).__name__] += 1
            if stream is not None:
                stream[1].close()
                stream = None
            await asyncio.sleep(0.05)
    if stream is not None:
        stream[1].close()
        with suppress(OSError):
            await stream[1].wait_closed()


async def load(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int = 100,
    duration: float = 5.0,
    max_requests: int = 1_000_000,
) -> LoadResult:
    """Drive `connections` keep-alive connections for `duration` s (at most `max_requests`)."""
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"load is for loopback addresses only, not {host!r}")
    result = LoadResult(connections)
    budget = [max_requests]
    started = time.monotonic()
    deadline = started + duration
    await asyncio.gather(
        *(_worker(host, port, requests, i, deadline, budget, result) for i in range(connections))
    )
    result.elapsed = time.monotonic() - started
    return result


def run_load(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int = 100,
    duration: float = 5.0,
    max_requests: int = 1_000_000,
) -> LoadResult:
    """`load` from synchronous code."""
    return asyncio.run(
        load(
            host,
            port,
            requests,
            connections=connections,
            duration=duration,
            max_requests=max_requests,
        )
    )


def run_wrk(
    url: str,
    *,
    method: str = "GET",
    body: object = None,
    headers: dict[str, str] | None = None,
    connections: int = 100,
    duration: int = 5,
    threads: int = 2,
) -> LoadResult:
    """Run `wrk` (which must be on PATH) against a loopback `url`; its figures as a LoadResult."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise FileNotFoundError("wrk is not installed")
    if not re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\]):\d+/", url):
        raise ValueError(f"wrk is run against loopback URLs only, not {url!r}")
    script = [f"wrk.method = {json.dumps(method)}"]
    if body is not None:
        script.append(f"wrk.body = {json.dumps(json.dumps(body))}")
        script.append('wrk.headers["Content-Type"] = "application/json"')
    script += [
        f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write("\n".join(script) + "\n")
    try:
        done = subprocess.run(
            # wrk's own 2 s answer timeout counts a long queue at 1,000 connections on 2 shared
            # cores as an error; 10 s still catches a server that stops answering.
            [
                wrk,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=False,
        )
    finally:
        os.unlink(handle.name)
    return parse_wrk(done.stdout, connections, duration)


def parse_wrk(output: str, connections: int, duration: float) -> LoadResult:
    """wrk's summary as a LoadResult (non-2xx/3xx answers counted under status 0)."""
    result = LoadResult(connections, elapsed=float(duration))
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    if total is None:
        result.errors["no wrk summary"] += 1
        return result
    value, unit = float(total.group(2)), total.group(3)
    result.elapsed = value * {"ms": 0.001, "s": 1.0, "m": 60.0}.get(unit, 1.0)
    count = int(total.group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    failed = int(bad.group(1)) if bad else 0
    result.statuses[200] = count - failed
    if failed:
        result.statuses[0] = failed
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        for name, value_text in zip(
            ("connect", "read", "write", "timeout"), sockets.groups(), strict=True
        ):
            if int(value_text):
                result.errors[name] = int(value_text)
    return result


def rss_kib(pid: int) -> int:
    """Resident memory of process `pid` in KiB (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(f"no VmRSS for process {pid}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MockProcess:
    """A mock server running as a child process on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        """The server's resident memory in KiB."""
        return rss_kib(self.pid)

    def output(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log.read_text(errors="replace")


def _open_files_limit(limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))


@contextmanager
def mock_process(
    spec: Path, *options: str, log_dir: Path | None = None, open_files: int | None = None
) -> Iterator[MockProcess]:
    """Start `python -m specforge.conformance.mock --spec SPEC OPTIONS...`; stop it on exit.

    `open_files` sets the child's soft and hard limit on open files (as on a system whose
    default is low).
    """
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="specforge-mock-")) if log_dir is None else log_dir
    log = folder / f"mock-{port}.log"
    command = [
        sys.executable,
        "-m",
        "specforge.conformance.mock",
        "--spec",
        str(spec),
        "--port",
        str(port),
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, *options],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            preexec_fn=None if open_files is None else partial(_open_files_limit, open_files),
        )
    try:
        _wait_for(port, process, log)
        yield MockProcess(process, port, log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the mock exited: {log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("the mock did not start within 30 s")
