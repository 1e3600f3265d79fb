"""Section 4: mock server throughput and latency, specforge mock vs `prism mock`, same load tool."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from typing import Any

import httpx

from bench.gen import ROOT, VIDEO_SPEC
from bench.load import LoadResult, run_load
from bench.peers import Peers
from bench.procs import free_port, stop, wait_for_port
from bench.stats import ratio, summary

API_KEY = "bench-key"
VALID = {"model": "together/video-model", "prompt": "An astronaut riding a horse"}
INVALID = {"model": "together/video-model", "prompt": "An astronaut riding a horse", "steps": 5}
BODIES = {"valid": json.dumps(VALID).encode(), "invalid (steps=5)": json.dumps(INVALID).encode()}


def _start(command: list[str], port: int) -> subprocess.Popen[bytes] | None:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NODE_ENV": "production"},
    )
    if wait_for_port(port, process, timeout=60):
        return process
    stop(process)
    return None


def _probe(origin: str) -> tuple[str | None, dict[str, int]]:
    """The path that answers the video create (/v2/videos or /videos) and each body's status."""
    headers = {"authorization": f"Bearer {API_KEY}", "content-type": "application/json"}
    seen: dict[str, int] = {}
    for path in ("/v2/videos", "/videos"):
        statuses = {
            name: httpx.post(origin + path, content=body, headers=headers, timeout=10).status_code
            for name, body in BODIES.items()
        }
        if 200 <= statuses["valid"] < 300:
            return path, statuses
        seen.update({f"{name} {path}": status for name, status in statuses.items()})
    return None, seen


def _servers(peers: Peers) -> tuple[dict[str, list[str]], list[str]]:
    notes: list[str] = []
    servers: dict[str, list[str]] = {}
    if importlib.util.find_spec("specforge.conformance.mock.server") is None:
        notes.append("specforge mock: specforge.conformance.mock is missing")
    else:
        servers["specforge mock"] = [
            *(str(peers.specforge), "mock", "--spec", str(VIDEO_SPEC), "--api-key", API_KEY)
        ]
    if peers.prism is None:
        notes.append(f"prism: {peers.missing.get('prism', 'not installed')}")
    else:
        servers["prism mock"] = [str(peers.prism), "mock", "-v", "warn", str(VIDEO_SPEC)]
    return servers, notes


def _port_args(name: str, port: int) -> list[str]:
    return (
        ["--port", str(port)]
        if name.startswith("specforge")
        else ["-h", "127.0.0.1", "-p", str(port)]
    )


def run(peers: Peers, quick: bool) -> dict[str, Any]:
    """Both servers up side by side; interleaved wrk runs per body and connection count."""
    seconds, repeats = (2.0, 1) if quick else (3.0, 3)
    servers, notes = _servers(peers)
    if "specforge mock" not in servers:
        return {"title": "Mock server throughput", "skipped": "; ".join(notes)}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    urls: dict[str, str] = {}
    statuses: dict[str, dict[str, int]] = {}
    samples: dict[tuple[str, str, int], list[LoadResult]] = {}
    try:
        for name, command in servers.items():
            port = free_port()
            process = _start(command + _port_args(name, port), port)
            if process is None:
                notes.append(f"{name}: did not start")
                continue
            processes[name] = process
            path, statuses[name] = _probe(f"http://127.0.0.1:{port}")
            if path is None:
                notes.append(f"{name}: no path answered a valid create with 2xx: {statuses[name]}")
                continue
            urls[name] = f"http://127.0.0.1:{port}{path}"
            run_load(peers.wrk, urls[name], BODIES["valid"], API_KEY, 10, 1.0)  # warm-up
        for _ in range(repeats):
            for body_name, body in BODIES.items():
                for connections in (10, 100):
                    for name, url in urls.items():
                        result = run_load(peers.wrk, url, body, API_KEY, connections, seconds)
                        samples.setdefault((name, body_name, connections), []).append(result)
    finally:
        for process in processes.values():
            stop(process)
    rows = []
    for (name, body_name, connections), results in samples.items():
        rps = summary([r.rps for r in results])
        rows.append(
            {
                "server": name,
                "body": body_name,
                "connections": connections,
                "status": statuses[name][body_name],
                "rps": rps["median"],
                "rps_spread_pct": rps["spread_pct"],
                "p50_ms": summary([r.p50_ms for r in results])["median"],
                "p99_ms": summary([r.p99_ms for r in results])["median"],
                "non_2xx_share": sum(r.non_2xx for r in results)
                / max(1, sum(r.requests for r in results)),
                "runs": len(results),
            }
        )
    by_key = {(r["server"], r["body"], r["connections"]): r["rps"] for r in rows}
    for row in rows:
        row["vs_prism"] = ratio(
            row["rps"], by_key.get(("prism mock", row["body"], row["connections"]))
        )
    tool = "wrk -t2" if peers.wrk else "bench.load (Python asyncio)"
    notes.append(f"load tool: {tool}; {repeats} run(s) of {seconds:g} s per cell, interleaved")
    notes.append("Prism runs with `-v warn` (no per-request log lines), its fastest setting")
    return {"title": "Mock server throughput", "rows": rows, "notes": notes, "statuses": statuses}
