"""Render one run's results as Markdown (for people) and JSON (for machines)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.stats import fmt_num, fmt_ratio


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _spread(entry: dict[str, Any], scale: float = 1.0, digits: int = 2) -> str:
    if not entry or not entry.get("ok", entry.get("median") is not None):
        return "failed" if entry else "n/a"
    return f"{fmt_num(entry['median'] * scale, digits)} (±{entry['spread_pct']:.0f}%, n={entry['runs']})"


def _mib(entry: dict[str, Any]) -> str:
    return fmt_num(entry.get("peak_mib"), 0) if entry and entry.get("ok") else "n/a"


def generation(section: dict[str, Any]) -> list[str]:
    header = ["spec", "ops", "specforge cold s", "MiB", "--no-cache s",
              "openapi-python-client s", "MiB", "datamodel-codegen s", "MiB", "parse floor s",
              "libyaml floor s", "vs opc", "vs dmcg", "vs floor", "lines ours / opc"]  # fmt: skip
    rows = []
    for row in section["rows"]:
        tools = row["tools"]
        sf, opc = tools["specforge"], tools.get("openapi-python-client", {})
        dm = tools["datamodel-codegen"]
        lines = f"{sf.get('python_lines', 0)} / {opc.get('python_lines', 'n/a')}"
        rows.append([
            row["spec"], str(row["operations"] or "?"), _spread(sf), _mib(sf),
            _spread(tools.get("specforge --no-cache", {})), _spread(opc), _mib(opc),
            _spread(dm), _mib(dm), _spread(tools["parse floor"]),
            _spread(tools["parse floor (libyaml)"]), fmt_ratio(row["vs_openapi_python_client"]),
            fmt_ratio(row.get("vs_datamodel_codegen")), fmt_ratio(row["vs_parse_floor"]), lines,
        ])  # fmt: skip
    lines = ["Cold: an empty cache folder (`--no-cache`: none at all).", ""]
    lines += _table(header, rows)
    cached = []
    for row in section["rows"]:
        tools = row["tools"]
        warm, check = tools.get("specforge warm", {}), tools.get("specforge check (warm)", {})
        changed = tools.get("specforge one changed", {})
        cached.append([
            row["spec"], _spread(tools["specforge"]), _spread(warm), _mib(warm), _spread(check),
            _mib(check), _spread(changed), _mib(changed), fmt_ratio(row.get("warm_vs_cold")),
            fmt_ratio(row.get("changed_vs_cold")), str(row.get("changed_schema", "")),
        ])  # fmt: skip
    lines += ["From the cache: the same spec again (warm), `specforge check` on it, and the "
              "spec with one schema changed.", ""]  # fmt: skip
    lines += _table(
        ["spec", "cold s", "warm s", "MiB", "check (warm) s", "MiB", "one changed s", "MiB",
         "warm / cold", "one changed / cold", "schema changed"],
        cached,
    )  # fmt: skip
    workers = []
    for row in section["rows"]:
        tools = row["tools"]
        load = row.get("load") or []
        seen = " → ".join(f"{figures[0]:.2f}" for figures in load if figures)
        workers.append([
            row["spec"], _spread(tools["specforge"]), _mib(tools["specforge"]),
            _spread(tools.get("specforge serial", {})), _mib(tools.get("specforge serial", {})),
            fmt_ratio(row.get("cold_vs_serial")), seen or "n/a",
        ])  # fmt: skip
    lines += ["Cold, as it runs by default (the model generator forked beside the validator, "
              "groups of schemas in worker processes when there are several big ones) and "
              "with `SPECFORGE_SERIAL=1` (all in one process), interleaved; the machine's "
              "load (1-minute average, as `uptime` shows it) when the spec's runs began and "
              "ended.", ""]  # fmt: skip
    lines += _table(["spec", "cold s", "MiB", "serial s", "MiB", "cold / serial", "load"], workers)
    failures = [
        f"- {row['spec']}: {name} failed: {' '.join(tool['error'])}"
        for row in section["rows"]
        for name, tool in row["tools"].items()
        if not tool.get("ok")
    ]
    return lines + failures + ([""] if failures else [])


def imports(section: dict[str, Any]) -> list[str]:
    rows = [
        [r["module"], _spread(r, 1000, 0), fmt_ratio(r["vs_official"]), r.get("error", "")]
        for r in section["rows"]
    ]
    return _table(["module", "import ms", "vs official", "error"], rows)


def overhead(section: dict[str, Any]) -> list[str]:
    rows = [
        [r["mode"], r["client"], f"{r['us_per_call']:.0f} (±{r['spread_pct']:.0f}%)",
         fmt_num(r["overhead_us"], 0), fmt_ratio(r["vs_raw_httpx"])]
        for r in section["rows"]
    ]  # fmt: skip
    return _table(["mode", "client", "us per call", "overhead us", "vs raw httpx"], rows)


def mock(section: dict[str, Any]) -> list[str]:
    rows = [
        [r["server"], r["body"], str(r["connections"]), str(r["status"]),
         f"{r['rps']:.0f} (±{r['rps_spread_pct']:.0f}%)", fmt_num(r["p50_ms"]),
         fmt_num(r["p99_ms"]), f"{r['non_2xx_share'] * 100:.0f}%", fmt_ratio(r["vs_prism"])]
        for r in sorted(section["rows"], key=lambda r: (r["body"], r["connections"], r["server"]))
    ]  # fmt: skip
    header = [
        "server",
        "body",
        "conns",
        "status",
        "req/s",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "vs Prism",
    ]
    return _table(header, rows)


def suite(section: dict[str, Any]) -> list[str]:
    conform, theirs = section["conform"], section["schemathesis"]
    rows = [
        ["specforge conform (embedded mock)", _spread(conform, 1, 1),
         f"{conform.get('requests')} requests", str(conform.get("requests_per_s")),
         str(conform.get("exit")), "", "1.00x"],
    ]  # fmt: skip
    if "error" in theirs:
        rows.append(["schemathesis run", theirs["error"], "", "", "", "", ""])
    for form, figures in theirs.items() if "error" not in theirs else ():
        cases = figures.get("test_cases")
        rate = cases / figures["median"] if cases and figures["median"] else None
        rows.append(
            [f"schemathesis run --checks all {'' if form == 'plain' else form}".strip(),
             _spread(figures, 1, 1), f"{cases} test cases", fmt_num(rate, 0),
             str(figures.get("exit")), str(figures.get("failures")),
             fmt_ratio(section["vs_schemathesis"].get(form))]
        )  # fmt: skip
    lines = _table(
        ["run", "seconds", "work", "per s", "exit", "failures", "ours / it (time)"], rows
    )
    if section["faults"]:
        rows = [
            [f["fault"], f["meant_for"], "yes" if f["found_by_it"] else "NO",
             f"{f['seconds']:.1f}", str(f["exit"]), ", ".join(f.get("failed_checks", []))]
            for f in section["faults"]
        ]  # fmt: skip
        lines += _table(
            ["fault", "meant for", "found by it", "s to verdict", "exit", "failing checks"], rows
        )
    return lines


def corpus(section: dict[str, Any]) -> list[str]:
    from bench.corpus import section_markdown

    return section_markdown(section)


RENDERERS = {
    "generation": generation,
    "imports": imports,
    "overhead": overhead,
    "mock": mock,
    "suite": suite,
    "corpus": corpus,
}


def markdown(results: dict[str, Any]) -> str:
    """The whole report."""
    meta = results["meta"]
    out = [
        "# specforge benchmarks",
        "",
        f"- run: {meta['date']} ({'quick' if meta['quick'] else 'full'}), "
        f"{meta['cpus']} CPU(s), Python {meta['python']}, {meta['seconds']:.0f} s in all",
        *(
            [
                f"- load (1, 5, 15 min) at the start: {meta['load'][0]}, at the end: {meta['load'][1]}"
            ]
            if meta.get("load")
            else []
        ),
        "- peers: " + ", ".join(f"{k} {v}" for k, v in sorted(meta["versions"].items())),
        "- every ratio is ours / the peer's, measured in this same run; times are medians "
        "with (±spread = (max-min)/median, n = runs)",
        "- reproduce: `make bench` (or `make bench-quick`)",
        "",
    ]
    out += [f"- peer missing: {k}: {v}" for k, v in sorted(meta["missing"].items())]
    out += ["", "## Goals", ""]
    out += _table(
        ["goal", "figure", "met", "missed by"],
        [[g["goal"], g["figure"], "yes" if g["met"] else "**no**", g["missed_by"]]
         for g in results["goals"]],
    )  # fmt: skip
    for key, section in results["sections"].items():
        number = list(RENDERERS).index(key) + 1 if key in RENDERERS else len(RENDERERS) + 1
        out += [f"## {number}. {section.get('title', key)}", ""]
        if "skipped" in section:
            out += [f"Skipped: {section['skipped']}", ""]
            continue
        if "error" in section:
            out += [f"Failed: {section['error']}", ""]
            continue
        out += RENDERERS[key](section) if key in RENDERERS else [f"(no table for {key})", ""]
        out += [f"- {note}" for note in section.get("notes", [])] + [""]
    return "\n".join(out).rstrip() + "\n"


def write(results: dict[str, Any], folder: Path, stem: str = "latest") -> tuple[Path, Path]:
    """`<stem>.md` and `<stem>.json` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / f"{stem}.md", folder / f"{stem}.json"
    md.write_text(markdown(results), encoding="utf-8")
    js.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return md, js
