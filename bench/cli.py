"""`python -m bench`: install the peers, run each section, write `bench/results/latest.*`.

`--quick` writes `latest-quick.*` instead, so that it never replaces the full run's report.

A section whose prerequisite is missing, or that fails, is reported as such; the others run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import corpus, gen, goals, imports, mockload, overhead, peers, report, suite

SECTIONS = ("generation", "imports", "overhead", "mock", "suite", "corpus")
RESULTS = Path(__file__).resolve().parent / "results"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmarks of specforge against its peers."
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and fewer runs (under 2 minutes)"
    )
    parser.add_argument(
        "--only", action="append", choices=SECTIONS, help="run only this section (repeatable)"
    )
    parser.add_argument(
        "--target",
        action="append",
        metavar="LABEL",
        help="generation: only the specs whose label starts with this (repeatable), e.g. "
        "'full Together spec', 'synthetic 1000', 'openai.yaml'",
    )
    parser.add_argument(
        "--no-install", action="store_true", help="use the peers already installed, install none"
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"report folder (default: {RESULTS})"
    )
    return parser


def _section(name: str, body: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one section; a failure becomes an `error` entry instead of ending the bench."""
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        result = body()
    except Exception as error:  # a broken section must not take the others down
        traceback.print_exc()
        result = {"title": name, "error": f"{type(error).__name__}: {error}"}
    result["section_seconds"] = round(time.perf_counter() - started, 1)
    print(f"bench: {name} done in {result['section_seconds']} s", file=sys.stderr, flush=True)
    return result


def _load() -> list[float]:
    """The machine's load averages (1, 5, 15 minutes), as `uptime` shows them."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0 once the report is written."""
    args = _parser().parse_args(argv)
    chosen = args.only or list(SECTIONS)
    started = time.perf_counter()
    load = [_load()]
    log: list[str] = []
    found = peers.prepare(log, install=not args.no_install)
    for line in log:
        print(f"bench: {line}", file=sys.stderr)
    sections: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="specforge-bench-") as scratch:
        work = Path(scratch)
        full_package = work / "together_full"
        runners: dict[str, Callable[[], dict[str, Any]]] = {
            "generation": lambda: gen.run(found, work, args.quick, full_package, args.target),
            "imports": lambda: imports.run(found, work, full_package, args.quick),
            "overhead": lambda: overhead.run(args.quick),
            "mock": lambda: mockload.run(found, args.quick),
            "suite": lambda: suite.run(found, work, args.quick),
            "corpus": lambda: corpus.run(found, args.quick, output=args.output),
        }
        for name in SECTIONS:
            if name in chosen:
                sections[name] = _section(name, runners[name])
    results: dict[str, Any] = {
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "quick": args.quick,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "seconds": time.perf_counter() - started,
            "load": [*load, _load()],
            "versions": found.versions,
            "missing": found.missing,
        },
        "sections": sections,
        "goals": goals.all_goals(sections),
    }
    stem = "latest-quick" if args.quick else "latest"
    md, js = report.write(results, args.output, stem)
    print(f"bench: wrote {md} and {js} in {results['meta']['seconds']:.0f} s", file=sys.stderr)
    return 0
