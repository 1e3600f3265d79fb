"""`specforge generate` killed at any instant leaves the old package or the new one, whole.

Real processes, real files: a folder holds a previous generation plus user files; a run
generating from a slightly different spec (one more or one less resource module) is killed with
SIGINT, SIGTERM or SIGKILL after a pseudo-random delay (fixed seed) spread over a whole run,
and at the named points of the swap (SPECFORGE_TEST_PAUSE). After each kill, and after the
follow-up normal runs, the folder must match one manifest exactly, and the user files must be
intact. Both swaps are exercised: renameat2 exchange and the rename-aside fallback.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from specforge.generator.output import MANIFEST, PAUSE_ENV, SWAP_ENV
from tests.conftest import ROOT
from tests.signals import interruptible
from tests.test_output_ownership import (
    BASE_SPEC,
    USER_FILES,
    add_user_files,
    assert_whole,
    generate_args,
    leftovers,
    manifest_of,
    spec_with_clips,
    tree,
    user_state,
)

SEED = 20_250_601
RANDOM_KILLS = 36  # runs that end before their signal do not count
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
FOLLOW_UP_EVERY = 6
# Early points get one signal each (random timing covers them too); the swap's edges get all.
EARLY_POINTS = ("written", "formatted", "carried")
EDGE_POINTS = ("synced", "exchanged")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@dataclass
class Tally:
    kills: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    finished_first: int = 0
    startup_tracebacks: int = 0
    follow_ups: int = 0
    user_files_lost: int = 0


class Folder:
    """The target folder, which spec it holds now, and the checks."""

    def __init__(self, root: Path, specs: dict[str, Path], manifests: dict[str, dict[str, str]]):
        self.root = root
        self.target = root / "pkg"
        self.specs = specs
        self.manifests = manifests
        self.state = "base"
        self.users = user_state(self.target)

    def other(self) -> str:
        return "clips" if self.state == "base" else "base"

    def command(self, spec: str) -> list[str]:
        args = generate_args(self.specs[spec], "pkg")
        return [sys.executable, "-m", "specforge", *map(str, args)]

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT), **extra}

    def classify(self, old: str, new: str, tally: Tally) -> str:
        """Which whole package the folder holds now ("old"/"new"), or what else."""
        if not os.path.lexists(self.target):
            asides = [p for p in self.root.iterdir() if ".pkg.specforge-old-" in p.name]
            if len(asides) == 1 and self._whole(asides[0], old):
                return "aside"  # the fallback's window: the next run puts it back
            return "other: no package"
        if user_state(self.target) != self.users:
            tally.user_files_lost += 1
            return "other: user files changed"
        for name, label in ((old, "old"), (new, "new")):
            if self._whole(self.target, name):
                self.state = name
                return label
        return "other: " + ", ".join(sorted(set(tree(self.target)) ^ set(self.manifests[new])))

    def _whole(self, folder: Path, spec: str) -> bool:
        try:
            assert_whole(folder, self.manifests[spec], set(USER_FILES))
        except (AssertionError, OSError, ValueError, KeyError):
            return False
        return True

    def follow_up(self, tally: Tally, **env: str) -> None:
        """A normal run: it ends with the new package, whole, and no leftovers."""
        spec = self.other()
        done = subprocess.run(
            self.command(spec),
            cwd=self.root,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        assert self._whole(self.target, spec), sorted(tree(self.target))
        assert user_state(self.target) == self.users
        assert leftovers(self.root) == []
        self.state = spec
        tally.follow_ups += 1


def kill_after(folder: Folder, delay: float, sig: signal.Signals, tally: Tally, **env: str) -> str:
    """Start a run, signal it after `delay` s; the outcome, checked."""
    old, new = folder.state, folder.other()
    process = subprocess.Popen(
        folder.command(new),
        cwd=folder.root,
        env=folder.env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=interruptible,
    )
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    if process.returncode == 0:
        tally.finished_first += 1
    else:
        if b"Traceback" in err:  # SIGINT while the CLI imports, before its handler is in place
            assert sig == signal.SIGINT and err.rstrip().endswith(b"KeyboardInterrupt"), err
            assert b"generator/output.py" not in err, err.decode()
            tally.startup_tracebacks += 1
        tally.kills[sig.name] += 1
    outcome = folder.classify(old, new, tally)
    tally.outcomes[outcome] += 1
    return outcome


def kill_at(folder: Folder, point: str, sig: signal.Signals, tally: Tally, **env: str) -> str:
    """Start a run that pauses at `point`, signal it there; the outcome, checked."""
    old, new = folder.state, folder.other()
    process = subprocess.Popen(
        folder.command(new),
        cwd=folder.root,
        env=folder.env(**{PAUSE_ENV: point, **env}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=interruptible,
    )
    assert process.stderr is not None
    said = b""
    while f"paused at {point}".encode() not in said:
        line = process.stderr.readline()
        assert line, said + process.stderr.read()
        said += line
    process.send_signal(sig)
    process.communicate(timeout=120)
    assert process.returncode != 0
    tally.kills[sig.name] += 1
    outcome = folder.classify(old, new, tally)
    tally.outcomes[outcome] += 1
    expected = {"written": "old", "formatted": "old", "carried": "old", "synced": "old"}
    expected.update(exchanged="new", aside="aside", renamed="new")
    assert outcome == expected[point], (point, sig.name, outcome)
    return outcome


def test_kills_at_any_instant_leave_one_whole_package(tmp_path: Path) -> None:
    started = time.monotonic()
    specs = {"base": BASE_SPEC, "clips": spec_with_clips(tmp_path)}
    manifests: dict[str, dict[str, str]] = {}
    durations = []
    for name, spec in specs.items():
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "specforge", *map(str, generate_args(spec, f"{name}/pkg"))],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            check=False,
        )
        durations.append(time.monotonic() - began)
        assert done.returncode == 0, done.stderr
        manifests[name] = manifest_of(tmp_path / name / "pkg")
    assert set(manifests["clips"]) - set(manifests["base"]), "the two packages must differ"
    work = tmp_path / "base"  # the package names its folder (README): always pkg
    add_user_files(work / "pkg")
    folder = Folder(work, specs, manifests)
    tally = Tally()
    run_time = max(durations) * 1.1

    rng = random.Random(SEED)
    for i in range(3 * RANDOM_KILLS):
        if sum(tally.kills.values()) >= RANDOM_KILLS:
            break
        sig = SIGNALS[i % len(SIGNALS)]
        env = {SWAP_ENV: "rename"} if i % 3 == 2 else {}
        outcome = kill_after(folder, rng.uniform(0, run_time), sig, tally, **env)
        assert not outcome.startswith("other"), (i, sig.name, outcome)
        if outcome == "aside" or i % FOLLOW_UP_EVERY == FOLLOW_UP_EVERY - 1:
            folder.follow_up(tally, **env)

    for point, sig in zip(EARLY_POINTS, SIGNALS, strict=True):
        kill_at(folder, point, sig, tally)
    for point in EDGE_POINTS:
        for sig in SIGNALS:
            kill_at(folder, point, sig, tally)
    rename = {SWAP_ENV: "rename"}
    kill_at(folder, "synced", signal.SIGKILL, tally, **rename)
    for _ in range(2):
        kill_at(folder, "aside", signal.SIGKILL, tally, **rename)
        folder.follow_up(tally, **rename)
    for sig in SIGNALS:
        kill_at(folder, "renamed", sig, tally, **rename)
    folder.follow_up(tally)

    elapsed = time.monotonic() - started
    kills = sum(tally.kills.values())
    print(
        f"\n{kills} kills ({dict(tally.kills)}), {tally.finished_first} runs ended before "
        f"their signal, outcomes {dict(tally.outcomes)}, {tally.follow_ups} follow-up runs, "
        f"{tally.startup_tracebacks} KeyboardInterrupt tracebacks while importing, "
        f"user files lost {tally.user_files_lost}, {elapsed:.1f} s (one run {run_time:.2f} s)"
    )
    assert kills >= 50
    assert not [o for o in tally.outcomes if o.startswith("other")]
    assert tally.user_files_lost == 0
    assert (folder.target / MANIFEST).is_file()
