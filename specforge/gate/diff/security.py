"""Security: what credentials each operation needs (its own `security`, else the document's),
and the schemes of `components/securitySchemes`.

A `security` list is a choice of requirements, each naming schemes (all needed) with their
scopes; an empty list, or an empty requirement `{}` in it, lets a call through without any.
"""

from __future__ import annotations

from typing import Any

from specforge.gate.diff.context import Context, Path_, mapping, sequence
from specforge.gate.diff.operations import Op

Requirement = frozenset[str]  # the scheme names one requirement needs
Scopes = dict[str, frozenset[str]]


def _requirements(value: Any) -> dict[Requirement, Scopes]:
    found: dict[Requirement, Scopes] = {}
    for item in sequence(value):
        if isinstance(item, dict):
            scopes = {str(k): frozenset(str(s) for s in sequence(v)) for k, v in item.items()}
            found.setdefault(frozenset(scopes), scopes)
    return found


def _effective(document: dict[str, Any], op: Op) -> tuple[Any, bool]:
    """(the `security` that applies to `op`, whether it is the document's)."""
    if "security" in op.operation:
        return op.operation["security"], False
    return document.get("security"), True


def _public(requirements: dict[Requirement, Scopes]) -> bool:
    return not requirements or frozenset() in requirements


def _shown(requirement: Requirement) -> str:
    return " + ".join(sorted(requirement)) or "none"


def operation(ctx: Context, before: Op, after: Op) -> None:
    """The credentials `after` needs compared with those `before` needed."""
    old_value, old_global = _effective(ctx.old, before)
    new_value, new_global = _effective(ctx.new, after)
    old, new = _requirements(old_value), _requirements(new_value)
    if old == new:
        return
    shared = old_global and new_global  # one change of the document's security: told once
    where: Path_ = ("security",) if shared else (*after.location, "security")
    label = "global security" if shared else f"security of {after.label}"
    if _public(old) and not _public(new):
        ctx.add(where, "security-added", f"{label}: credentials now needed")
        return
    if _public(new):
        if not _public(old):
            ctx.add(where, "security-removed", f"{label}: calls without credentials allowed")
        return
    for requirement in sorted(set(new) - set(old), key=sorted):
        ctx.add(where, "security-alternative-added", f"{label}: {_shown(requirement)} accepted")
    for requirement in sorted(set(old) - set(new), key=sorted):
        ctx.add(
            where,
            "security-alternative-removed",
            f"{label}: {_shown(requirement)} no longer accepted",
        )
    for requirement in sorted(set(old) & set(new), key=sorted):
        for scheme in sorted(requirement):
            was, now = old[requirement][scheme], new[requirement][scheme]
            for scope in sorted(now - was):
                ctx.add(where, "security-scope-added", f"{label}: {scheme} needs scope {scope!r}")
            for scope in sorted(was - now):
                ctx.add(
                    where,
                    "security-scope-removed",
                    f"{label}: {scheme} no longer needs scope {scope!r}",
                )


def _schemes(document: dict[str, Any]) -> dict[str, Any]:
    return mapping(mapping(document.get("components")).get("securitySchemes"))


def _kind(scheme: dict[str, Any]) -> str:
    kind = str(scheme.get("type", ""))
    return f"http {str(scheme.get('scheme', '')).lower()}" if kind == "http" else kind


def schemes(ctx: Context) -> None:
    """Schemes added, removed, or changed in type, in how their credential is sent or
    obtained, or in the scopes their OAuth flows offer."""
    old, new = _schemes(ctx.old), _schemes(ctx.new)
    for name in sorted(set(new) - set(old), key=str):
        where = ("components", "securitySchemes", name)
        ctx.add(where, "security-scheme-added", f"security scheme {name!r} added")
    for name in sorted(set(old) - set(new), key=str):
        where = ("components", "securitySchemes", name)
        ctx.add(where, "security-scheme-removed", f"security scheme {name!r} removed", in_old=True)
    for name in sorted(set(old) & set(new), key=str):
        _, was = ctx.resolve(ctx.old, old[name], ())
        _, now = ctx.resolve(ctx.new, new[name], ())
        if isinstance(was, dict) and isinstance(now, dict):
            _scheme(ctx, ("components", "securitySchemes", name), str(name), was, now)


def _scheme(
    ctx: Context, where: Path_, name: str, was: dict[str, Any], now: dict[str, Any]
) -> None:
    if _kind(was) != _kind(now):
        ctx.add(
            where,
            "security-scheme-changed:type",
            f"security scheme {name!r}: {_kind(was)} -> {_kind(now)}",
        )
        return
    for key in ("in", "name", "openIdConnectUrl"):
        if key in was or key in now:
            before, after = was.get(key), now.get(key)
            if (str(before).lower() if key == "name" else before) != (
                str(after).lower() if key == "name" else after
            ):
                ctx.add(
                    where,
                    "security-scheme-changed:details",
                    f"security scheme {name!r}: {key} {before!r} -> {after!r}",
                )
    old_flows, new_flows = mapping(was.get("flows")), mapping(now.get("flows"))
    for flow in sorted(set(old_flows) - set(new_flows), key=str):
        ctx.add(
            where,
            "security-scheme-changed:details",
            f"security scheme {name!r}: flow {flow} removed",
        )
    for flow in sorted(set(old_flows) | set(new_flows), key=str):
        before, after = mapping(old_flows.get(flow)), mapping(new_flows.get(flow))
        if flow in old_flows and flow in new_flows:
            for key in ("authorizationUrl", "tokenUrl", "refreshUrl"):
                if before.get(key) != after.get(key):
                    ctx.add(
                        where,
                        "security-scheme-changed:details",
                        f"security scheme {name!r}: {flow} {key} "
                        f"{before.get(key)!r} -> {after.get(key)!r}",
                    )
        was_scopes = {str(s) for s in mapping(before.get("scopes"))}
        now_scopes = {str(s) for s in mapping(after.get("scopes"))}
        for scope in sorted(now_scopes - was_scopes):
            ctx.add(
                where,
                "security-scheme-scope-added",
                f"security scheme {name!r}: {flow} offers scope {scope!r}",
            )
        if flow in new_flows:
            for scope in sorted(was_scopes - now_scopes):
                ctx.add(
                    where,
                    "security-scheme-scope-removed",
                    f"security scheme {name!r}: {flow} no longer offers scope {scope!r}",
                )
