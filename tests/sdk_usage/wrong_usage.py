"""What the types refuse: each line marked `# refused` must be a `mypy --strict` error."""

from __future__ import annotations

from builds_types import Client
from builds_types.models import Build, BuildCreate, GitSource
from pydantic import AnyUrl


def wrong(client: Client, build: Build) -> None:
    client.builds.create(source={"kind": "git", "uri": "https://x"})  # refused
    client.builds.create(source={"kind": "svn", "url": "https://x"})  # refused
    client.builds.create(source={"kind": "git"})  # refused
    git = GitSource(kind="git", url=AnyUrl("https://x"))
    client.builds.create(source=git, priority="top")  # refused
    client.builds.create(source=git, steps=[{"nme": "x"}])  # refused
    client.builds.create(source=git, labels={"a": 1})  # refused
    body: BuildCreate.Param = {"labels": {"a": "b"}}  # refused
    build.status.lower()
    print(build.status.NOT_A_MEMBER)  # refused
    print(client.builds.list().root)  # refused
    print(body)
