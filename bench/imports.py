"""Section 2: import time of the generated package (full spec) and of one resource, cold process.

Each figure is the time of the `import` statement in a fresh interpreter (after one warm-up
run that writes the bytecode caches), so interpreter start-up is left out for every side.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from bench.gen import FULL_PACKAGE, FULL_SPEC
from bench.peers import Peers
from bench.procs import measure
from bench.stats import ratio, summary

_PROBE = (
    "import time; t = time.perf_counter(); import {module}; "
    "print(f'IMPORT {{time.perf_counter() - t:.6f}}')"
)


def import_seconds(module: str, pythonpath: str, runs: int) -> tuple[list[float], str]:
    """Seconds to import `module` in `runs` fresh interpreters (after a warm-up), or an error."""
    env = {**os.environ, "PYTHONPATH": pythonpath}
    command = [sys.executable, "-c", _PROBE.format(module=module)]
    measure(command, env=env, timeout=120)
    values: list[float] = []
    for _ in range(runs):
        done = measure(command, env=env, timeout=120)
        if not done.ok:
            return [], done.output.strip().splitlines()[-1] if done.output.strip() else "failed"
        line = next(x for x in done.output.splitlines() if x.startswith("IMPORT "))
        values.append(float(line.split()[1]))
    return values, ""


def ensure_full_package(peers: Peers, work: Path, full_package: Path) -> str:
    """Generate the full-spec package into `full_package` unless section 1 left it there."""
    if (full_package / "src" / FULL_PACKAGE).is_dir():
        return ""
    if not FULL_SPEC.is_file():
        return f"full Together spec: {FULL_SPEC} is absent"
    done = measure(
        [str(peers.specforge), "generate", "--spec", str(FULL_SPEC), "--lenient",
         "--output", str(full_package), "--package", FULL_PACKAGE],
        cwd=work, timeout=600,
    )  # fmt: skip
    return "" if done.ok else f"generating the full-spec package failed: {done.output[-300:]}"


def run(peers: Peers, work: Path, full_package: Path, quick: bool) -> dict[str, Any]:
    """Import times of ours (full spec, one resource, the committed video SDK) vs `together`."""
    runs = 5 if quick else 9
    src = full_package / "src"
    cases = [
        ("together (official SDK)", "together", ""),
        ("together.resources.videos (official)", "together.resources.videos", ""),
        ("together_videos (committed, video spec)", "together_videos", ""),
    ]
    notes: list[str] = []
    if quick:
        notes.append("--quick: the full-spec package is not generated; `make bench` imports it")
    elif not (problem := ensure_full_package(peers, work, full_package)):
        cases += [
            ("together_full (ours, full spec)", "together_full", str(src)),
            ("together_full.resources.videos (ours)", "together_full.resources.videos", str(src)),
        ]
    else:
        notes.append(problem)
    rows = []
    results: dict[str, float | None] = {}
    for label, module, path in cases:
        values, error = import_seconds(module, path, runs)
        entry: dict[str, Any] = {"module": label, **summary(values)}
        if error:
            entry["error"] = error
        rows.append(entry)
        results[module] = entry["median"]
    official = results.get("together")
    for entry, (_, module, _) in zip(rows, cases, strict=True):
        entry["vs_official"] = ratio(results.get(module), official)
    return {"title": "Import time (cold interpreter)", "rows": rows, "notes": notes}
