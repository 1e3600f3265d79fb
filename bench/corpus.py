"""Section 'corpus': `specforge conform` and plain Schemathesis on the fault corpus, side by side.

Every variant of `tests/fault_corpus` (a real server on 127.0.0.1, one fault or none) is run
against both tools in turn, sequentially: a fault variant is *detected* when a tool exits
non-zero, a conformant one *flagged* (a false alarm) when it does. The report also says whether
a detection rests on a finding the tool did not also report on a conformant variant of the same
spec (a tool that flags every server of a spec detects its faults trivially).

`python -m bench.corpus` (`make corpus`) runs it alone and writes `bench/results/corpus.md` and
`corpus.json`; `make bench` runs it as a section (`--quick`: a few variants, no files).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench import report
from bench.peers import Peers

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TOOLS = ("specforge", "schemathesis")
MAX_EXAMPLES = 100
CONFORM_MAX_EXAMPLES = 100
TIMEOUT = 600.0
QUICK = ("videos/base", "videos/missing-size")
# Checks plain Schemathesis leaves out on every spec, and on some specs (its strongest
# configuration that passes the spec's conformant variants), with the reason it cannot pass them
# there (its `[[operations]]` check settings did not turn them off for one operation).
SCHEMATHESIS_EXCLUDED = ("status_code_conformance",)
SCHEMATHESIS_EXCLUDED_BY_SPEC: dict[str, dict[str, str]] = {
    "ledger": {
        # a generated If-Match is never the resource's entity tag: 412 on every replace
        "positive_data_acceptance": "a PUT guarded by If-Match: 412",
        "negative_data_rejection": "an invalid If-Match is answered 412, not in its list",
        # a replace without If-Match gets 428 (RFC 6585), which the check does not expect
        "missing_required_header": "428 for a missing If-Match",
    },
}
SCHEMATHESIS_OPTIONS = (
    "--checks", "all",
    "--phases", "examples,coverage,fuzzing,stateful",
    "--mode", "all",
    "--generation-database", "none",
    "--seed", "20240101",
    "--suppress-health-check", "all",
    "--workers", "1",
    "--no-color",
)  # fmt: skip


def _bins() -> Path:
    return Path(sys.executable).parent


def schemathesis_command(binary: Path, variant: Any, origin: str, max_examples: int) -> list[str]:
    """Plain Schemathesis against the variant: its spec, its base path, its credential."""
    spec = variant.spec
    return [
        str(binary), *_config_file(spec), "run", str(spec.path),
        "--url", origin + spec.base_path,
        *_credential_header(spec),
        "--max-examples", str(max_examples),
        "--exclude-checks", ",".join(schemathesis_excluded(spec.name)),
        *SCHEMATHESIS_OPTIONS,
    ]  # fmt: skip


def _scheme_outside_headers(spec: Any) -> str:
    """The name of the spec's API-key scheme sent in a cookie or the query ("" when its key
    travels in a header)."""
    document = yaml.safe_load(Path(spec.path).read_text(encoding="utf-8"))
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    return next(
        (
            str(name)
            for name, scheme in schemes.items()
            if scheme.get("type") == "apiKey" and scheme.get("in") in ("cookie", "query")
        ),
        "",
    )


def _config_file(spec: Any) -> list[str]:
    """A `schemathesis.toml` holding a cookie or query key (`[auth.openapi.SCHEME]`): given as
    `-H Cookie`, Schemathesis cannot leave it out of a request that should go without one, and
    `-H` cannot put it in the query."""
    scheme = _scheme_outside_headers(spec)
    if not scheme:
        return []
    config = Path(tempfile.gettempdir()) / f"specforge-bench-{spec.name}-schemathesis.toml"
    config.write_text(f"[auth.openapi.{scheme}]\napi_key = {json.dumps(spec.key)}\n")
    return ["--config-file", str(config)]


def schemathesis_excluded(spec: str) -> tuple[str, ...]:
    """The checks plain Schemathesis runs without on the spec named `spec`."""
    return (*SCHEMATHESIS_EXCLUDED, *SCHEMATHESIS_EXCLUDED_BY_SPEC.get(spec, {}))


def _credential_header(spec: Any) -> list[str]:
    return [] if _scheme_outside_headers(spec) else ["-H", spec.auth_header()]


def conform_command(
    prefix: Sequence[str], variant: Any, origin: str, max_examples: int, report_path: Path
) -> list[str]:
    """`specforge conform` against the variant (a local server: no budget worth keeping)."""
    spec = variant.spec
    return [
        *prefix, "conform",
        "--spec", str(spec.path),
        "--base-url", origin,
        "--api-key", spec.key,
        "--max-examples", str(max_examples),
        "--budget", "1000000",
        "--report", str(report_path),
    ]  # fmt: skip


@dataclass(frozen=True)
class Tools:
    """How each tool is started: the venv's `schemathesis`, and `specforge` from the work tree
    or from a snapshot of a commit (`python -m specforge` with the snapshot first on the path)."""

    specforge: tuple[str, ...]
    schemathesis: Path
    env: dict[str, str] | None
    source: str
    cwd: Path = ROOT  # where specforge runs (a snapshot's folder, so that it comes first)


@contextmanager
def tools(bins: Path, ref: str = "") -> Iterator[Tools]:
    """The tools; with `ref`, specforge from `git archive ref` (the work tree may be mid-edit)."""
    if not ref:
        yield Tools((str(bins / "specforge"),), bins / "schemathesis", None, "work tree")
        return
    with tempfile.TemporaryDirectory(prefix="specforge-snapshot-") as folder:
        archive = subprocess.run(
            ["git", "archive", ref, "specforge", "generator", "conformance", "templates"],
            cwd=ROOT, capture_output=True, check=True,
        )  # fmt: skip
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        # byte-compiled once, as installing the wheel does (the environment may forbid writing
        # bytecode, and every run would compile the package again)
        subprocess.run([str(bins / "python"), "-m", "compileall", "-q", folder], check=True)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        env = {**os.environ, "PYTHONPATH": folder}
        prefix = (str(bins / "python"), "-m", "specforge")
        yield Tools(
            prefix, bins / "schemathesis", env, f"snapshot of {ref} ({commit})", Path(folder)
        )


def _timed(
    command: list[str], timeout: float, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> tuple[int | None, float, str]:
    """Exit code (None on timeout), wall seconds and the whole output of `command`."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as sink:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            code: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
        seconds = time.perf_counter() - started
        sink.seek(0)
        output = sink.read().decode("utf-8", "replace")
    return code, seconds, output


