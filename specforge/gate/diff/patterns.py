"""Whether one `pattern` provably accepts all that another does, in simple cases.

A pattern is read as a sequence of atoms (a character, `.`, a class such as `[a-z]` or `\\d`)
each with a count range (`?`, `*`, `+`, `{m,n}`), optionally anchored by `^` and `$`; groups,
alternation and back-references are not read (then nothing is proven). NEW accepts all OLD
accepts when it has no anchor OLD lacks and each atom's characters and count range contain
OLD's, or when NEW matches every string (unanchored at one end and able to match nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Relation = Literal["same", "looser", "tighter", "changed"]
_MAX = 1 << 30  # "unbounded" count
_CHARS = 0x110000
Ranges = tuple[tuple[int, int], ...]  # inclusive code point ranges, sorted, disjoint


def _normal(ranges: list[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def _complement(ranges: Ranges) -> Ranges:
    found: list[tuple[int, int]] = []
    start = 0
    for low, high in ranges:
        if low > start:
            found.append((start, low - 1))
        start = high + 1
    if start < _CHARS:
        found.append((start, _CHARS - 1))
    return tuple(found)


def _within(inner: Ranges, outer: Ranges) -> bool:
    return all(any(a <= low and high <= b for a, b in outer) for low, high in inner)


_DIGIT: Ranges = ((48, 57),)
_WORD: Ranges = _normal([(48, 57), (65, 90), (95, 95), (97, 122)])
_SPACE: Ranges = _normal([(9, 13), (32, 32)])
_LINE_ENDS: Ranges = _normal([(10, 10), (13, 13), (0x2028, 0x2029)])
_ESCAPES: dict[str, Ranges] = {
    "d": _DIGIT,
    "w": _WORD,
    "s": _SPACE,
    "D": _complement(_DIGIT),
    "W": _complement(_WORD),
    "S": _complement(_SPACE),
}
_CONTROL = {"n": 10, "r": 13, "t": 9, "f": 12, "v": 11, "0": 0}


@dataclass(frozen=True)
class Atom:
    chars: Ranges
    low: int
    high: int


@dataclass(frozen=True)
class Parsed:
    start: bool
    end: bool
    atoms: tuple[Atom, ...]


class _Unread(Exception):
    """A construct this reader does not prove anything about."""


class _Reader:
    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise _Unread
        self.at += 1
        return char

    def escape(self) -> Ranges:
        char = self.take()
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char in _CONTROL:
            return ((_CONTROL[char], _CONTROL[char]),)
        if char.isalnum():  # \b, \u...: not read
            raise _Unread
        return ((ord(char), ord(char)),)

    def klass(self) -> Ranges:
        negated = self.peek() == "^"
        if negated:
            self.take()
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            char = self.take()
            if char == "]" and not first:
                break
            first = False
            if char == "\\":
                part = self.escape()
            elif char == "[":
                raise _Unread
            else:
                part = ((ord(char), ord(char)),)
            if self.peek() == "-" and self.text[self.at + 1 : self.at + 2] not in ("]", ""):
                self.take()
                end = self.take()
                end_part = self.escape() if end == "\\" else ((ord(end), ord(end)),)
                if len(part) != 1 or len(end_part) != 1 or part[0][0] != part[0][1]:
                    raise _Unread
                ranges.append((part[0][0], end_part[0][0]))
            else:
                ranges.extend(part)
        found = _normal(ranges)
        return _complement(found) if negated else found

    def count(self) -> tuple[int, int]:
        char = self.peek()
        low, high = 1, 1
        if char == "?":
            low, high = 0, 1
        elif char == "*":
            low, high = 0, _MAX
        elif char == "+":
            low, high = 1, _MAX
        elif char == "{":
            close = self.text.find("}", self.at)
            inside = self.text[self.at + 1 : close] if close > 0 else ""
            lower, comma, upper = inside.partition(",")
            if not lower.isdigit() or (upper and not upper.isdigit()):
                return 1, 1  # a literal brace
            low = int(lower)
            high = (int(upper) if upper else _MAX) if comma else low
            self.at = close
        else:
            return low, high
        self.take()
        if self.peek() == "?":  # lazy: the same strings
            self.take()
        return low, high


def parse(pattern: str) -> Parsed | None:
    """The pattern as anchors and atoms, or None when it uses what is not read here."""
    text = pattern
    start = text.startswith("^")
    end = text.endswith("$") and not text.endswith("\\$")
    body = text[1 if start else 0 : len(text) - 1 if end else len(text)]
    reader = _Reader(body)
    atoms: list[Atom] = []
    try:
        while reader.peek():
            char = reader.take()
            if char in "()|^$*+?":  # groups, alternation, inner anchors, a stray quantifier
                raise _Unread
            if char == "\\":
                chars: Ranges = reader.escape()
            elif char == "[":
                chars = reader.klass()
            elif char == ".":
                chars = _complement(_LINE_ENDS)
            else:  # a literal, `{` and `}` included when they are not a count
                chars = ((ord(char), ord(char)),)
            low, high = reader.count()
            if low > high:
                raise _Unread
            atoms.append(Atom(chars, low, high))
    except _Unread:
        return None
    return Parsed(start, end, tuple(atoms))


def _universal(parsed: Parsed) -> bool:
    """Matches every string: not anchored at both ends, and able to match nothing."""
    return not (parsed.start and parsed.end) and all(atom.low == 0 for atom in parsed.atoms)


def _accepts_all_of(wide: Parsed, narrow: Parsed) -> bool:
    if _universal(wide):
        return True
    if (wide.start and not narrow.start) or (wide.end and not narrow.end):
        return False
    if len(wide.atoms) != len(narrow.atoms):
        return False
    return all(
        _within(n.chars, w.chars) and w.low <= n.low and n.high <= w.high
        for w, n in zip(wide.atoms, narrow.atoms, strict=True)
    )


def relation(old: str, new: str) -> Relation:
    """How NEW's pattern relates to OLD's: the same, looser, tighter, or changed (unproven)."""
    if old == new:
        return "same"
    was, now = parse(old), parse(new)
    if was is None or now is None:
        return "changed"
    wider, narrower = _accepts_all_of(now, was), _accepts_all_of(was, now)
    if wider and narrower:
        return "same"
    return "looser" if wider else "tighter" if narrower else "changed"
