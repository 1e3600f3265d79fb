"""Classify every change between two spec versions and say for whom it breaks.

Wire impact is judged from both sides of the old contract:
- `breaks_clients`: a client written against OLD may fail against a server implementing NEW;
- `breaks_servers`: a server implementing OLD no longer conforms to NEW;
- `breaks_sdk`: the generated SDK's public source changes incompatibly (removed or renamed
  names, arguments that become required, narrower argument or wider return types).

Whom each kind of change breaks is written once, in the table `CATEGORIES` (categories.py: one
row per category and situation, e.g. `property-added` in a request and required); the
comparisons name the row they found by its `CategoryId` and take the verdicts from it.
docs/spec-gate.md carries the table (`category_table()`).

Modules: `operations` matches operations by method and effective URL (server base path + path,
so moving a prefix between a server and the path key is not a change); `parameters`, `bodies`
(request bodies, responses, media types) and `schemas` (with `constraints` and `composition`)
compare what both versions have; `webhooks` and `components` the rest; `engine` holds the order
of the checks; `surface` the generated SDK's names.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from specforge.gate.diff.categories import (
    ADDITIVE,
    BY_ID,
    CATEGORIES,
    Category,
    CategoryId,
    Level,
    category_table,
)
from specforge.gate.diff.context import Context
from specforge.gate.diff.engine import run
from specforge.gate.diff.model import Change, DiffResult, merged
from specforge.gate.diff.schemas import walk
from specforge.gate.diff.surface import Surface, sdk_surface, surface_delta, try_surface

__all__ = [
    "ADDITIVE",
    "BY_ID",
    "CATEGORIES",
    "Category",
    "CategoryId",
    "Change",
    "DiffResult",
    "Level",
    "Surface",
    "category_table",
    "diff_documents",
    "sdk_surface",
    "surface_delta",
]


def diff_documents(
    old: dict[str, Any], new: dict[str, Any], *, today: date | None = None
) -> DiffResult:
    """Compare two normalised documents (see `specforge.document.schemas.normalize`).

    `today` decides whether a `x-sunset` date has passed (default: the current date).
    """
    ctx = Context(old, new, walk, today or date.today())
    run(ctx)
    notes: list[str] = []
    surface = surface_delta(try_surface(old, "OLD", notes), try_surface(new, "NEW", notes))
    return DiffResult(merged(ctx.changes), surface, notes)
