"""Deprecation marks on operations, parameters and properties."""

from __future__ import annotations

from typing import Any, Literal

from specforge.document.schemas import replacement_of
from specforge.gate.diff.categories import CategoryId
from specforge.gate.diff.context import Context, Path_

Deprecatable = Literal["operation", "parameter", "property"]
_DEPRECATION: dict[Deprecatable, tuple[CategoryId, CategoryId]] = {
    "operation": ("operation-deprecated", "operation-undeprecated"),
    "parameter": ("parameter-deprecated", "parameter-undeprecated"),
    "property": ("property-deprecated", "property-undeprecated"),
}


def deprecated(node: Any) -> bool:
    """Whether `node` says `deprecated: true`."""
    return isinstance(node, dict) and node.get("deprecated") is True


def deprecation(
    ctx: Context, old: Any, new: Any, where: Path_, kind: Deprecatable, name: str
) -> None:
    """A `deprecated` mark set or lifted."""
    was, now = deprecated(old), deprecated(new)
    marked, lifted = _DEPRECATION[kind]
    if now and not was:
        replacement = replacement_of(new) if isinstance(new, dict) else ""
        hint = f" (use {replacement} instead)" if replacement else ""
        ctx.add(where, marked, f"{kind} {name} deprecated{hint}")
    elif was and not now:
        ctx.add(where, lifted, f"{kind} {name} no longer deprecated")
