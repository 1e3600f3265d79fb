"""Schemas of `components/schemas` added, removed or renamed (each is an SDK class)."""

from __future__ import annotations

from typing import Any

from specforge.gate.diff.context import Context, as_json, mapping


def schemas_of(document: dict[str, Any]) -> dict[str, Any]:
    """`components/schemas` of `document` (empty when absent or malformed)."""
    return mapping(mapping(document.get("components")).get("schemas"))


def compare(ctx: Context) -> None:
    """Run last: renames are matched by the `$ref`s the walk saw change, else by equal content."""
    old, new = schemas_of(ctx.old), schemas_of(ctx.new)
    removed = sorted(set(old) - set(new), key=str)
    added = sorted(set(new) - set(old), key=str)
    pairs = {a: b for a, b in ctx.renames.items() if a in removed and b in added}
    for name in removed:
        if name in pairs:
            continue
        match = next(
            (b for b in added if b not in pairs.values() and as_json(old[name]) == as_json(new[b])),
            None,
        )
        if match:
            pairs[name] = match
    for before, after in sorted(pairs.items()):
        same = as_json(old[before]) == as_json(new[after])
        note = "same wire format" if same else "its changes are listed separately"
        ctx.add(
            ("components", "schemas", after),
            "component-renamed",
            f"schema {before} renamed to {after} ({note})",
        )
    for name in removed:
        if name not in pairs:
            ctx.add(
                ("components", "schemas", name),
                "component-removed",
                f"schema {name} removed",
                in_old=True,
            )
    for name in added:
        if name not in pairs.values():
            ctx.add(("components", "schemas", name), "component-added", f"schema {name} added")
