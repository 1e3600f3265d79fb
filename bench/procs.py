"""Run a command as a child process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = Path("/usr/bin/time")


@dataclass(frozen=True)
class Measured:
    """One finished run: exit code, wall seconds, peak RSS (MiB) and the tail of its output."""

    returncode: int
    seconds: float
    peak_mib: float
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def measure(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
) -> Measured:
    """Run `command`; time it and take the peak RSS of it and the children it waited for.

    The peak comes from GNU time (`/usr/bin/time`) when present: a child forked straight from
    this (large) process would inherit its high-water mark in `ru_maxrss`. Without it,
    `os.wait4`'s figure is used (an upper bound). Both include the descendants the command
    waited for, so a tool that runs a formatter in a subprocess is measured whole.
    """
    stem = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}-{time.monotonic_ns()}"
    log, rss_file = stem.with_suffix(".log"), stem.with_suffix(".rss")
    if GNU_TIME.is_file():
        command = [str(GNU_TIME), "-q", "-f", "%M", "-o", str(rss_file), *command]
    with log.open("w+b") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        sink.seek(0)
        output = sink.read().decode("utf-8", "replace")
    log.unlink(missing_ok=True)
    peak_kib = float(usage.ru_maxrss)
    if rss_file.is_file():
        lines = rss_file.read_text(encoding="utf-8").split()
        peak_kib = float(lines[-1]) if lines and lines[-1].isdigit() else peak_kib
        rss_file.unlink()
    return Measured(process.returncode, seconds, peak_kib / 1024, output[-2000:])


def free_port() -> int:
    """A loopback TCP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    """True once 127.0.0.1:`port` accepts connections; False if `process` died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server we started, then kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
