"""`specforge conform` against live servers: it fails fast and clearly before sending anything."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from specforge.cli import main
from specforge.conformance.runner import ConformOptions, conform
from tests.conftest import ROOT
from tests.signals import interruptible

SPEC = ROOT / "spec" / "together-videos.yaml"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    origin = f"http://127.0.0.1:{_closed_port()}"
    code = main(["conform", "--spec", str(SPEC), "--base-url", origin, "--api-key", "k" * 20])
    captured = capsys.readouterr()
    assert code == 2
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"cannot connect to {origin}" in lines[0], captured.err
    assert "violation" not in captured.out


@pytest.mark.parametrize("flag", ["--report", "--junit-xml"])
def test_a_report_path_that_cannot_be_written_fails_before_the_run(
    flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    code = main(["conform", "--spec", str(SPEC), flag, str(folder)])
    captured = capsys.readouterr()
    assert code == 2 and "is a folder" in captured.err
    assert "planning" not in captured.out  # refused before the run started


def test_ctrl_c_marks_the_report_interrupted_and_exits_130(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "specforge", "conform", "--spec", str(SPEC)),
            # every answer of the embedded mock waits 300 ms, so the run is still going at 3 s
            *("--report", str(report), "--max-examples", "200", "--fault", "latency=300"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the run has started once it has planned
    assert "planning" in first
    time.sleep(3.0)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, (out[-2000:], err[-2000:])
    assert "Interrupted" in report.read_text(encoding="utf-8")
    assert "interrupted" in out


class _AcceptEverything(BaseHTTPRequestHandler):
    """A careless server: 200 with an empty JSON object to every request; counts what it got."""

    unsafe: ClassVar[list[str]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        if self.command != "GET":
            self.unsafe.append(self.command)
        body = b"{}"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize("budget", [0, 3])
def test_the_budget_counts_every_accepted_unsafe_request_and_stops_there(budget: int) -> None:
    """Every 2xx to an unsafe method spends the budget, whether the suite expected it or not
    (the server accepts invalid bodies too): the server sees exactly `budget` of them."""
    _AcceptEverything.unsafe = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AcceptEverything)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        options = ConformOptions(
            spec=SPEC, base_url=origin, api_key="k" * 24, budget=budget, max_examples=10
        )
        code = conform(options, out=io.StringIO()).exit_code
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1  # a server that accepts everything is not conformant
    assert len(_AcceptEverything.unsafe) == budget


def test_a_cassette_of_the_failures_replays_against_the_server(tmp_path: Path) -> None:
    """The failures of a run against a careless server are written as a cassette (the key shown
    as ${VAR}, never its value); replayed on the same server, each reproduces."""
    _AcceptEverything.unsafe = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AcceptEverything)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "failures.yaml"
    key = "cassette-key-0123456789"
    try:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        options = ConformOptions(
            spec=SPEC, base_url=origin, api_key=key, max_examples=5, budget=50, cassette=cassette
        )
        assert conform(options, out=io.StringIO()).exit_code == 1
        text = cassette.read_text(encoding="utf-8")
        assert key not in text and "${TOGETHER_API_KEY}" in text
        interactions = yaml.safe_load(text)["http_interactions"]
        assert interactions and all(i["request"]["uri"].startswith(origin) for i in interactions)
        env = {**os.environ, "TOGETHER_API_KEY": key}
        again = subprocess.run(
            [sys.executable, "-m", "specforge", "replay", str(cassette), "--base-url", origin],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=ROOT,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"{len(interactions)} of {len(interactions)} reproduced" in again.stdout
