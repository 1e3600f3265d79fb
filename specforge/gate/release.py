"""`specforge generate --bump-from BASE [--changelog]`: the package's next version, and its
changelog entry.

The version starts from the one the package made from BASE had: the version the last bump
wrote (the manifest's `bump` record), or, when BASE is the very spec that bump started from
(same sha256), that bump's own starting version again, so that running the same command twice
gives the same bytes; without a record, the version generate gives BASE's package (its
info.version). The diff BASE -> spec says which part goes up (`specforge.gate.semver`; no change
still gives a patch: a new version is being made).

CHANGELOG.md in the package folder is the user's file: specforge never lists it in the
manifest, `check` never compares it, and `--changelog` only adds the new entry at its top (or
replaces the entry the previous run from the same BASE wrote there).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from specforge.config import Config
from specforge.gate.changelog import entry, prepended
from specforge.gate.compare import Comparison, compare, default_version
from specforge.gate.semver import Version, suggest
from specforge.generator.pipeline import recorded_bump

CHANGELOG = "CHANGELOG.md"


@dataclass(frozen=True)
class Release:
    """The bump to write: the comparison BASE -> spec, the manifest record, and the version of
    the changelog entry an earlier run from the same BASE wrote (None: there is none)."""

    comparison: Comparison
    record: dict[str, str]
    replaces: str | None

    def describe(self) -> str:
        """`version 2.0.0 -> 2.1.0 (minor, from base.yaml)`."""
        bump = self.comparison.bump
        return f"version {bump.describe()} ({bump.level}, from {self.comparison.old_label})"


def plan(config: Config, base: Path, notes: list[str] | None = None) -> Release:
    """The release `generate --bump-from base` makes of config.output."""
    previous = recorded_bump(config.output)
    comparison = compare(base, config.spec, notes, release=True)
    sha256 = comparison.old.spec.sha256
    replaces: str | None = None
    if previous is not None and previous["base_sha256"] == sha256:
        start, replaces = Version.parse(previous["from"]), previous["version"]
    elif previous is not None:
        start = Version.parse(previous["version"])
    else:
        start = default_version(comparison.old)
    bump = suggest(comparison.result, start, release=True)
    comparison = replace(comparison, bump=bump)
    record = {
        "base_sha256": sha256,
        "from": str(start),
        "level": bump.level,
        "version": str(bump.new),
    }
    return Release(comparison, record, replaces)


def write_changelog(release: Release, output: Path, date: str | None = None) -> Path:
    """Add the release's entry to output/CHANGELOG.md (made when missing); returns the path."""
    path = output / CHANGELOG
    try:
        existing: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = None
    text = prepended(existing, entry(release.comparison, date), release.replaces)
    scratch = output / f".{CHANGELOG}.specforge-new"
    scratch.write_text(text, encoding="utf-8", newline="\n")
    os.replace(scratch, path)
    return path
