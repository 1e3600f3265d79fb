"""`specforge conform` against live servers: it fails fast and clearly before sending anything."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from specforge.cli import main
from tests.conftest import ROOT

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
