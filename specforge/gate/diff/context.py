"""What every comparison shares: both documents, the changes found, and small JSON helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from specforge.document.errors import pointer_from_path
from specforge.document.loader import resolve_pointer
from specforge.gate.diff.model import Change

if TYPE_CHECKING:
    from specforge.gate.diff.categories import Category, CategoryId

Direction = Literal["request", "response"]
Path_ = tuple[Any, ...]
SchemaWalk = Callable[["Context", Any, Any, Path_, Path_, Direction], None]


def _table() -> dict[CategoryId, Category]:
    """The category table, looked up on the package each time (a test may swap it there)."""
    package = sys.modules[__name__.rpartition(".")[0]]
    table: dict[CategoryId, Category] = package.BY_ID
    return table


@dataclass
class Context:
    """Both documents side by side, and the changes recorded so far."""

    old: dict[str, Any]
    new: dict[str, Any]
    walk: SchemaWalk
    today: date
    changes: list[Change] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)  # old component -> new, by $ref
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    def add(
        self, where: Path_, category: CategoryId, message: str, *, in_old: bool = False
    ) -> None:
        """Record a change of `category`; whom it breaks comes from the category table.

        `where` is into NEW, or into OLD with `in_old` (something removed)."""
        row = _table()[category]
        self.changes.append(
            Change(
                pointer_from_path(where),
                row.name,
                message,
                breaks_clients=row.breaks_clients,
                breaks_servers=row.breaks_servers,
                breaks_sdk=row.breaks_sdk,
                category_ids=(row.id,),
                level=row.level,
                in_old=in_old,
            )
        )

    def schema(
        self, old: Any, new: Any, old_where: Path_, where: Path_, direction: Direction
    ) -> None:
        """Compare two schemas (either may be a `$ref`) as used in `direction`."""
        self.walk(self, old, new, old_where, where, direction)

    @staticmethod
    def resolve(document: dict[str, Any], node: Any, where: Path_) -> tuple[Path_, Any]:
        """Follow local `$ref`s; returns the target's location and value."""
        for _ in range(32):
            if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
                break
            ref = str(node["$ref"])
            if not ref.startswith("#"):
                break
            try:
                node = resolve_pointer(document, ref[1:])
            except (KeyError, IndexError, TypeError, ValueError):
                break
            where = tuple(
                part.replace("~1", "/").replace("~0", "~")
                for part in ref[1:].lstrip("/").split("/")
            )
        return where, node

    def with_target(self, document: dict[str, Any], node: Any) -> Any:
        """`node` with its `$ref` target's keys merged under its own."""
        _, target = self.resolve(document, node, ())
        if isinstance(node, dict) and isinstance(target, dict):
            return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node


@dataclass(frozen=True)
class SchemaPair:
    """Two schemas to compare: resolved, `allOf` merged in (`old`, `new`) and as written
    (`old_raw`, `new_raw`, resolved but unmerged), where each is, the `$ref` each was reached
    by ('' if none), and where each merged property is written."""

    old: dict[str, Any]
    new: dict[str, Any]
    old_where: Path_
    where: Path_
    direction: Direction
    old_raw: dict[str, Any]
    new_raw: dict[str, Any]
    old_ref: str = ""
    new_ref: str = ""
    old_origins: dict[str, Path_] = field(default_factory=dict)  # property -> where written
    new_origins: dict[str, Path_] = field(default_factory=dict)

    def old_property(self, name: str) -> Path_:
        """Where OLD writes property `name` (in an `allOf` member, perhaps)."""
        return self.old_origins.get(name, (*self.old_where, "properties", name))

    def new_property(self, name: str) -> Path_:
        """Where NEW writes property `name`."""
        return self.new_origins.get(name, (*self.where, "properties", name))

    @property
    def request(self) -> bool:
        return self.direction == "request"


def mapping(value: Any) -> dict[Any, Any]:
    """`value` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """`value` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def as_json(value: Any) -> str:
    """A canonical text of a JSON value (keys sorted), to compare values."""
    return json.dumps(value, sort_keys=True, default=str)


def same(a: Any, b: Any) -> bool:
    """Whether two JSON values are equal (`1` and `1.0` are, `1` and `true` are not)."""
    if numbers(a, b) or (type(a) is type(b) and not isinstance(a, (dict, list))):
        return bool(a == b)
    return a is b or as_json(a) == as_json(b)


def numbers(*values: Any) -> bool:
    """Whether every value is a number (not a boolean)."""
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
