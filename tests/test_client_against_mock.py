"""The generated client over a real socket against the mock: create, errors, retries, lifecycle."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from specforge.conformance.faults import parse_faults
from specforge.conformance.mock.server import MockOptions, running

together_videos = pytest.importorskip(
    "together_videos", reason="the generated package is not installed"
)

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "together-videos.yaml"
WITH_RETRIEVE = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with running(MockOptions(spec=SPEC)) as url:
        yield url


def test_create(origin: str) -> None:
    client = together_videos.Client(api_key="k", base_url=origin, response_validation="strict")
    job = client.videos.create(model="together/video-model", prompt="a cat", output_format="WEBM")
    assert job.id and job.model == "together/video-model"


def test_errors_map_to_exception_classes(origin: str) -> None:
    unchecked = together_videos.Client(
        api_key="k", base_url=origin, validate_requests=False, max_retries=0
    )
    with pytest.raises(together_videos.BadRequestError) as bad:
        unchecked.videos.create(model="m", steps=5)
    assert bad.value.status_code == 400
    with pytest.raises(together_videos.AuthenticationError):
        unchecked.videos.create(model="m", extra_headers={"Authorization": "Basic bm9wZQ=="})


@pytest.mark.parametrize("fault", ["rate-limit=2", "unavailable=2"])
def test_retries_recover_from_injected_429_and_503(fault: str) -> None:
    with running(MockOptions(spec=SPEC, faults=parse_faults([fault]), retry_after=0)) as url:
        client = together_videos.Client(  # a POST is retried when it carries a key
            api_key="k", base_url=url, max_retries=3, idempotency_header="Idempotency-Key"
        )
        for seed in range(4):
            assert client.videos.create(model="m", seed=seed).id


def _generate(spec: Path, package: str, target: Path) -> Any:
    from specforge.config import load_config
    from specforge.generator.pipeline import generate

    config = load_config(ROOT).with_overrides(spec=spec, package=package, output=target)
    generate(config, target)
    sys.path.insert(0, str(target / "src"))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(target / "src"))


def test_lifecycle_on_a_spec_with_retrieve(tmp_path: Path) -> None:
    sdk = _generate(WITH_RETRIEVE, "videos_with_retrieve", tmp_path / "client")
    with running(MockOptions(spec=WITH_RETRIEVE)) as url:
        client = sdk.Client(api_key="k", base_url=url)
        job = client.videos.create(model="m", prompt="a dog")
        assert job.status == "in_progress"
        seen = [client.videos.retrieve(job.id).status for _ in range(2)]
        assert seen[-1] == "completed"
        if hasattr(client.videos, "create_and_poll"):
            done = client.videos.create_and_poll(model="m", prompt="a bird")
            assert done.status == "completed" and done.outputs is not None
        with pytest.raises(sdk.NotFoundError):
            client.videos.retrieve("never-created")
