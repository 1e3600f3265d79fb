"""The mock under load: no errors, no 5xx, memory flat, created jobs intact afterwards.

Bounded in `make test` (100 connections for about 5 s, Python generator, and `wrk` when it is
installed); `make fuzz` holds 100 and 1,000 connections for 60 s each.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from specforge.conformance.load import (
    LoadResult,
    MockProcess,
    http_request,
    mock_process,
    run_load,
    run_wrk,
)

ROOT = Path(__file__).resolve().parents[1]
WITH_RETRIEVE = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"
AUTH = {"Authorization": "Bearer load-test-key"}
MEMORY_SLACK_KIB = 50 * 1024
LONG = pytest.mark.skipif(
    os.environ.get("SPECFORGE_HYPOTHESIS_PROFILE") != "fuzz",
    reason="long load run: `make fuzz` runs it",
)
NEEDS_WRK = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[MockProcess]:
    with mock_process(WITH_RETRIEVE, log_dir=tmp_path) as process:
        yield process


def create_jobs(origin: str, count: int) -> list[str]:
    """Create `count` distinct jobs before the load; their ids."""
    with httpx.Client(base_url=origin, headers=AUTH) as client:
        ids = []
        for seed in range(count):
            answer = client.post("/v2/videos", json={"model": "before-load", "seed": seed})
            assert answer.status_code == 200, answer.text
            ids.append(answer.json()["id"])
    return ids


def assert_jobs_intact(origin: str, ids: list[str]) -> None:
    """Every job created before the load is still there, with its id."""
    with httpx.Client(base_url=origin, headers=AUTH) as client:
        for job_id in ids:
            answer = client.get(f"/v2/videos/{job_id}")
            assert answer.status_code == 200, (job_id, answer.text)
            assert answer.json()["id"] == job_id


def traffic(ids: list[str]) -> list[bytes]:
    """The request mix: creates (a few bodies, so state stays bounded), retrieves, unknown ids."""
    requests = [
        http_request("POST", "/v2/videos", {"model": "load", "seed": seed}, AUTH)
        for seed in range(8)
    ]
    requests += [http_request("GET", f"/v2/videos/{job_id}", None, AUTH) for job_id in ids[:8]]
    requests.append(http_request("GET", "/v2/videos/never-created", None, AUTH))
    requests.append(http_request("POST", "/v2/videos", {"model": "load", "steps": 999}, AUTH))
    return requests


def hold(mock: MockProcess, connections: int, duration: float, use_wrk: bool = False) -> None:
    """Load the mock; assert no errors, no 5xx, flat memory, state intact; print the figures."""
    ids = create_jobs(mock.origin, 50)
    start = mock.rss_kib()
    if use_wrk:
        result: LoadResult = run_wrk(
            f"{mock.origin}/v2/videos",
            method="POST",
            body={"model": "load", "seed": 1},
            headers=AUTH,
            connections=connections,
            duration=int(duration),
        )
    else:
        port = mock.port
        result = run_load(
            "127.0.0.1", port, traffic(ids), connections=connections, duration=duration
        )
    end = mock.rss_kib()
    figures = {
        "tool": "wrk" if use_wrk else "specforge.conformance.load",
        "summary": result.summary(),
        "rss_start_kib": start,
        "rss_end_kib": end,
    }
    print("LOAD " + json.dumps(figures))
    assert mock.process.poll() is None, mock.output()[-2000:]
    assert not result.errors, result.summary()
    assert result.server_errors == 0, result.summary()
    assert result.requests > 0
    allowed = {200} if use_wrk else {200, 400, 404}
    assert set(result.statuses) <= allowed, result.summary()
    assert end < start + MEMORY_SLACK_KIB, (start, end)
    assert_jobs_intact(mock.origin, ids)
    assert "Traceback" not in mock.output()


def test_load_100_connections(mock: MockProcess) -> None:
    hold(mock, connections=100, duration=5)


@NEEDS_WRK
def test_load_100_connections_wrk(mock: MockProcess) -> None:
    hold(mock, connections=100, duration=3, use_wrk=True)


@pytest.mark.fuzz
@LONG
@pytest.mark.parametrize("connections", [100, 1000])
def test_load_long(mock: MockProcess, connections: int) -> None:
    hold(mock, connections=connections, duration=60)


@pytest.mark.fuzz
@LONG
@NEEDS_WRK
@pytest.mark.parametrize("connections", [100, 1000])
def test_load_long_wrk(mock: MockProcess, connections: int) -> None:
    hold(mock, connections=connections, duration=60, use_wrk=True)
