"""Section 3: client overhead per call against one constant-time local server.

Every variant sends the same `POST /v2/videos` to `bench.echo_server` over a kept-alive
connection, one call at a time; blocks of calls are interleaved across variants so that
machine noise hits them alike. Overhead = time per call minus raw httpx's time per call.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench.procs import free_port, stop, wait_for_port
from bench.stats import ratio, summary

API_KEY = "bench-key"
MODEL = "together/video-model"
PROMPT = "An astronaut riding a horse on the moon"
PAYLOAD = {"model": MODEL, "prompt": PROMPT}

SyncCall = Callable[[], object]
AsyncCall = Callable[[], Awaitable[object]]


def _sync_variants(origin: str) -> tuple[dict[str, SyncCall], list[Any], list[str]]:
    """name -> one call; the clients to close; notes on variants that could not be built."""
    notes: list[str] = []
    headers = {"authorization": f"Bearer {API_KEY}"}
    raw = httpx.Client(base_url=origin)
    variants: dict[str, SyncCall] = {
        "raw httpx": lambda: raw.post("/v2/videos", json=PAYLOAD, headers=headers).json()
    }
    closers: list[Any] = [raw]
    from together_videos import Client

    for validate in (True, False):
        ours = Client(api_key=API_KEY, base_url=origin, validate_requests=validate)
        closers.append(ours)
        create = ours.videos.create
        name = f"specforge (validation {'on' if validate else 'off'})"
        variants[name] = lambda create=create: create(model=MODEL, prompt=PROMPT)  # type: ignore[misc]
    try:
        from together import Together

        official = Together(api_key=API_KEY, base_url=origin, max_retries=0)
        closers.append(official)
        variants["together (official)"] = lambda: official.videos.create(model=MODEL, prompt=PROMPT)
    except ImportError as error:
        notes.append(f"official SDK not importable: {error}")
    return variants, closers, notes


def _async_variants(origin: str) -> tuple[dict[str, AsyncCall], list[Any], list[str]]:
    notes: list[str] = []
    headers = {"authorization": f"Bearer {API_KEY}"}
    raw = httpx.AsyncClient(base_url=origin)

    async def raw_call() -> object:
        response = await raw.post("/v2/videos", json=PAYLOAD, headers=headers)
        return response.json()

    variants: dict[str, AsyncCall] = {"raw httpx": raw_call}
    closers: list[Any] = [raw]
    from together_videos import AsyncClient

    for validate in (True, False):
        ours = AsyncClient(api_key=API_KEY, base_url=origin, validate_requests=validate)
        closers.append(ours)
        create = ours.videos.create
        name = f"specforge (validation {'on' if validate else 'off'})"
        variants[name] = lambda create=create: create(model=MODEL, prompt=PROMPT)  # type: ignore[misc]
    try:
        from together import AsyncTogether

        official = AsyncTogether(api_key=API_KEY, base_url=origin, max_retries=0)
        closers.append(official)
        variants["together (official)"] = lambda: official.videos.create(model=MODEL, prompt=PROMPT)
    except ImportError as error:
        notes.append(f"official SDK not importable: {error}")
    return variants, closers, notes


def _measure_sync(variants: dict[str, SyncCall], calls: int, blocks: int) -> dict[str, list[float]]:
    per_call: dict[str, list[float]] = {name: [] for name in variants}
    for call in variants.values():
        for _ in range(max(20, calls // 10)):
            call()
    for _ in range(blocks):
        for name, call in variants.items():
            start = time.perf_counter()
            for _ in range(calls):
                call()
            per_call[name].append((time.perf_counter() - start) / calls * 1e6)
    return per_call


async def _measure_async(
    origin: str, calls: int, blocks: int
) -> tuple[dict[str, list[float]], list[str]]:
    variants, closers, notes = _async_variants(origin)
    per_call: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for call in variants.values():
            for _ in range(max(20, calls // 10)):
                await call()
        for _ in range(blocks):
            for name, call in variants.items():
                start = time.perf_counter()
                for _ in range(calls):
                    await call()
                per_call[name].append((time.perf_counter() - start) / calls * 1e6)
    finally:
        for client in closers:
            closer = getattr(client, "aclose", None) or client.close
            await closer()
    return per_call, notes


def _rows(mode: str, per_call: dict[str, list[float]]) -> list[dict[str, Any]]:
    base = summary(per_call["raw httpx"])["median"]
    rows = []
    for name, values in per_call.items():
        stats = summary(values)
        rows.append(
            {
                "mode": mode,
                "client": name,
                "us_per_call": stats["median"],
                "spread_pct": stats["spread_pct"],
                "runs": stats["runs"],
                "overhead_us": None if base is None else stats["median"] - base,
                "vs_raw_httpx": ratio(stats["median"], base),
            }
        )
    return rows


def run(quick: bool) -> dict[str, Any]:
    """Sync and async, validation on and off, ours vs raw httpx vs the official SDK."""
    calls, blocks = (200, 3) if quick else (600, 5)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.echo_server", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if not wait_for_port(port, server):
            return {"title": "Client overhead per call", "skipped": "echo server did not start"}
        origin = f"http://127.0.0.1:{port}"
        variants, closers, notes = _sync_variants(origin)
        try:
            sync = _measure_sync(variants, calls, blocks)
        finally:
            for client in closers:
                client.close()
        async_, more = asyncio.run(_measure_async(origin, calls, blocks))
    finally:
        stop(server)
    notes += more
    notes.append(f"{blocks} blocks of {calls} sequential calls per variant, interleaved")
    return {
        "title": "Client overhead per call",
        "rows": _rows("sync", sync) + _rows("async", async_),
        "notes": notes,
    }
