"""Composition compared by direction: `oneOf`/`anyOf` members (alternatives), `allOf` members,
and `discriminator`s.

Members are matched by `$ref`, else by equal content; the inline ones left over are paired in
order (and compared in place) when both sides have as many. A schema that becomes a union of
itself and others (`X` -> `oneOf: [X, Y]`) gains alternatives; one that wraps itself with
`null` is judged by the walk as a nullability change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specforge.gate.diff.categories import CategoryId
from specforge.gate.diff.context import Context, Path_, SchemaPair, as_json, mapping, sequence

UNIONS = ("oneOf", "anyOf")


@dataclass(frozen=True)
class Member:
    """One member of a composition: where it is written, the node, and how it is matched."""

    where: Path_
    node: Any
    key: str

    @property
    def inline(self) -> bool:
        return not self.key.startswith("ref:")


@dataclass(frozen=True)
class Unions:
    """The union keyword of each side and its members (a single member for a side that is not
    a union but one of the other side's members)."""

    old_keyword: str
    new_keyword: str
    old: tuple[Member, ...]
    new: tuple[Member, ...]


def _key(node: Any) -> str:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return "ref:" + str(node["$ref"])
    return "json:" + as_json(node)


def _members(schema: dict[str, Any], keyword: str, where: Path_) -> tuple[Member, ...]:
    return tuple(
        Member((*where, keyword, index), node, _key(node))
        for index, node in enumerate(sequence(schema.get(keyword)))
    )


def _keyword(schema: dict[str, Any]) -> str:
    return next((k for k in UNIONS if sequence(schema.get(k))), "")


def unions(ctx: Context, pair: SchemaPair) -> Unions | None:
    """The unions to compare member by member, or None (then the types are compared)."""
    old_keyword, new_keyword = _keyword(pair.old), _keyword(pair.new)
    if old_keyword and new_keyword:
        return Unions(
            old_keyword,
            new_keyword,
            _members(pair.old, old_keyword, pair.old_where),
            _members(pair.new, new_keyword, pair.where),
        )
    if not old_keyword and not new_keyword:
        return None
    if old_keyword:
        single = Member(
            pair.where, pair.new_raw, "ref:" + pair.new_ref if pair.new_ref else _key(pair.new_raw)
        )
        members = _members(pair.old, old_keyword, pair.old_where)
        if any(m.key == single.key for m in members):
            return Unions(old_keyword, "", members, (single,))
        return None
    single = Member(
        pair.old_where, pair.old_raw, "ref:" + pair.old_ref if pair.old_ref else _key(pair.old_raw)
    )
    members = _members(pair.new, new_keyword, pair.where)
    if any(m.key == single.key for m in members):
        return Unions("", new_keyword, (single,), members)
    return None


def matched(
    old: tuple[Member, ...], new: tuple[Member, ...]
) -> tuple[list[tuple[Member, Member]], list[Member], list[Member]]:
    """(pairs to compare, members only NEW has, members only OLD has)."""
    pairs: list[tuple[Member, Member]] = []
    left_new = list(new)
    left_old: list[Member] = []
    for member in old:
        match = next((m for m in left_new if m.key == member.key), None)
        if match is None:
            left_old.append(member)
        else:
            left_new.remove(match)
            pairs.append((member, match))
    inline_old = [m for m in left_old if m.inline]
    inline_new = [m for m in left_new if m.inline]
    if inline_old and len(inline_old) == len(inline_new):
        pairs += list(zip(inline_old, inline_new, strict=True))
        left_old = [m for m in left_old if not m.inline]
        left_new = [m for m in left_new if not m.inline]
    return pairs, left_new, left_old


def alternatives(ctx: Context, pair: SchemaPair) -> None:
    """`oneOf`/`anyOf` members added, removed, and compared in pairs; `oneOf` <-> `anyOf`."""
    found = unions(ctx, pair)
    if found is None:
        return
    if found.old_keyword and found.new_keyword and found.old_keyword != found.new_keyword:
        stricter = found.new_keyword == "oneOf"  # oneOf refuses a value two members match
        category: CategoryId = (
            ("constraint-added:request" if pair.request else "constraint-added:response")
            if stricter
            else ("constraint-removed:request" if pair.request else "constraint-removed:response")
        )
        ctx.add(pair.where, category, f"{found.old_keyword} -> {found.new_keyword}")
    pairs, added, removed = matched(found.old, found.new)
    for before, after in pairs:
        ctx.schema(before.node, after.node, before.where, after.where, pair.direction)
    keyword = found.new_keyword or found.old_keyword
    for member in added:
        ctx.add(
            member.where,
            "alternative-added:request" if pair.request else "alternative-added:response",
            f"{keyword} member {_shown(member)} added",
        )
    for member in removed:
        ctx.add(
            member.where,
            "alternative-removed:request" if pair.request else "alternative-removed:response",
            f"{keyword} member {_shown(member)} removed",
            in_old=True,
        )


def _shown(member: Member) -> str:
    return member.key[4:].rpartition("/")[2] if not member.inline else f"#{member.where[-1]}"


def all_of(ctx: Context, pair: SchemaPair) -> None:
    """`allOf` members added or removed (their properties are compared merged, by the walk)."""
    if not sequence(pair.old_raw.get("allOf")) or not sequence(pair.new_raw.get("allOf")):
        return
    _, added, removed = matched(
        _members(pair.old_raw, "allOf", pair.old_where), _members(pair.new_raw, "allOf", pair.where)
    )
    for member in added:
        ctx.add(
            member.where,
            "all-of-member-added:request" if pair.request else "all-of-member-added:response",
            f"allOf member {_shown(member)} added",
        )
    for member in removed:
        ctx.add(
            member.where,
            "all-of-member-removed:request" if pair.request else "all-of-member-removed:response",
            f"allOf member {_shown(member)} removed",
            in_old=True,
        )


def discriminator(ctx: Context, pair: SchemaPair) -> None:
    """A `discriminator` added or removed, its property changed, its mapping's values."""
    was, now = pair.old.get("discriminator"), pair.new.get("discriminator")
    where = (*pair.where, "discriminator")
    if not isinstance(was, dict) and not isinstance(now, dict):
        return
    if not isinstance(was, dict):
        ctx.add(where, "discriminator-added", "discriminator added")
        return
    if not isinstance(now, dict):
        ctx.add(
            (*pair.old_where, "discriminator"),
            "discriminator-removed",
            "discriminator removed",
            in_old=True,
        )
        return
    if str(was.get("propertyName")) != str(now.get("propertyName")):
        ctx.add(
            where,
            "discriminator-property-changed",
            f"discriminator property {was.get('propertyName')!r} -> {now.get('propertyName')!r}",
        )
    old_map, new_map = mapping(was.get("mapping")), mapping(now.get("mapping"))
    for value in sorted(set(new_map) - set(old_map), key=str):
        ctx.add(
            (*where, "mapping", value),
            "discriminator-mapping-added:request"
            if pair.request
            else "discriminator-mapping-added:response",
            f"discriminator value {value!r} added",
        )
    for value in sorted(set(old_map) - set(new_map), key=str):
        ctx.add(
            (*pair.old_where, "discriminator", "mapping", value),
            "discriminator-mapping-removed:request"
            if pair.request
            else "discriminator-mapping-removed:response",
            f"discriminator value {value!r} removed",
            in_old=True,
        )
    for value in sorted(set(old_map) & set(new_map), key=str):
        if str(old_map[value]) != str(new_map[value]):
            ctx.add(
                (*where, "mapping", value),
                "discriminator-mapping-changed",
                f"discriminator value {value!r} maps {old_map[value]} -> {new_map[value]}",
            )
