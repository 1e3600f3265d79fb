"""Section 1: generation time and peak memory against size, cold and from the cache.

Each round, for each spec: specforge cold (an empty cache folder), warm (the same spec again:
the package comes from the cache), `specforge check` on the unchanged spec (warm), then the
spec with one component schema changed (`bench.onechange`) with the warm cache; beside them
openapi-python-client, datamodel-codegen and the YAML parse floors. The first round also runs
specforge with `--no-cache` (what the cache costs a cold run). Rounds interleave the tools.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.onechange import write_changed
from bench.peers import Peers
from bench.procs import Measured, measure
from bench.stats import ratio, summary
from bench.synth import write_synthetic_spec

ROOT = Path(__file__).resolve().parents[1]
VIDEO_SPEC = ROOT / "spec" / "together-videos.yaml"
FULL_SPEC = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"
FULL_PACKAGE = "together_full"
# Real public specs over 1 MB (tests/real_specs.py's manifest; fetched by `make real-specs`).
REAL_SPECS = ("openai.yaml", "box.json")
# specforge's runs, in the order a round makes them (the one-changed run needs the warm cache).
OURS = ("specforge", "specforge warm", "specforge check (warm)", "specforge one changed")
NO_CACHE = "specforge --no-cache"
SERIAL = "specforge serial"  # cold, SPECFORGE_SERIAL=1: no forked model generator, no workers

_FLOOR = (
    "import sys; from pathlib import Path; from specforge.document.loader import load_spec; "
    "load_spec(Path(sys.argv[1]), allow_external_refs=False)"
)
_FLOOR_LIBYAML = (
    "import sys, yaml; yaml.load(open(sys.argv[1], encoding='utf-8').read(), "
    "Loader=yaml.CSafeLoader)"
)


@dataclass(frozen=True)
class Target:
    """One spec to generate from."""

    label: str
    spec: Path
    operations: int | None
    lenient: bool = False
    package: str = "bench_sdk"


def targets(work: Path, quick: bool) -> tuple[list[Target], list[str]]:
    """The specs of this run (synthetic ones are written into `work`) and what was skipped."""
    skipped: list[str] = []
    chosen = [Target("video spec", VIDEO_SPEC, 1)]
    if quick:
        skipped.append("full Together spec and real specs over 1 MB: left out by --quick")
    elif FULL_SPEC.is_file():
        chosen.append(Target("full Together spec", FULL_SPEC, None, True, FULL_PACKAGE))
    else:
        skipped.append(f"full Together spec: {FULL_SPEC} is absent")
    for size in (10, 100) if quick else (10, 100, 1000, 5000):
        chosen.append(Target(f"synthetic {size}", write_synthetic_spec(work / "specs", size), size))
    if not quick:
        found, missing = real_specs()
        chosen += found
        skipped += missing
    return chosen, skipped


def real_specs() -> tuple[list[Target], list[str]]:
    """The REAL_SPECS present (and intact) in the real-spec cache, and a note for each other."""
    from tests.real_specs import BY_NAME, locate

    found: list[Target] = []
    missing: list[str] = []
    for name in REAL_SPECS:
        spec = BY_NAME[name]
        path, why = locate(spec)
        if path is None:
            missing.append(f"{name}: {why}")
            continue
        size = f"{spec.size / 1e6:.1f} MB"
        found.append(Target(f"{name} ({size})", path, spec.operations, lenient=True))
    return found, missing


def _python_lines(folder: Path) -> int:
    """Lines of Python a tool wrote (what it generated, to compare output sizes)."""
    if not folder.exists():
        return 0
    return sum(
        len(path.read_text(encoding="utf-8", errors="replace").splitlines())
        for path in folder.rglob("*.py")
    )


def _commands(
    peers: Peers, target: Target, out: Path, changed: Path
) -> dict[str, list[str] | None]:
    spec, cache = str(target.spec), str(out / "cache")
    sf = str(out / "sf")
    settings = ["--package", target.package, *(["--lenient"] if target.lenient else [])]
    specforge = [str(peers.specforge), "generate", "--output", sf, *settings]
    opc = peers.openapi_python_client
    return {
        "specforge": [*specforge, "--spec", spec, "--cache-dir", cache],
        "specforge warm": [*specforge, "--spec", spec, "--cache-dir", cache],
        "specforge check (warm)": [
            str(peers.specforge), "check", "--spec", spec, "--output", sf, *settings,
            "--cache-dir", cache,
        ],
        "specforge one changed": [*specforge, "--spec", str(changed), "--cache-dir", cache],
        SERIAL: [
            str(peers.specforge), "generate", "--output", str(out / "sf-serial"), *settings,
            "--spec", spec, "--cache-dir", str(out / "cache-serial"),
        ],
        NO_CACHE: [
            str(peers.specforge), "generate", "--output", str(out / "sf-no-cache"), *settings,
            "--spec", spec, "--no-cache",
        ],
        "openapi-python-client": [
            str(opc), "generate", "--path", spec, "--output-path", str(out / "opc"), "--overwrite"
        ]
        if opc
        else None,
        "datamodel-codegen": [
            str(peers.datamodel_codegen), "--input", spec, "--input-file-type", "openapi",
            "--output", str(out / "dmcg" / "models"), "--output-model-type",
            "pydantic_v2.BaseModel", "--use-annotated", "--field-constraints",
            "--disable-timestamp",
        ],
        "parse floor": [sys.executable, "-c", _FLOOR, spec],
        "parse floor (libyaml)": [sys.executable, "-c", _FLOOR_LIBYAML, spec],
    }  # fmt: skip


def _env(peers: Peers) -> dict[str, str]:
    """PATH puts the peers' venv first so openapi-python-client finds its own ruff hook."""
    path = os.environ.get("PATH", "")
    if peers.peers_bin:
        path = f"{peers.peers_bin}{os.pathsep}{path}"
    env = {**os.environ, "PATH": path, "PYTHONPATH": str(ROOT)}
    env.pop("SPECFORGE_CACHE_DIR", None)  # every run names its cache folder
    return env


