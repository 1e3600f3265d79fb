"""Packages generated for a test module: build one from a spec, import it while the module
runs, and forget it afterwards (its modules leave `sys.modules`, its folder `sys.path`)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from specforge.config import Config
from specforge.generator.pipeline import generate

ROOT = Path(__file__).resolve().parents[1]
VIDEO_SPEC = ROOT / "spec" / "together-videos.yaml"
ACME_SPEC = ROOT / "tests" / "fixtures" / "acme-projects.yaml"
BUILDS_SPEC = ROOT / "tests" / "fixtures" / "sdk-builds.yaml"
FULL_SPEC = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"

needs_full = pytest.mark.skipif(
    not FULL_SPEC.exists(), reason=f"{FULL_SPEC} is absent (../shared is not beside the project)"
)


@dataclass(frozen=True)
class Package:
    """A generated package project: its import name and folder."""

    name: str
    root: Path

    @property
    def src(self) -> Path:
        return self.root / "src"

    def module(self, name: str = "") -> Any:
        """The package (or its submodule `name`, e.g. "models"), imported."""
        return importlib.import_module(f"{self.name}.{name}" if name else self.name)


def build_package(spec: Path, name: str, where: Path, *, lenient: bool = False) -> Package:
    """Generate `spec` as the package `name` into `where/name`."""
    root = where / name
    generate(Config(spec=spec, package=name, output=root, lenient=lenient), root)
    return Package(name, root)


@contextmanager
def imported(package: Package) -> Iterator[Package]:
    """`package` importable while the block runs; its modules are dropped afterwards."""
    sys.path.insert(0, str(package.src))
    try:
        yield package
    finally:
        sys.path.remove(str(package.src))
        for key in list(sys.modules):
            if key == package.name or key.startswith(package.name + "."):
                del sys.modules[key]
