"""Keeps the benchmark modules importable and one tiny generation measurable (no bench runs)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from bench import cli, gen, goals, imports, load, mockload, overhead, peers, report, suite, synth
from bench.procs import measure


def test_modules_import() -> None:
    for module in (cli, gen, goals, imports, load, mockload, overhead, peers, report, suite):
        assert module.__doc__


def test_synthetic_spec_generates(tmp_path: Path) -> None:
    spec = synth.write_synthetic_spec(tmp_path, 10)
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    operations = sum(len(item) - ("parameters" in item) for item in document["paths"].values())
    assert operations == 10
    assert len(document["components"]["schemas"]) == 10
    specforge = Path(sys.executable).parent / "specforge"
    done = measure(
        [str(specforge), "generate", "--spec", str(spec), "--output", str(tmp_path / "out"),
         "--package", "bench_smoke"],
        timeout=60,
    )  # fmt: skip
    assert done.ok, done.output
    assert done.seconds > 0 and done.peak_mib > 0
    assert (tmp_path / "out" / "src" / "bench_smoke" / "models.py").is_file()


def test_report_renders_a_minimal_run() -> None:
    results = {
        "meta": {"date": "now", "quick": True, "cpus": 2, "python": "3", "seconds": 1.0,
                 "versions": {}, "missing": {"prism": "not installed"}},
        "sections": {"mock": {"title": "Mock server throughput", "skipped": "no mock"}},
        "goals": [],
    }  # fmt: skip
    text = report.markdown(results)
    assert "Skipped: no mock" in text and "prism: not installed" in text


def test_wrk_report_is_parsed() -> None:
    sample = (
        "  Latency Distribution\n     50%    1.50ms\n     75%    2.00ms\n     90%    3.00ms\n"
        "     99%   10.00ms\n  12345 requests in 5.00s, 3.00MB read\n"
        "  Non-2xx or 3xx responses: 12345\nRequests/sec:   2469.00\n"
    )
    result = load.parse_wrk(sample)
    assert (result.requests, result.rps, result.p50_ms, result.p99_ms) == (12345, 2469.0, 1.5, 10.0)
    assert result.non_2xx == 12345
