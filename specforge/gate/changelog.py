"""A Keep-a-Changelog entry for SDK users, and adding it to a CHANGELOG.md.

The entry speaks of the generated SDK (`client.pets.list()` argument `limit`, class `VideoJob`
and its field `status`), never of JSON pointers. Sections, in this order, empty ones left out:

- Breaking: everything that breaks SDK users (a removed class, method or argument included);
- Added: new classes, methods, arguments, properties, enum values, responses...;
- Changed: other compatible changes (a bound loosened, a parameter made optional...);
- Deprecated: operations, parameters and properties marked deprecated;
- Removed: what went without breaking SDK users (a documented error response...).

A change that is an SDK surface name added or removed is listed once, with its message; the
other surface names are listed on their own. The heading is `## [VERSION]`, with ` - DATE` only
when a date is given, so that the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from specforge.gate.compare import Comparison
from specforge.gate.diff import Change
from specforge.gate.sdk_names import Part, SdkNames, method_call
from specforge.gate.semver import Bump, suggest
from specforge.generator.escaping import markdown_code, markdown_text

SECTIONS = ("Breaking", "Added", "Changed", "Deprecated", "Removed")
PREAMBLE = (
    "# Changelog\n\n"
    "Every release of this SDK, newest first. The format follows Keep a Changelog\n"
    "(https://keepachangelog.com/en/1.1.0/); versions follow Semantic Versioning.\n"
)
_HEADING = re.compile(r"^## \[(?P<version>[^\]\n]*)\]", re.MULTILINE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Changes whose message only says what the SDK name already does, in SDK words.
_CLASS_WORDS = {"component-added": "class added", "component-removed": "class removed"}


@dataclass(frozen=True)
class Line:
    """One item: where in the SDK (parts, code or prose) and what happened."""

    parts: tuple[Part, ...]
    text: str

    def markdown(self) -> str:
        where = "".join(markdown_code(t) if code else _prose(t) for t, code in self.parts)
        what = markdown_text(self.text)
        return f"- {where}: {what}" if where else f"- {what[:1].upper()}{what[1:]}"


def _prose(text: str) -> str:
    """Prose between code spans, escaped, its outer spaces kept."""
    inner = markdown_text(text)
    return (" " if text[:1].isspace() else "") + inner + (" " if text[-1:].isspace() else "")


def section_of(change: Change) -> str:
    """The section a change goes in."""
    if change.breaking:
        return "Breaking"
    for suffix, section in (("-deprecated", "Deprecated"), ("-added", "Added")):
        if change.category.endswith(suffix):
            return section
    return "Removed" if change.category.endswith("-removed") else "Changed"


def points_into_old(change: Change) -> bool:
    """Whether the change's pointer is into OLD: something removed (an enum value removed is
    a change of the schema still there)."""
    return change.category.endswith("-removed") and "enum-value" not in change.category


def _surface_line(kind: str, name: str, verb: str) -> Line:
    if kind == "classes":
        return Line(((name, True),), f"class {verb}")
    if kind == "methods":
        return Line(((method_call(name), True),), f"method {verb}")
    method, _, argument = name.partition("(")
    parts = ((method_call(method), True), (" argument ", False), (argument.rstrip(")"), True))
    return Line(parts, f"argument {verb}")


def sections(comparison: Comparison) -> dict[str, list[Line]]:
    """Every section's lines, sorted (each line once)."""
    result = comparison.result
    names = SdkNames(comparison.old.normalized, comparison.new.normalized)
    surface = {
        (kind, way): set(result.surface.get(f"{kind}_{way}", []))
        for kind in ("classes", "methods", "parameters")
        for way in ("added", "removed")
    }
    listed: set[str] = set()
    found: dict[str, set[Line]] = {name: set() for name in SECTIONS}
    # What several changes say of one SDK name goes on one line.
    said: dict[tuple[str, tuple[Part, ...]], list[str]] = {}
    for change in result.changes:
        subject = names.subject(change.pointer, old=points_into_old(change))
        if subject is not None:
            listed |= subject.surface
        text = _CLASS_WORDS.get(change.category, change.message) if subject else change.message
        texts = said.setdefault((section_of(change), subject.parts if subject else ()), [])
        if text not in texts:
            texts.append(text)
    for (section, parts), texts in said.items():
        if parts:
            found[section].add(Line(parts, "; ".join(texts)))
        else:
            found[section].update(Line((), text) for text in texts)
    for (kind, way), items in surface.items():
        # A new (or removed) method's arguments come with it.
        methods = surface[("methods", way)]
        items = {n for n in items if kind != "parameters" or n.partition("(")[0] not in methods}
        for name in items - listed:
            section = "Added" if way == "added" else "Breaking"
            found[section].add(_surface_line(kind, name, way))
    return {
        name: sorted(lines, key=lambda line: (line.markdown().lower(), line.markdown()))
        for name, lines in found.items()
    }


def release_bump(comparison: Comparison) -> Bump:
    """The bump of the entry's version: the suggested one, a patch when nothing changed (an
    entry is for a new version, whose generated source may differ all the same)."""
    if comparison.bump.level != "none":
        return comparison.bump
    return suggest(comparison.result, comparison.bump.old, release=True)


def _release(comparison: Comparison, bump: Bump) -> str:
    old = markdown_code(str(bump.old))
    if not comparison.result.changes:
        return "No change to the API contract."
    if bump.zero_rule or bump.change == "major":
        kind = "A minor release with breaking changes (the major version is 0)"
        if not bump.zero_rule:
            kind = "A major release"
        return f"{kind}: code written for {old} may need changes (see Breaking)."
    return f"A {bump.level} release: code written for {old} keeps working."


def entry(comparison: Comparison, date: str | None = None) -> str:
    """The changelog entry of the version `comparison` suggests (Markdown, ends with a newline)."""
    bump = release_bump(comparison)
    heading = f"## [{bump.new}]" + (f" - {checked_date(date)}" if date else "")
    lines = [heading, "", _release(comparison, bump)]
    for name, items in sections(comparison).items():
        if items:
            lines += ["", f"### {name}", "", *(item.markdown() for item in items)]
    return "\n".join(lines) + "\n"


def checked_date(text: str) -> str:
    """`text` when it is a date written YYYY-MM-DD, else ValueError."""
    if not _DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date written YYYY-MM-DD")
    datetime.date.fromisoformat(text)
    return text


def prepended(existing: str | None, new_entry: str, replace: str | None = None) -> str:
    """`existing` (a CHANGELOG.md; None or "" for none yet) with `new_entry` above its newest
    release (below an `## [Unreleased]` section). With `replace`, an entry of that version in
    that place is replaced instead (the one an earlier run from the same base wrote)."""
    if not existing or not existing.strip():
        return f"{PREAMBLE}\n{new_entry}"
    newest = next(
        (h for h in _HEADING.finditer(existing) if h["version"].strip().lower() != "unreleased"),
        None,
    )
    if newest is None:
        return f"{existing.rstrip()}\n\n{new_entry}"
    head, tail = existing[: newest.start()], existing[newest.start() :]
    if replace is not None and newest["version"].strip() == replace:
        following = _HEADING.search(existing, newest.end())
        tail = existing[following.start() :] if following else ""
    return f"{head}{new_entry}\n{tail}" if tail else f"{head}{new_entry}"
