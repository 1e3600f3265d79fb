"""Deterministic strings for `pattern`s: the simplest string a regular expression matches.

Patterns are read as Python reads them (`re`), which agrees with ECMA-262 on the patterns specs
use (anchors, classes, counted repeats, groups, alternation); the result is checked with
`re.search`, so a pattern this reading gets wrong gives None, never a wrong value.
"""

from __future__ import annotations

import functools
import importlib
import re
from typing import Any

_sre: Any = importlib.import_module("re._constants")  # Python 3.11+: the parser of `re`
_parser: Any = importlib.import_module("re._parser")

_CATEGORY = {
    _sre.CATEGORY_DIGIT: "0",
    _sre.CATEGORY_WORD: "a",
    _sre.CATEGORY_SPACE: " ",
    _sre.CATEGORY_NOT_DIGIT: "a",
    _sre.CATEGORY_NOT_WORD: "-",
    _sre.CATEGORY_NOT_SPACE: "a",
}
_PREFERRED = "a0A_-x."


class _Unsupported(Exception):
    pass


@functools.lru_cache(maxsize=512)
def pattern_value(pattern: str) -> str | None:
    """The simplest string `pattern` matches, or None when none is found."""
    try:
        parsed = _parser.parse(pattern)
        value = _generate(list(parsed))
    except (_Unsupported, re.error, RecursionError, TypeError, ValueError):
        return None
    try:
        compiled = re.compile(pattern)
    except re.error:
        return None
    return value if compiled.search(value) else None


def anchored_at_end(pattern: str) -> bool:
    """Whether the pattern ends with a bare `$` (which Python's `re` also matches before a
    trailing newline, unlike ECMA-262 and `\\Z`)."""
    return pattern.endswith("$") and not pattern.endswith("\\$")


def _generate(items: list[Any]) -> str:
    out: list[str] = []
    for op, arg in items:
        if op is _sre.LITERAL:
            out.append(chr(arg))
        elif op is _sre.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is _sre.ANY:
            out.append("a")
        elif op is _sre.IN:
            out.append(_first_in(arg))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
            low, _high, sub = arg
            out.append(_generate(list(sub)) * int(low))
        elif op is _sre.SUBPATTERN:
            out.append(_generate(list(arg[-1])))
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            out.append(_generate(list(arg)))
        elif op is _sre.BRANCH:
            out.append(_generate(list(arg[1][0])))
        elif op is _sre.AT or op in (_sre.ASSERT, _sre.ASSERT_NOT):
            continue
        else:
            raise _Unsupported(str(op))
    return "".join(out)


def _first_in(items: list[Any]) -> str:
    if items and items[0][0] is _sre.NEGATE:
        excluded = items[1:]
        for char in _PREFERRED:
            if not any(_member(char, item) for item in excluded):
                return char
        raise _Unsupported("negated class")
    for op, arg in items:
        if op is _sre.LITERAL:
            return chr(arg)
        if op is _sre.RANGE:
            low, high = arg
            for char in _PREFERRED:
                if low <= ord(char) <= high:
                    return char
            return chr(low)
        if op is _sre.CATEGORY and arg in _CATEGORY:
            return _CATEGORY[arg]
    raise _Unsupported("class")


def _member(char: str, item: tuple[Any, Any]) -> bool:
    op, arg = item
    if op is _sre.LITERAL:
        return bool(ord(char) == arg)
    if op is _sre.RANGE:
        return bool(arg[0] <= ord(char) <= arg[1])
    if op is _sre.CATEGORY:
        return _CATEGORY.get(arg) == char or arg in (
            _sre.CATEGORY_WORD,
            _sre.CATEGORY_NOT_SPACE,
        )
    return True
