"""Jinja environment and the filters that keep spec text inert in generated Python."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\u0085]")


def pyrepr(value: Any) -> str:
    """A Python literal for a JSON value (str, number, bool, None, list, dict)."""
    if isinstance(value, float) and value != value:  # NaN never comes from JSON/YAML safely
        return "float('nan')"
    if isinstance(value, (list, tuple)):
        return "(" + "".join(pyrepr(item) + ", " for item in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {pyrepr(v)}" for k, v in value.items()) + "}"
    return repr(value)


def docstring(text: Any) -> str:
    """Text safe inside a triple-double-quoted docstring: no escapes, no closing quotes."""
    cleaned = _CONTROL.sub(" ", str(text or "")).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    cleaned = "\n".join(line.rstrip() for line in cleaned.strip().splitlines())
    if cleaned.endswith('"'):
        cleaned += " "
    return cleaned


def comment(text: Any) -> str:
    """Text safe on one comment line."""
    return " ".join(_CONTROL.sub(" ", str(text or "")).split())


def indent_doc(text: Any, width: int = 4) -> str:
    """A docstring body indented for use inside a method."""
    lines = docstring(text).splitlines()
    pad = " " * width
    return "\n".join((pad + line) if line else "" for line in lines)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pyrepr=pyrepr,
        docstring=docstring,
        comment=comment,
        indent_doc=indent_doc,
        tojson_sorted=lambda value: json.dumps(value, sort_keys=True),
    )
    return env
