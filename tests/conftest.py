"""Shared fixtures: the scripted server and paths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.scripted_server import ScriptedServer

# Bounded in `make test`; `make fuzz` selects the long profile.
settings.register_profile(
    "default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("SPECFORGE_HYPOTHESIS_PROFILE", "default"))


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