def schemathesis_failures(output: str) -> list[str]:
    """The failure kinds of Schemathesis' summary (`ST108 Response violates schema`...)."""
    summary = output.rpartition("Failures:")[2] if "Failures:" in output else ""
    found = re.findall(r"^\s*\S+\s+(ST\d+ [^:\n]+):", summary, re.MULTILINE)
    errors = re.findall(r"^\s*\S+\s+(\w+Error[^\n]*)$", output.rpartition("Errors:")[2])
    return sorted(set(found)) + ([f"error: {errors[0]}"] if errors and "Errors:" in output else [])


def conform_failures(report_path: Path, output: str) -> list[str]:
    """The checks `specforge conform` reported failing."""
    text = report_path.read_text(encoding="utf-8") if report_path.is_file() else output
    return sorted(set(re.findall(r"^- FAIL (\w+)", text, re.MULTILINE)))


def run_variant(
    variant: Any, found: Tools, max_examples: int, conform_examples: int, timeout: float
) -> dict[str, Any]:
    """Both tools against one freshly started server each (state does not carry over)."""
    row: dict[str, Any] = {
        "name": variant.name,
        "spec": variant.spec.name,
        "kind": variant.kind,
        "description": variant.description,
    }
    with tempfile.TemporaryDirectory(prefix="specforge-corpus-") as scratch:
        report_path = Path(scratch) / "conform.md"
        for tool in TOOLS:
            with variant.running() as origin:
                if tool == "specforge":
                    command = conform_command(
                        found.specforge, variant, origin, conform_examples, report_path
                    )
                    env, cwd = found.env, found.cwd
                else:
                    command = schemathesis_command(
                        found.schemathesis, variant, origin, max_examples
                    )
                    env, cwd = None, ROOT
                code, seconds, output = _timed(command, timeout, env, cwd)
            failures = (
                conform_failures(report_path, output)
                if tool == "specforge"
                else schemathesis_failures(output)
            )
            hit = code not in (0, None)
            row[tool] = {
                "exit": code,
                "seconds": round(seconds, 2),
                "failing": failures,
                "found": hit,
                "detected": hit if variant.kind == "fault" else None,
                "flagged": hit if variant.kind == "conformant" else None,
                "timed_out": code is None,
                "tail": "" if code in (0, 1) else output[-1500:],
            }
    return row


