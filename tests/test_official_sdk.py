"""The official Together SDK, pointed at the mock, creates videos and polls them to completion."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from specforge.conformance.mock.server import MockOptions, running

together = pytest.importorskip(
    "together", reason="the official SDK is a test-only dependency ([dev] extra)"
)

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "together-videos.yaml"
FULL = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"


def sdk(origin: str) -> Any:
    # The SDK's paths already carry the version (`/v2/videos`), so its base_url is the origin.
    return together.Together(api_key="test-key", base_url=origin, max_retries=0)


@pytest.fixture
def seed_mock() -> Iterator[str]:
    with running(MockOptions(spec=SPEC)) as url:
        yield url


def test_create_video_on_the_seed_spec(seed_mock: str) -> None:
    job = sdk(seed_mock).videos.create(
        model="together/video-model", prompt="An astronaut riding a horse"
    )
    assert job.id and job.model == "together/video-model"
    assert job.status in ("in_progress", "completed", "failed")


def test_errors_reach_the_sdk_as_its_exceptions(seed_mock: str) -> None:
    with pytest.raises(together.BadRequestError):
        sdk(seed_mock).videos.create(model="m", steps=5)
    with pytest.raises(together.AuthenticationError):
        sdk(seed_mock).videos.create(model="m", extra_headers={"Authorization": "Basic bm9wZQ=="})


def test_create_then_retrieve_until_completed_on_the_full_spec() -> None:
    if not FULL.is_file():
        pytest.skip(f"{FULL} is absent (the shared specs folder is not next to the project)")
    with running(MockOptions(spec=FULL, lenient=True)) as url:
        client = sdk(url)
        job = client.videos.create(model="together/video-model", prompt="A cartoon of a cat")
        assert job.status == "in_progress"
        deadline = time.monotonic() + 10
        while job.status != "completed" and time.monotonic() < deadline:
            job = client.videos.retrieve(job.id)
        assert job.status == "completed"
        assert job.outputs is not None and job.outputs.video_url
        with pytest.raises(together.NotFoundError):
            client.videos.retrieve("never-created")
