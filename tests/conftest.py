"""Shared fixtures: the scripted server and paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scripted_server import ScriptedServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FULL_SPEC = SHARED / "specs" / "together-openapi.yaml"
SEEDS = SHARED / "seeds"


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer().running() as running:
        yield running


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """Skip, saying why, when a file from ../shared is absent."""
    return pytest.mark.skipif(
        not path.exists(), reason=f"{path} is absent (../shared not beside the project)"
    )