def _novel(rows: list[dict[str, Any]]) -> None:
    """Mark each fault detection that rests on a finding no conformant variant of its spec got."""
    for tool in TOOLS:
        seen: dict[str, set[str]] = {}
        for row in rows:
            if row["kind"] == "conformant":
                seen.setdefault(row["spec"], set()).update(row[tool]["failing"])
        for row in rows:
            result = row[tool]
            noise = seen.get(row["spec"], set())
            result["novel"] = bool(result["found"]) and (
                row["kind"] == "conformant" or not set(result["failing"]) <= noise
            )


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Detections, false alarms and wall times per tool, over all variants and per spec."""
    faults = [r for r in rows if r["kind"] == "fault"]
    conformant = [r for r in rows if r["kind"] == "conformant"]

    def count(selected: list[dict[str, Any]]) -> dict[str, Any]:
        ours = {r["name"] for r in selected if r["specforge"]["found"]}
        theirs = {r["name"] for r in selected if r["schemathesis"]["found"]}
        names = {r["name"] for r in selected}
        return {
            "variants": len(selected),
            "specforge": len(ours),
            "schemathesis": len(theirs),
            "both": len(ours & theirs),
            "only_specforge": len(ours - theirs),
            "only_schemathesis": len(theirs - ours),
            "neither": len(names - ours - theirs),
            "specforge_novel": sum(1 for r in selected if r["specforge"]["novel"]),
            "schemathesis_novel": sum(1 for r in selected if r["schemathesis"]["novel"]),
        }

    def times(tool: str) -> dict[str, Any]:
        values = [r[tool]["seconds"] for r in rows]
        return {
            "total": round(sum(values), 1),
            "median": round(statistics.median(values), 2) if values else None,
            "max": round(max(values), 1) if values else None,
            "timeouts": sum(1 for r in rows if r[tool]["timed_out"]),
        }

    specs = sorted({r["spec"] for r in rows}, key=[r["spec"] for r in rows].index)
    return {
        "faults": count(faults),
        "false_alarms": {
            "conformant": len(conformant),
            "specforge": sum(1 for r in conformant if r["specforge"]["found"]),
            "schemathesis": sum(1 for r in conformant if r["schemathesis"]["found"]),
        },
        "by_spec": {
            spec: {
                "faults": count([r for r in faults if r["spec"] == spec]),
                "false_alarms": {
                    tool: sum(1 for r in conformant if r["spec"] == spec and r[tool]["found"])
                    for tool in TOOLS
                },
                "conformant": sum(1 for r in conformant if r["spec"] == spec),
            }
            for spec in specs
        },
        "seconds": {tool: times(tool) for tool in TOOLS},
    }


def run(
    peers: Peers | None = None,
    quick: bool = False,
    only: Sequence[str] = (),
    max_examples: int = MAX_EXAMPLES,
    conform_examples: int = CONFORM_MAX_EXAMPLES,
    output: Path | None = RESULTS,
    ref: str = "",
) -> dict[str, Any]:
    """Run the corpus; write `corpus.md`/`corpus.json` to `output` (not with `quick`)."""
    bins = peers.main_bin if peers is not None else _bins()
    with tools(bins, ref) as found:
        return _run(found, quick, only, max_examples, conform_examples, output)


def _run(
    found: Tools,
    quick: bool,
    only: Sequence[str],
    max_examples: int,
    conform_examples: int,
    output: Path | None,
) -> dict[str, Any]:
    from tests.fault_corpus import VARIANTS

    chosen = [v for v in VARIANTS if (v.name in only if only else not quick or v.name in QUICK)]
    if quick:
        max_examples, conform_examples = min(max_examples, 10), min(conform_examples, 5)
    started = time.perf_counter()
    meta = _meta(found, max_examples, conform_examples)  # the checkout as the run starts
    rows = []
    for index, variant in enumerate(chosen, 1):
        row = run_variant(variant, found, max_examples, conform_examples, TIMEOUT)
        rows.append(row)
        marks = " ".join(
            f"{tool} {'FOUND' if row[tool]['found'] else 'clean'} {row[tool]['seconds']:.0f}s"
            for tool in TOOLS
        )
        print(
            f"corpus: [{index}/{len(chosen)}] {variant.name}: {marks}", file=sys.stderr, flush=True
        )
    _novel(rows)
    results = {
        "meta": {**meta, "seconds": round(time.perf_counter() - started, 1)},
        "totals": totals(rows),
        "variants": rows,
    }
    if output is not None and not quick:
        output.mkdir(parents=True, exist_ok=True)
        (output / "corpus.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        (output / "corpus.md").write_text(markdown(results), encoding="utf-8")
    return {"title": "Fault corpus: specforge conform vs plain Schemathesis", **results}


def _meta(found: Tools, max_examples: int, conform_examples: int) -> dict[str, Any]:
    def version(tool: str) -> str:
        command = [*found.specforge] if tool == "specforge" else [str(found.schemathesis)]
        done = subprocess.run(
            [*command, "--version"],
            capture_output=True,
            text=True,
            check=False,
            env=found.env,
            cwd=found.cwd,
        )
        match = re.search(r"\d+\.\d+[\w.+-]*", done.stdout + done.stderr)
        return match.group(0) if match else "?"

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "corpus_committed": not git(
            "status", "--porcelain", "tests/fault_corpus", "bench/corpus.py"
        ),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "versions": {tool: version(tool) for tool in TOOLS},
        "specforge_source": found.source,
        "commands": {
            "specforge": "specforge conform --spec SPEC --base-url ORIGIN --api-key KEY "
            f"--max-examples {conform_examples} --budget 1000000",
            "schemathesis": "schemathesis run SPEC --url ORIGIN+BASE_PATH -H 'AUTH HEADER' "
            f"--max-examples {max_examples} --exclude-checks {','.join(SCHEMATHESIS_EXCLUDED)}"
            " " + " ".join(SCHEMATHESIS_OPTIONS),
        },
        "schemathesis_excluded_by_spec": SCHEMATHESIS_EXCLUDED_BY_SPEC,
    }


# -- the report ----------------------------------------------------------------------------------
def _mark(result: dict[str, Any], kind: str) -> str:
    if result["timed_out"]:
        return "timeout"
    if not result["found"]:
        return "-"
    if result["exit"] != 1:
        return f"exit {result['exit']}"
    if kind == "conformant":
        return "**FLAGGED**"
    return "found" if result["novel"] else "found (as on conformant)"


def _totals_table(t: dict[str, Any]) -> list[str]:
    faults, alarms, seconds = t["faults"], t["false_alarms"], t["seconds"]
    rows = [
        ["faults detected", str(faults["specforge"]), str(faults["schemathesis"])],
        ["... with a finding not also reported on a conformant variant",
         str(faults["specforge_novel"]), str(faults["schemathesis_novel"])],
        ["faults detected only by this tool", str(faults["only_specforge"]),
         str(faults["only_schemathesis"])],
        [f"false alarms (of {alarms['conformant']} conformant)", str(alarms["specforge"]),
         str(alarms["schemathesis"])],
        ["wall time, total s", str(seconds["specforge"]["total"]),
         str(seconds["schemathesis"]["total"])],
        ["wall time per variant, median s", str(seconds["specforge"]["median"]),
         str(seconds["schemathesis"]["median"])],
        ["wall time per variant, max s", str(seconds["specforge"]["max"]),
         str(seconds["schemathesis"]["max"])],
        ["timeouts", str(seconds["specforge"]["timeouts"]), str(seconds["schemathesis"]["timeouts"])],
    ]  # fmt: skip
    lines = report._table(["", "specforge conform", "plain Schemathesis"], rows)
    lines.append(
        f"Of {faults['variants']} faults: {faults['both']} detected by both, "
        f"{faults['only_specforge']} only by specforge conform, {faults['only_schemathesis']} "
        f"only by Schemathesis, {faults['neither']} by neither."
    )
    return [*lines, ""]


def section_markdown(section: dict[str, Any]) -> list[str]:
    """The section in `latest.md`: the totals (the per-variant table is in `corpus.md`)."""
    lines = _totals_table(section["totals"])
    return [*lines, "Per variant: `bench/results/corpus.md` (`make corpus`).", ""]


def markdown(results: dict[str, Any]) -> str:
    """The whole `corpus.md`."""
    meta, t, rows = results["meta"], results["totals"], results["variants"]
    out = [
        "# Fault corpus: specforge conform vs plain Schemathesis",
        "",
        f"- run: {meta['date']}, checkout at {meta['commit']} (corpus and bench "
        f"{'as committed' if meta['corpus_committed'] else 'with uncommitted changes'}), "
        f"{meta['cpus']} CPU(s), Python {meta['python']}, "
        f"{meta['seconds']:.0f} s in all",
        f"- versions: specforge {meta['versions']['specforge']} ({meta['specforge_source']}), "
        f"Schemathesis {meta['versions']['schemathesis']}",
        f"- specforge: `{meta['commands']['specforge']}`",
        f"- Schemathesis: `{meta['commands']['schemathesis']}`",
        "- each tool gets a freshly started server per variant; variants run one after another",
        "- detected: the tool exited non-zero on a fault variant; flagged: on a conformant one",
        "- reproduce: `make corpus`; the servers are `tests/fault_corpus/`",
        "",
        "## Totals",
        "",
        *_totals_table(t),
        "## By spec",
        "",
    ]
    spec_rows = []
    for spec, figures in t["by_spec"].items():
        f = figures["faults"]
        spec_rows.append([
            spec, str(f["variants"]), str(f["specforge"]), str(f["specforge_novel"]),
            str(f["schemathesis"]), str(f["both"]), str(f["neither"]),
            f"{figures['false_alarms']['specforge']} / {figures['conformant']}",
            f"{figures['false_alarms']['schemathesis']} / {figures['conformant']}",
        ])  # fmt: skip
    out += report._table(
        ["spec", "faults", "specforge", "specforge (own finding)", "Schemathesis", "both",
         "neither", "specforge false alarms", "Schemathesis false alarms"],
        spec_rows,
    )  # fmt: skip
    for tool, label in (("specforge", "specforge conform"), ("schemathesis", "Schemathesis")):
        missed = [r for r in rows if r["kind"] == "fault" and not r[tool]["novel"]]
        out += [f"## Faults {label} missed ({len(missed)})", ""]
        out += [f"- `{r['name']}`: {r['description']}" for r in missed] or ["none"]
        out.append("")
    out += ["## Per variant", ""]
    table = [
        [
            f"`{r['name']}`", r["kind"], r["description"],
            _mark(r["specforge"], r["kind"]), f"{r['specforge']['seconds']:.1f}",
            ", ".join(r["specforge"]["failing"]),
            _mark(r["schemathesis"], r["kind"]), f"{r['schemathesis']['seconds']:.1f}",
            ", ".join(r["schemathesis"]["failing"]),
        ]
        for r in rows
    ]  # fmt: skip
    out += report._table(
        ["variant", "kind", "what it does", "specforge", "s", "specforge failing checks",
         "Schemathesis", "s", "Schemathesis failures"],
        table,
    )  # fmt: skip
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.corpus`: the whole corpus (or `--only` variants); writes the report."""
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__)
    parser.add_argument("--only", action="append", default=[], help="a variant name (repeatable)")
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES)
    parser.add_argument("--conform-max-examples", type=int, default=CONFORM_MAX_EXAMPLES)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-write", action="store_true", help="print the totals only")
    parser.add_argument(
        "--specforge-ref",
        default="",
        metavar="REF",
        help="run specforge from a snapshot of this commit (default: the work tree)",
    )
    args = parser.parse_args(argv)
    results = run(
        only=args.only,
        max_examples=args.max_examples,
        conform_examples=args.conform_max_examples,
        output=None if args.no_write else args.output,
        ref=args.specforge_ref,
    )
    print(json.dumps(results["totals"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
