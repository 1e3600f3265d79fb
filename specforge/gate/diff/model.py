"""What a diff returns: classified changes and the SDK surface delta."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from specforge.gate.diff.categories import ADDITIVE, Level

_LEVELS: tuple[Level, ...] = ("info", "non-breaking", "breaking")


@dataclass(frozen=True)
class Change:
    """One classified change: where (JSON pointer), what kind, whom it breaks, and a message.

    `category` is the name reports show; `category_ids` the table rows it came from (two when
    a schema used by requests and responses changes) and `level` the highest of their levels.
    `in_old` says that `pointer` is into OLD (something removed), not into NEW.
    """

    pointer: str
    category: str
    message: str
    breaks_clients: bool
    breaks_servers: bool
    breaks_sdk: bool
    category_ids: tuple[str, ...] = ()
    level: Level = "non-breaking"
    in_old: bool = False

    @property
    def breaking(self) -> bool:
        """Breaks existing SDK users: on the wire or in the generated source."""
        return self.breaks_clients or self.breaks_sdk

    def as_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "category": self.category,
            "breaks_clients": self.breaks_clients,
            "breaks_servers": self.breaks_servers,
            "breaks_sdk": self.breaks_sdk,
            "message": self.message,
        }

    def merged_with(self, other: Change) -> Change:
        """This change as found again from another use (a request and a response of one schema):
        it breaks whoever either breaks."""
        ids = tuple(sorted({*self.category_ids, *other.category_ids}))
        return replace(
            self,
            breaks_clients=self.breaks_clients or other.breaks_clients,
            breaks_servers=self.breaks_servers or other.breaks_servers,
            breaks_sdk=self.breaks_sdk or other.breaks_sdk,
            category_ids=ids,
            level=max(self.level, other.level, key=_LEVELS.index),
        )


@dataclass
class DiffResult:
    """All changes between two documents plus the SDK surface delta, and notes on what could
    not be compared."""

    changes: list[Change]
    surface: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        """A change breaks SDK users, or the generated SDK loses a class, method or parameter."""
        lost = any(
            self.surface.get(key)
            for key in ("classes_removed", "methods_removed", "parameters_removed")
        )
        return lost or any(change.breaking for change in self.changes)

    @property
    def semver(self) -> str:
        """Suggested bump of the generated SDK: major, minor, patch or none."""
        if self.breaking:
            return "major"
        grows = any(
            self.surface.get(key) for key in ("classes_added", "methods_added", "parameters_added")
        )
        if grows or any(change.category in ADDITIVE for change in self.changes):
            return "minor"
        return "patch" if self.changes else "none"

    def counts(self) -> dict[str, int]:
        return {
            "changes": len(self.changes),
            "breaks_clients": sum(c.breaks_clients for c in self.changes),
            "breaks_servers": sum(c.breaks_servers for c in self.changes),
            "breaks_sdk": sum(c.breaks_sdk for c in self.changes),
        }


def merged(changes: list[Change]) -> list[Change]:
    """One change per (pointer, category, message), sorted."""
    found: dict[tuple[str, str, str], Change] = {}
    for change in changes:
        key = (change.pointer, change.category, change.message)
        seen = found.get(key)
        found[key] = change if seen is None else seen.merged_with(change)
    return sorted(found.values(), key=lambda c: (c.pointer, c.category, c.message))
