"""Load generation: `wrk` when present, else a small asyncio generator; same one for all servers.

Both return a `LoadResult` for `POST url` with a JSON body at a given connection count.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.stats import percentile


@dataclass(frozen=True)
class LoadResult:
    """Throughput, latency percentiles (ms) and how many answers were not 2xx."""

    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def _lua(body: bytes, api_key: str) -> str:
    quoted = body.decode().replace("\\", "\\\\").replace('"', '\\"')
    return (
        'wrk.method = "POST"\n'
        f'wrk.body = "{quoted}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {api_key}"\n'
    )


def parse_wrk(output: str) -> LoadResult:
    """Read wrk's `--latency` report."""
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return LoadResult(requests, rps, p50, p99, int(bad.group(1)) if bad else 0)


def run_wrk(
    wrk: Path, url: str, body: bytes, api_key: str, connections: int, seconds: float
) -> LoadResult:
    """`wrk -t2 -cN -dS --latency` with a Lua script that POSTs `body`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(body, api_key))
    try:
        done = subprocess.run(
            [str(wrk), "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s",
             "-s", script.name, url],
            capture_output=True, text=True, timeout=seconds + 60, check=True,
        )  # fmt: skip
    finally:
        Path(script.name).unlink(missing_ok=True)
    return parse_wrk(done.stdout)


async def _worker(
    host: str, port: int, request: bytes, until: float, latencies: list[float], codes: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            codes.append(int(head.split(b" ", 2)[1]))
    finally:
        writer.close()


async def _python_load(
    url: str, body: bytes, api_key: str, connections: int, seconds: float
) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = (
        f"POST {parts.path} HTTP/1.1\r\nhost: {host}:{port}\r\n"
        f"authorization: Bearer {api_key}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    codes: list[int] = []
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(
        *(_worker(host, port, request, until, latencies, codes) for _ in range(connections))
    )
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return LoadResult(
        len(latencies),
        len(latencies) / elapsed,
        percentile(ordered, 0.50) * 1000,
        percentile(ordered, 0.99) * 1000,
        sum(1 for code in codes if not 200 <= code < 300),
    )


def run_python(url: str, body: bytes, api_key: str, connections: int, seconds: float) -> LoadResult:
    """The fallback generator: `connections` keep-alive loops for `seconds`."""
    return asyncio.run(_python_load(url, body, api_key, connections, seconds))


def run_load(
    wrk: Path | None, url: str, body: bytes, api_key: str, connections: int, seconds: float
) -> LoadResult:
    """wrk when available, else the Python generator."""
    if wrk is not None:
        return run_wrk(wrk, url, body, api_key, connections, seconds)
    return run_python(url, body, api_key, connections, seconds)