def _rounds(first_round_seconds: float, quick: bool) -> int:
    """How many interleaved rounds a target gets, by what its first round cost."""
    if quick:
        return 2 if first_round_seconds < 10 else 1
    if first_round_seconds < 10:
        return 5
    if first_round_seconds < 25:
        return 3
    if first_round_seconds < 90:
        return 2
    return 1


def _clean(out: Path, name: str) -> None:
    """What a run must not find from the one before (the cold run: no package, no cache)."""
    if name == "specforge":
        for folder in ("sf", "cache"):
            shutil.rmtree(out / folder, ignore_errors=True)
    elif name == NO_CACHE:
        shutil.rmtree(out / "sf-no-cache", ignore_errors=True)
    elif name == SERIAL:
        for folder in ("sf-serial", "cache-serial"):
            shutil.rmtree(out / folder, ignore_errors=True)
    elif not name.startswith("specforge") and name.split()[0] != "parse":
        shutil.rmtree(out / {"openapi-python-client": "opc"}.get(name, "dmcg"), ignore_errors=True)


def bench_target(
    peers: Peers, target: Target, work: Path, quick: bool, keep: Path | None = None
) -> dict[str, Any]:
    """Interleaved rounds of every tool on one spec; medians, spreads, peak memory, ratios."""
    out = work / "out" / re.sub(r"[^A-Za-z0-9.-]+", "-", target.label)
    changed, schema = write_changed(target.spec, work / "changed")
    commands = _commands(peers, target, out, changed)
    env = _env(peers)
    serial_env = {**env, "SPECFORGE_SERIAL": "1"}
    load = [_load()]
    runs: dict[str, list[Measured]] = {name: [] for name, cmd in commands.items() if cmd}
    rounds, done = 1, 0
    while done < rounds:
        started = time.perf_counter()
        for name, command in commands.items():
            if command is None or (name == NO_CACHE and done):
                continue
            _clean(out, name)
            chosen_env = serial_env if name == SERIAL else env
            runs[name].append(measure(command, cwd=work, env=chosen_env, timeout=900))
            if name == "specforge warm" and keep is not None and runs[name][-1].ok:
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(out / "sf", keep)
        done += 1
        if done == 1:
            rounds = _rounds(time.perf_counter() - started, quick)
    load.append(_load())
    tools: dict[str, Any] = {}
    for name, measured in runs.items():
        good = [m for m in measured if m.ok]
        entry: dict[str, Any] = {"ok": bool(good), **summary([m.seconds for m in good])}
        entry["peak_mib"] = max((m.peak_mib for m in good), default=None)
        if not good:
            entry["error"] = measured[-1].output.strip().splitlines()[-1:] or ["(no output)"]
        tools[name] = entry
    tools["specforge"]["python_lines"] = _python_lines(out / "sf-no-cache")
    if "openapi-python-client" in tools:
        tools["openapi-python-client"]["python_lines"] = _python_lines(out / "opc")
    tools["datamodel-codegen"]["python_lines"] = _python_lines(out / "dmcg")
    counted = re.search(r"(\d+) operations", runs["specforge"][-1].output)
    operations = target.operations or (int(counted.group(1)) if counted else None)
    cold = tools["specforge"]["median"]
    opc = tools.get("openapi-python-client", {})
    return {
        "spec": target.label,
        "operations": operations,
        "changed_schema": schema,
        "load": load,
        "tools": tools,
        "vs_openapi_python_client": ratio(cold, opc.get("median") if opc.get("ok") else None),
        "vs_datamodel_codegen": ratio(cold, tools["datamodel-codegen"]["median"]),
        "vs_parse_floor": ratio(cold, tools["parse floor"]["median"]),
        "warm_vs_cold": ratio(tools["specforge warm"]["median"], cold),
        "changed_vs_cold": ratio(tools["specforge one changed"]["median"], cold),
        "check_vs_cold": ratio(tools["specforge check (warm)"]["median"], cold),
        "no_cache_vs_cold": ratio(tools[NO_CACHE]["median"], cold),
        "cold_vs_serial": ratio(cold, tools[SERIAL]["median"]) if SERIAL in tools else None,
    }


def _load() -> list[float]:
    """The machine's load averages (1, 5, 15 minutes), as `uptime` shows them."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def run(
    peers: Peers,
    work: Path,
    quick: bool,
    full_package: Path,
    only: list[str] | None = None,
) -> dict[str, Any]:
    """Section 1 for every target (those whose label starts with one of `only`, when given);
    keeps the full spec's package in `full_package`."""
    chosen, skipped = targets(work, quick)
    if only:
        chosen = [t for t in chosen if any(t.label.startswith(label) for label in only)]
    notes = [f"skipped {s}" for s in skipped]
    if peers.openapi_python_client is None:
        notes.append(f"openapi-python-client: {peers.missing.get('openapi-python-client')}")
    rows = []
    for target in chosen:
        print(f"bench: generation: {target.label}", file=sys.stderr, flush=True)
        keep = full_package if target.package == FULL_PACKAGE else None
        rows.append(bench_target(peers, target, work, quick, keep))
    notes.append(
        "one changed: the spec with one component schema's description changed "
        "(bench/onechange.py), generated with the cache the warm run left"
    )
    return {"title": "Generation time and peak memory", "rows": rows, "notes": notes}
