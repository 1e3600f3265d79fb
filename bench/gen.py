"""Section 1: generation time and peak memory against size, with the YAML parse floor."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.peers import Peers
from bench.procs import Measured, measure
from bench.stats import ratio, summary
from bench.synth import write_synthetic_spec

ROOT = Path(__file__).resolve().parents[1]
VIDEO_SPEC = ROOT / "spec" / "together-videos.yaml"
FULL_SPEC = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"
FULL_PACKAGE = "together_full"

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


def targets(work: Path, quick: bool) -> tuple[list[Target], list[str]]:
    """The specs of this run (synthetic ones are written into `work`) and what was skipped."""
    skipped: list[str] = []
    chosen = [Target("video spec", VIDEO_SPEC, 1)]
    if quick:
        skipped.append("full Together spec: left out by --quick")
    elif FULL_SPEC.is_file():
        chosen.append(Target("full Together spec", FULL_SPEC, None, lenient=True))
    else:
        skipped.append(f"full Together spec: {FULL_SPEC} is absent")
    for size in (10, 100) if quick else (10, 100, 1000, 5000):
        chosen.append(Target(f"synthetic {size}", write_synthetic_spec(work / "specs", size), size))
    return chosen, skipped


def _python_lines(folder: Path) -> int:
    """Lines of Python a tool wrote (what it generated, to compare output sizes)."""
    if not folder.exists():
        return 0
    return sum(
        len(path.read_text(encoding="utf-8", errors="replace").splitlines())
        for path in folder.rglob("*.py")
    )


def _commands(peers: Peers, target: Target, out: Path) -> dict[str, list[str] | None]:
    spec = str(target.spec)
    specforge = [str(peers.specforge), "generate", "--spec", spec, "--output", str(out / "sf")]
    specforge += ["--package", FULL_PACKAGE if target.lenient else "bench_sdk"]
    if target.lenient:
        specforge.append("--lenient")
    opc = peers.openapi_python_client
    return {
        "specforge": specforge,
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
    return {**os.environ, "PATH": path, "PYTHONPATH": str(ROOT)}


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


def bench_target(
    peers: Peers, target: Target, work: Path, quick: bool, keep: Path | None = None
) -> dict[str, Any]:
    """Interleaved rounds of every tool on one spec; medians, spreads, peak memory, ratios."""
    out = work / "out" / target.label.replace(" ", "-")
    commands = _commands(peers, target, out)
    env = _env(peers)
    runs: dict[str, list[Measured]] = {name: [] for name, cmd in commands.items() if cmd}
    rounds, done = 1, 0
    while done < rounds:
        started = time.perf_counter()
        for name, command in commands.items():
            if command is None:
                continue
            shutil.rmtree(out / name.split()[0], ignore_errors=True)
            runs[name].append(measure(command, cwd=work, env=env, timeout=900))
        done += 1
        if done == 1:
            rounds = _rounds(time.perf_counter() - started, quick)
    if keep is not None and runs["specforge"][-1].ok:
        shutil.rmtree(keep, ignore_errors=True)
        shutil.copytree(out / "sf", keep)
    tools: dict[str, Any] = {}
    for name, measured in runs.items():
        good = [m for m in measured if m.ok]
        entry: dict[str, Any] = {"ok": bool(good), **summary([m.seconds for m in good])}
        entry["peak_mib"] = max((m.peak_mib for m in good), default=None)
        if not good:
            entry["error"] = measured[-1].output.strip().splitlines()[-1:] or ["(no output)"]
        tools[name] = entry
    tools["specforge"]["python_lines"] = _python_lines(out / "sf")
    if "openapi-python-client" in tools:
        tools["openapi-python-client"]["python_lines"] = _python_lines(out / "opc")
    tools["datamodel-codegen"]["python_lines"] = _python_lines(out / "dmcg")
    counted = re.search(r"(\d+) operations", runs["specforge"][-1].output)
    operations = target.operations or (int(counted.group(1)) if counted else None)
    ours = tools["specforge"]["median"]
    opc = tools.get("openapi-python-client", {})
    return {
        "spec": target.label,
        "operations": operations,
        "tools": tools,
        "vs_openapi_python_client": ratio(ours, opc.get("median") if opc.get("ok") else None),
        "vs_datamodel_codegen": ratio(ours, tools["datamodel-codegen"]["median"]),
        "vs_parse_floor": ratio(ours, tools["parse floor"]["median"]),
    }


def run(peers: Peers, work: Path, quick: bool, full_package: Path) -> dict[str, Any]:
    """Section 1 for every target; keeps the full spec's package in `full_package`."""
    chosen, skipped = targets(work, quick)
    notes = [f"skipped {s}" for s in skipped]
    if peers.openapi_python_client is None:
        notes.append(f"openapi-python-client: {peers.missing.get('openapi-python-client')}")
    rows = []
    for target in chosen:
        keep = full_package if target.lenient else None
        rows.append(bench_target(peers, target, work, quick, keep))
    return {"title": "Generation time and peak memory", "rows": rows, "notes": notes}
