"""Section 5: the conformance suite's time and rate, time to find each fault, vs Schemathesis."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path
from typing import Any

from bench.gen import ROOT, VIDEO_SPEC
from bench.peers import Peers
from bench.procs import free_port, measure, stop, wait_for_port
from bench.stats import ratio, summary

LIFECYCLE_SPEC = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"
QUICK_FAULTS: tuple[str, ...] = ()


def _report_figures(report: Path) -> dict[str, Any]:
    """Requests sent, requests/s and failing checks from a `specforge conform` report."""
    if not report.is_file():
        return {}
    text = report.read_text(encoding="utf-8")
    sent = re.search(r"requests: (\d+) sent", text)
    rate = re.search(r"\((\d+) requests/s overall\)", text)
    return {
        "requests": int(sent.group(1)) if sent else None,
        "requests_per_s": int(rate.group(1)) if rate else None,
        "failed_checks": sorted(set(re.findall(r"^- FAIL (\w+)", text, re.MULTILINE))),
    }


def _conform(peers: Peers, work: Path, spec: Path, fault: str = "") -> dict[str, Any]:
    report = work / f"conform-{fault or 'clean'}.md"
    command = [str(peers.specforge), "conform", "--spec", str(spec), "--report", str(report)]
    if fault:
        command += ["--fault", fault]
    done = measure(command, cwd=ROOT, timeout=300)
    return {"seconds": done.seconds, "exit": done.returncode, **_report_figures(report)}


def _fault_rows(peers: Peers, work: Path, quick: bool) -> list[dict[str, Any]]:
    from specforge.conformance.faults import FAULTS

    rows = []
    for name, info in FAULTS.items():
        if not info.detected_by or (quick and name not in QUICK_FAULTS):
            continue
        spec = LIFECYCLE_SPEC if info.detected_by.startswith("lifecycle") else VIDEO_SPEC
        result = _conform(peers, work, spec, name)
        found = info.detected_by in result.get("failed_checks", [])
        rows.append({"fault": name, "meant_for": info.detected_by, "found_by_it": found, **result})
    return rows


def _st_figures(output: str) -> dict[str, Any]:
    cases = re.search(r"(\d+) generated", output)
    failures = re.search(r"(\d+) unique failures?", output)
    return {
        "test_cases": int(cases.group(1)) if cases else None,
        "failures": int(failures.group(1)) if failures else 0,
    }


def _schemathesis(peers: Peers, runs: int) -> dict[str, Any]:
    """`schemathesis run --checks all` against the specforge mock of the video spec.

    Two forms: plain (stops an operation at its first failure, Schemathesis' default) and
    with `--continue-on-failure` (explores as far as our suite does).
    """
    port = free_port()
    mock = subprocess.Popen(
        [str(peers.specforge), "mock", "--spec", str(VIDEO_SPEC), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    forms: dict[str, Any] = {}
    try:
        if not wait_for_port(port, mock):
            return {"error": "the mock did not start"}
        command = [
            str(peers.schemathesis), "run", str(VIDEO_SPEC), "--url",
            f"http://127.0.0.1:{port}/v2", "--checks", "all", "-H",
            "Authorization: Bearer bench-key", "--no-color",
        ]  # fmt: skip
        for form, extra in (("plain", []), ("--continue-on-failure", ["--continue-on-failure"])):
            results = [measure(command + extra, cwd=ROOT, timeout=600) for _ in range(runs)]
            forms[form] = {
                **summary([r.seconds for r in results]),
                "exit": results[-1].returncode,
                **_st_figures(results[-1].output),
            }
    finally:
        stop(mock)
    return forms


def run(peers: Peers, work: Path, quick: bool) -> dict[str, Any]:
    """`specforge conform` (clean and per fault) and plain Schemathesis, same spec and mock."""
    if importlib.util.find_spec("specforge.cli.conform") is None:
        return {"title": "Conformance suite", "skipped": "specforge conform does not exist yet"}
    runs = 1 if quick else 3
    clean = [_conform(peers, work, VIDEO_SPEC) for _ in range(runs)]
    ours = summary([c["seconds"] for c in clean])
    theirs = _schemathesis(peers, min(runs, 2))
    faults = _fault_rows(peers, work, quick)
    notes = [
        "time until a fault is found = the whole `specforge conform --fault NAME` run "
        "(the suite reports once it has run every check)",
        f"lifecycle faults run on {LIFECYCLE_SPEC.relative_to(ROOT)} (the video spec has no "
        "retrieve operation)",
    ]
    if quick:
        notes.append("--quick: no fault runs (`make bench` runs one per fault)")
    return {
        "title": "Conformance suite",
        "conform": {**ours, "exit": clean[-1]["exit"], **{k: clean[-1].get(k) for k in (
            "requests", "requests_per_s")}},
        "schemathesis": theirs,
        "vs_schemathesis": {
            form: ratio(ours["median"], figures.get("median")) for form, figures in theirs.items()
        },
        "faults": faults,
        "notes": notes,
    }  # fmt: skip
