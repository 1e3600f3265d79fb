"""Builds API (tests/fixtures/sdk-builds.yaml): a oneOf body property, array and map responses."""

from __future__ import annotations

from builds_types import Client
from builds_types.models import (
    ArchiveSource,
    Artifact,
    Build,
    BuildCreate,
    BuildStatus,
    GitSource,
    Step,
)
from pydantic import AnyUrl
from typing_extensions import assert_type


def run(base_url: str) -> None:
    client = Client(api_key="k", base_url=base_url)
    # a member model straight in the oneOf property: no wrapper
    build = client.builds.create(source=GitSource(kind="git", url=AnyUrl("https://git.example/r")))
    assert_type(build, Build)
    # or a dict of the member's shape, checked key by key
    client.builds.create(
        source={"kind": "archive", "archive_url": "https://x.example/a.tgz"},
        labels={"team": "sdk"},
        steps=[{"name": "test", "timeout": 60}, Step(name="lint")],
        priority="high",
    )
    body: BuildCreate.Param = {"source": {"kind": "git", "url": "https://git.example/r"}}
    assert "source" in body
    # the status is the enum: its members complete, a comparison with a listed value checks
    assert_type(build.status, BuildStatus)
    if build.status == "completed" or build.status is BuildStatus.FAILED:
        print("done")
    assert isinstance(build.status, BuildStatus)
    # the oneOf response property is one of its members
    assert_type(build.source, GitSource | ArchiveSource)
    if isinstance(build.source, GitSource):
        print(build.source.url)
    # array and map responses are a list and a dict
    builds = client.builds.list()
    assert_type(builds, list[Build])
    assert isinstance(builds, list)
    for item in builds:
        assert isinstance(item, Build)
    print(len(builds), builds[0].id if builds else None)
    stats = client.stats.retrieve()
    assert_type(stats, dict[str, int])
    assert isinstance(stats, dict)
    print(sum(stats.values()))
    # an array property named by a component is a list of its models
    if build.artifacts is not None:
        assert_type(build.artifacts, list[Artifact])
        print([artifact.name for artifact in build.artifacts])
