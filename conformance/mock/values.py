"""JSON values the mock answers with, copied per request."""

from __future__ import annotations

import copy
from typing import Any, TypeVar, cast

T = TypeVar("T")

_SCALARS = (str, int, float, bool, type(None))


def copy_json(value: T) -> T:
    """A deep copy of a JSON value: `copy.deepcopy`'s result for dicts, lists and scalars, without
    its memo (a template is a tree, never a graph); anything else goes through `copy.deepcopy`."""
    return cast(T, _copied(value))


def _copied(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)
