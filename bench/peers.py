"""Install and locate the peers the bench compares against, pinned, outside the project's deps.

- PyPI peers go into their own virtual environment, `bench/.peers/venv`.
- Prism goes into `bench/.peers/prism` with npm.
- The load tool is `wrk` (Debian); when missing, the bench tries `apt-get install wrk` as root
  and otherwise falls back to its own Python load generator (`bench.load`).

A peer that cannot be installed is reported with the reason instead of failing the bench.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / ".peers"
VENV = PEERS / "venv"
PRISM_DIR = PEERS / "prism"

OPENAPI_PYTHON_CLIENT = "openapi-python-client==0.29.1"
# 5.14.2 is the newest Prism that runs on Node 20 (5.15.11 and later need Node >= 24).
PRISM = "@stoplight/prism-cli@5.14.2"


@dataclass
class Peers:
    """Paths of the peers that are usable, and why the others are not."""

    main_bin: Path
    peers_bin: Path | None = None
    prism: Path | None = None
    wrk: Path | None = None
    missing: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def specforge(self) -> Path:
        return self.main_bin / "specforge"

    @property
    def datamodel_codegen(self) -> Path:
        return self.main_bin / "datamodel-codegen"

    @property
    def openapi_python_client(self) -> Path | None:
        return self.peers_bin / "openapi-python-client" if self.peers_bin else None

    @property
    def schemathesis(self) -> Path:
        return self.main_bin / "schemathesis"


def _run(command: list[str], timeout: float = 600) -> tuple[bool, str]:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def _version(command: list[str]) -> str:
    """The first version-looking token a `--version` prints (some tools exit 1 on it)."""
    _, out = _run(command, timeout=60)
    found = re.search(r"\d+\.\d+[\w.+-]*", out)
    return found.group(0) if found else "unknown"


def install_python_peers(peers: Peers, log: list[str], install: bool) -> None:
    """`bench/.peers/venv` with openapi-python-client (its own deps, pinned by it)."""
    python = VENV / "bin" / "python"
    tool = VENV / "bin" / "openapi-python-client"
    if not install and not tool.exists():
        peers.missing["openapi-python-client"] = f"not installed in {VENV} (--no-install)"
        return
    if not python.exists():
        ok, out = _run([sys.executable, "-m", "venv", str(VENV)])
        if not ok:
            peers.missing["openapi-python-client"] = f"could not create {VENV}: {out[-500:]}"
            return
    pinned = OPENAPI_PYTHON_CLIENT.split("==")[1]
    if install and (not tool.exists() or pinned not in _version([str(tool), "--version"])):
        log.append(f"installing {OPENAPI_PYTHON_CLIENT} into {VENV}")
        ok, out = _run([str(python), "-m", "pip", "install", "--quiet", OPENAPI_PYTHON_CLIENT])
        if not ok:
            peers.missing["openapi-python-client"] = f"pip install failed: {out[-500:]}"
            return
    peers.peers_bin = VENV / "bin"
    peers.versions["openapi-python-client"] = _version([str(tool), "--version"])


def install_prism(peers: Peers, log: list[str], install: bool) -> None:
    """Prism into `bench/.peers/prism` with npm."""
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    npm = shutil.which("npm")
    pinned = PRISM.rsplit("@", 1)[1]
    if not install and not binary.exists():
        peers.missing["prism"] = f"not installed in {PRISM_DIR} (--no-install)"
        return
    if install and (not binary.exists() or _version([str(binary), "--version"]) != pinned):
        if npm is None or shutil.which("node") is None:
            peers.missing["prism"] = "node/npm not found on PATH"
            return
        log.append(f"installing {PRISM} into {PRISM_DIR}")
        ok, out = _run(
            [npm, "install", "--prefix", str(PRISM_DIR), "--no-audit", "--no-fund", PRISM]
        )
        if not ok or not binary.exists():
            peers.missing["prism"] = f"npm install failed: {out[-500:]}"
            return
    peers.prism = binary
    peers.versions["prism"] = _version([str(binary), "--version"])


def find_wrk(peers: Peers, log: list[str], install: bool) -> None:
    """`wrk` from PATH; as root with apt-get, install it from Debian first."""
    found = shutil.which("wrk")
    apt = shutil.which("apt-get")
    if found is None and install and apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        log.append("installing wrk with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update"], capture_output=True, env=env, timeout=300, check=False)
        subprocess.run(
            [apt, "install", "-y", "wrk"], capture_output=True, env=env, timeout=300, check=False
        )
        found = shutil.which("wrk")
    if found is None:
        peers.missing["wrk"] = "wrk not on PATH and not installable; using bench.load (Python)"
        return
    peers.wrk = Path(found)
    peers.versions["wrk"] = _version([found, "--version"])


def prepare(log: list[str], *, install: bool = True) -> Peers:
    """Install what is missing (unless `install` is false) and return what is usable."""
    peers = Peers(main_bin=Path(sys.executable).parent)
    PEERS.mkdir(parents=True, exist_ok=True)
    peers.versions["datamodel-code-generator"] = _version(
        [str(peers.datamodel_codegen), "--version"]
    )
    peers.versions["schemathesis"] = _version([str(peers.schemathesis), "--version"])
    install_python_peers(peers, log, install)
    install_prism(peers, log, install)
    find_wrk(peers, log, install)
    return peers
