"""The issue's goals, checked against the figures of one run (met, or missed by how much)."""

from __future__ import annotations

from typing import Any


def _goal(name: str, figure: str, met: bool | None, miss: str = "") -> dict[str, Any]:
    return {"goal": name, "figure": figure, "met": met, "missed_by": "" if met else miss}


def generation_goals(section: dict[str, Any]) -> list[dict[str, Any]]:
    rows = section.get("rows", [])
    goals = []
    known = [(r["spec"], r["vs_openapi_python_client"]) for r in rows]
    known = [(s, v) for s, v in known if v is not None]
    if known:
        spec, worst = max(known, key=lambda item: item[1])
        goals.append(
            _goal(
                "cold generation at most 0.5x openapi-python-client at every size",
                ", ".join(f"{s}: {v:.2f}x" for s, v in known),
                worst <= 0.5,
                f"{worst / 0.5:.2f}x over the bound on {spec}",
            )
        )
    full = next((r for r in rows if r["spec"] == "full Together spec"), None)
    check = full["tools"].get("specforge check (warm)", {}) if full else {}
    if check.get("median") is not None:
        seconds = check["median"]
        goals.append(
            _goal(
                "`specforge check` on the unchanged full Together spec under 1 s",
                f"{seconds:.2f} s",
                seconds < 1,
                f"{seconds - 1:.2f} s over",
            )
        )
    changed = [(r["spec"], r.get("changed_vs_cold")) for r in rows]
    changed = [(s, v) for s, v in changed if v is not None]
    if changed:
        spec, worst = max(changed, key=lambda item: item[1])
        goals.append(
            _goal(
                "one changed schema under 20% of a cold run at every size",
                ", ".join(f"{s}: {v * 100:.0f}%" for s, v in changed),
                worst < 0.2,
                f"{worst * 100:.0f}% of a cold run on {spec}",
            )
        )
    return goals


def import_goals(section: dict[str, Any]) -> list[dict[str, Any]]:
    rows = {r["module"]: r for r in section.get("rows", [])}
    ours = rows.get("together_full (ours, full spec)")
    official = rows.get("together (official SDK)")
    if not ours or not official or ours["median"] is None or official["median"] is None:
        return []
    value = ours["median"] / official["median"]
    return [
        _goal(
            "import of the full-spec package not slower than the official SDK",
            f"{ours['median'] * 1000:.0f} ms vs {official['median'] * 1000:.0f} ms ({value:.2f}x)",
            value <= 1,
            f"{(value - 1) * 100:.0f}% slower",
        )
    ]


def overhead_goals(section: dict[str, Any]) -> list[dict[str, Any]]:
    goals = []
    for mode in ("sync", "async"):
        rows = {r["client"]: r for r in section.get("rows", []) if r["mode"] == mode}
        official = rows.get("together (official)")
        for name, row in rows.items():
            if not name.startswith("specforge") or row["vs_raw_httpx"] is None:
                continue
            value = row["vs_raw_httpx"]
            goals.append(
                _goal(
                    f"{mode} {name}: under 1.3x raw httpx",
                    f"{value:.2f}x ({row['overhead_us']:.0f} us overhead per call)",
                    value < 1.3,
                    f"{value / 1.3:.2f}x over the bound ({row['overhead_us']:.0f} us per call)",
                )
            )
            if official and official["us_per_call"]:
                versus = row["us_per_call"] / official["us_per_call"]
                goals.append(
                    _goal(
                        f"{mode} {name}: faster than the official SDK",
                        f"{versus:.2f}x the official SDK's time per call",
                        versus < 1,
                        f"{(versus - 1) * 100:.0f}% slower",
                    )
                )
    return goals


def mock_goals(section: dict[str, Any]) -> list[dict[str, Any]]:
    goals = []
    for row in section.get("rows", []):
        if row["server"] != "specforge mock" or row["vs_prism"] is None:
            continue
        value = row["vs_prism"]
        goals.append(
            _goal(
                f"mock >= {MOCK_VS_PRISM:g}x Prism req/s ({row['body']}, "
                f"{row['connections']} connections)",
                f"{row['rps']:.0f} req/s, {value:.2f}x Prism",
                value >= MOCK_VS_PRISM,
                f"reaches {value / MOCK_VS_PRISM * 100:.0f}% of the {MOCK_VS_PRISM:g}x goal",
            )
        )
        if row["connections"] == 10:
            goals.append(
                _goal(
                    f"mock p99 under {MOCK_P99_MS:g} ms ({row['body']}, 10 connections)",
                    f"{row['p99_ms']:.2f} ms",
                    row["p99_ms"] < MOCK_P99_MS,
                    f"{row['p99_ms'] - MOCK_P99_MS:.2f} ms over",
                )
            )
    return goals


MOCK_VS_PRISM = 3.0  # the mock's requests per second, at least this many times Prism's
MOCK_P99_MS = 5.0  # the mock's 99th percentile latency at 10 connections


def suite_goals(section: dict[str, Any]) -> list[dict[str, Any]]:
    conform = section.get("conform")
    if not conform or conform.get("median") is None:
        return []
    goals = [
        _goal(
            "`specforge conform` against the embedded mock under 60 s",
            f"{conform['median']:.1f} s",
            conform["median"] < 60,
            f"{conform['median'] - 60:.1f} s over",
        )
    ]
    faults = section.get("faults", [])
    if faults:
        found = sum(1 for f in faults if f["found_by_it"])
        goals.append(
            _goal(
                "each fault found by the check meant for it",
                f"{found}/{len(faults)}",
                found == len(faults),
                ", ".join(f["fault"] for f in faults if not f["found_by_it"]),
            )
        )
    return goals


def all_goals(sections: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every goal whose section ran."""
    checks = {
        "generation": generation_goals,
        "imports": import_goals,
        "overhead": overhead_goals,
        "mock": mock_goals,
        "suite": suite_goals,
    }
    goals: list[dict[str, Any]] = []
    for key, check in checks.items():
        if key in sections and "skipped" not in sections[key]:
            goals += check(sections[key])
    return goals
