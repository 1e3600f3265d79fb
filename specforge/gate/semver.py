"""The SDK version a diff suggests: which part goes up, and the version that gives.

The kind of change comes from the diff (`DiffResult.semver`): major when something breaks SDK
users (clients on the wire or the generated source, or the SDK surface loses a name), minor when
something is added or deprecated, patch for other changes, none when nothing changed. Rules:

- while the major version is 0, a breaking change bumps the minor version (0.3.1 -> 0.4.0) and
  an addition bumps the minor too; patch stays patch;
- a version with a pre-release (1.3.0rc1) is completed rather than skipped, as npm's `semver
  inc` does: major gives 2.0.0 unless minor and patch are 0 (1.0.0rc1 -> 1.0.0), minor gives
  1.3.0 when patch is 0, patch gives 1.3.0;
- only MAJOR.MINOR.PATCH is kept (missing parts are 0, parts after the third are dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from specforge.document.errors import SpecforgeError
from specforge.gate.diff import DiffResult

Level = Literal["major", "minor", "patch", "none"]
LEVELS: tuple[Level, ...] = ("none", "patch", "minor", "major")
_VERSION = re.compile(
    r"v?(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?(?:\.\d+)*"
    r"(?P<pre>[-.]?(?:a|b|c|rc|alpha|beta|pre|dev)[.-]?\d*)?(?:\+[A-Za-z0-9.]+)?",
    re.IGNORECASE,
)


class VersionError(SpecforgeError, ValueError):
    """A version specforge cannot bump."""


@dataclass(frozen=True)
class Version:
    """MAJOR.MINOR.PATCH with an optional pre-release marker."""

    major: int
    minor: int
    patch: int
    pre: str = ""

    @classmethod
    def parse(cls, text: str) -> Version:
        """`1.2.3`, `1.2`, `2`, `1.3.0rc1`, `1.3.0-beta.2`; VersionError for anything else."""
        found = _VERSION.fullmatch(text.strip())
        if found is None:
            raise VersionError(
                f"{text!r} is not a version specforge can bump (MAJOR.MINOR.PATCH, e.g. 1.4.0)"
            )
        return cls(
            int(found["major"]),
            int(found["minor"] or 0),
            int(found["patch"] or 0),
            found["pre"] or "",
        )

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}{self.pre}"

    def bumped(self, level: Level) -> Version:
        """The next version for a change of `level` (the 0.x rule already applied)."""
        major, minor, patch = self.major, self.minor, self.patch
        if level == "major":
            keep = self.pre and minor == 0 and patch == 0
            return Version(major, 0, 0) if keep else Version(major + 1, 0, 0)
        if level == "minor":
            return (
                Version(major, minor, 0)
                if self.pre and patch == 0
                else Version(major, minor + 1, 0)
            )
        if level == "patch":
            return Version(major, minor, patch) if self.pre else Version(major, minor, patch + 1)
        return self


def applied(change: Level, version: Version) -> Level:
    """The part to bump for a change of `change` on `version` (0.x: breaking bumps the minor)."""
    return "minor" if change == "major" and version.major == 0 else change


@dataclass(frozen=True)
class Bump:
    """A suggested bump: what the diff asks for, the part that goes up, and the two versions."""

    change: Level
    level: Level
    old: Version
    new: Version

    @property
    def zero_rule(self) -> bool:
        """Whether the 0.x rule turned a major change into a minor bump."""
        return self.change != self.level

    def describe(self) -> str:
        """`2.0.0 -> 2.1.0` (with the 0.x rule said when it applies; `2.0.0 (unchanged)`)."""
        if self.level == "none":
            return f"{self.old} (unchanged)"
        note = " (breaking changes bump the minor version while the major is 0)"
        return f"{self.old} -> {self.new}{note if self.zero_rule else ''}"

    def as_dict(self) -> dict[str, str]:
        return {
            "change": self.change,
            "bump": self.level,
            "old": str(self.old),
            "new": str(self.new),
        }


def suggest(result: DiffResult, old: Version, *, release: bool = False) -> Bump:
    """The bump `result` suggests from `old`. With `release` (a new version is being made),
    no change at all still gives a patch: the generated source may differ all the same."""
    change = cast(Level, result.semver)
    if release and change == "none":
        change = "patch"
    level = applied(change, old)
    return Bump(change, level, old, old.bumped(level))


__all__ = ["LEVELS", "Bump", "Level", "Version", "VersionError", "applied", "suggest"]
