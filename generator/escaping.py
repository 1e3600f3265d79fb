"""The only way text reaches a generated file: one escaper per target syntax and place.

Every escaper returns `Escaped`, a `str` that remembers its syntax. The template environments
(`specforge.generator.render`) refuse to output anything else, so a template that forgets to escape a
value fails the build instead of emitting it raw.
"""

from __future__ import annotations

import ast
import json
import keyword
import re
from typing import Any, Literal
from urllib.parse import quote

from specforge.document.errors import SpecforgeError

Syntax = Literal["python", "toml", "markdown", "json", "github", "text", "sarif"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# PEP 263: a comment on one of the first two lines that matches this re-encodes the file.
_CODING = re.compile(r"(coding)([:=])", re.IGNORECASE)
MAX_HINT = 20_000


class Escaped(str):
    """Text made safe for one target syntax by one of the escapers below."""

    syntax: Syntax

    def __new__(cls, text: str, syntax: Syntax) -> Escaped:
        made = super().__new__(cls, text)
        made.syntax = syntax
        return made


class EscapeError(SpecforgeError, ValueError):
    """A value that cannot be made safe for the place it is meant for."""


def _text(value: Any) -> str:
    """`value` as text without lone surrogates (they cannot be written as UTF-8)."""
    return _SURROGATE.sub("\ufffd", "" if value is None else str(value))


def _one_line(value: Any) -> str:
    return " ".join(_CONTROL.sub(" ", _text(value)).split())


# -- Python ------------------------------------------------------------------------------------
def python_literal(value: Any) -> Escaped:
    """A Python literal for a JSON value (str, number, bool, None, list, dict)."""
    return Escaped(_literal(value), "python")


def _literal(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        if value != value:
            return "float('nan')"
        if value in (float("inf"), float("-inf")):
            return "float('inf')" if value > 0 else "-float('inf')"
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, str):
        return repr(_text(value))
    if isinstance(value, (list, tuple)):
        return "(" + "".join(_literal(item) + ", " for item in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    raise EscapeError(f"no Python literal for a {type(value).__name__}")


def python_docstring(value: Any) -> Escaped:
    """Text safe inside a triple-double-quoted (non-raw) docstring."""
    cleaned = _CONTROL.sub(" ", _text(value)).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    cleaned = "\n".join(line.rstrip() for line in cleaned.strip().splitlines())
    if cleaned.endswith('"'):
        cleaned += " "
    return Escaped(cleaned, "python")


def python_indented_docstring(value: Any, width: int = 4) -> Escaped:
    """A docstring body whose lines after the first are indented by `width` spaces."""
    pad = " " * width
    first, *rest = python_docstring(value).splitlines() or [""]
    lines = [first, *((pad + line) if line else "" for line in rest)]
    return Escaped("\n".join(lines), "python")


def python_comment(value: Any) -> Escaped:
    """Text safe on one `#` comment line (no line break, no PEP 263 coding declaration)."""
    return Escaped(_CODING.sub(r"\1 \2", _one_line(value)), "python")


def python_identifier(value: Any) -> Escaped:
    """An identifier made by the naming rules; anything else is refused, not repaired."""
    text = str(value)
    if not text.isidentifier() or keyword.iskeyword(text) or not text.isascii():
        raise EscapeError(f"{text!r} is not a Python identifier")
    return Escaped(text, "python")


_HINT_NODES = (
    ast.Expression,
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Tuple,
    ast.List,
    ast.Constant,
    ast.BinOp,
    ast.BitOr,
    ast.Load,
)


def python_type_hint(value: Any) -> Escaped:
    """A type expression: names, attributes, subscripts, `|` and constants, nothing that runs."""
    text = str(value)
    if "\n" in text or "\r" in text or len(text) > MAX_HINT:
        raise EscapeError(f"type hint {text[:80]!r} spans lines or is too long")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise EscapeError(f"type hint {text[:80]!r} is not valid Python: {error.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _HINT_NODES):
            raise EscapeError(f"type hint {text[:80]!r} holds a {type(node).__name__}")
        if isinstance(node, ast.Constant) and not isinstance(
            node.value, (str, int, float, bool, type(None), bytes)
        ):
            raise EscapeError(f"type hint {text[:80]!r} holds a {type(node.value).__name__}")
    return Escaped(text, "python")


# -- TOML --------------------------------------------------------------------------------------
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_TOML_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(value: Any) -> Escaped:
    """A TOML basic string."""
    out = []
    for char in _text(value):
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return Escaped('"' + "".join(out) + '"', "toml")


def toml_key(value: Any) -> Escaped:
    """A TOML key: bare when it may be, else quoted."""
    text = _text(value)
    return Escaped(text, "toml") if _TOML_BARE_KEY.fullmatch(text) else toml_string(text)


def toml_comment(value: Any) -> Escaped:
    """Text safe on one TOML comment line."""
    return Escaped(_one_line(value), "toml")


# -- Markdown ----------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()|<>~&])")


def markdown_text(value: Any) -> Escaped:
    """Inline Markdown text: one line, every punctuation mark that means something escaped."""
    return Escaped(_MD_SPECIAL.sub(r"\\\1", _one_line(value)), "markdown")


def markdown_code(value: Any) -> Escaped:
    """An inline code span, fenced with more backticks than the text holds in a row."""
    text = _one_line(value)
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return Escaped(f"{fence}{pad}{text}{pad}{fence}", "markdown")


def markdown_code_block(value: Any, language: str = "") -> Escaped:
    """A fenced code block whose fence no line of the text can close."""
    text = _CONTROL.sub(" ", _text(value)).rstrip("\n")
    run = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (run + 1)
    tag = language if re.fullmatch(r"[a-z0-9]*", language) else ""
    return Escaped(f"{fence}{tag}\n{text}\n{fence}", "markdown")


def markdown_comment(value: Any) -> Escaped:
    """Text safe inside an HTML comment in Markdown."""
    text = _one_line(value)
    while "--" in text:
        text = text.replace("--", "- -")
    return Escaped(text.replace(">", "&gt;"), "markdown")


# -- JSON --------------------------------------------------------------------------------------
def json_document(value: Any) -> Escaped:
    """A JSON document (sorted keys, ASCII only)."""
    return Escaped(json.dumps(value, sort_keys=True, ensure_ascii=True, indent=None), "json")


def json_value(value: Any) -> Escaped:
    """A JSON value inside another syntax's text."""
    return json_document(value)


# -- GitHub workflow commands ------------------------------------------------------------------
def _github_data(text: str) -> str:
    return _text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_annotation(level: str, message: str, **properties: object) -> Escaped:
    """One `::level key=value,...::message` line that no text can end or extend."""
    if level not in ("error", "warning", "notice"):
        raise EscapeError(f"{level!r} is not a GitHub annotation level")
    props = ",".join(
        f"{key}={_github_data(str(value)).replace(':', '%3A').replace(',', '%2C')}"
        for key, value in properties.items()
    )
    return Escaped(f"::{level} {props}::{_github_data(message)}", "github")


# -- Plain text (a terminal) -------------------------------------------------------------------
# C1 controls (an 8-bit CSI starts a terminal escape too) and the bidirectional overrides.
_TERMINAL = re.compile(r"[\x80-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain_text(value: Any) -> Escaped:
    """One line for a terminal or a log: no control character, escape sequence or bidi override."""
    return Escaped(_one_line(_TERMINAL.sub(" ", _text(value))), "text")


# -- Markdown tables ---------------------------------------------------------------------------
def markdown_cell_code(value: Any) -> Escaped:
    """An inline code span inside a table cell (GFM splits cells on `|` even inside code)."""
    return Escaped(markdown_code(value).replace("|", "\\|"), "markdown")


# -- JSON reports ------------------------------------------------------------------------------
def _clean(value: Any) -> Any:
    """`value` with every string (and key) free of lone surrogates."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_text(k) if isinstance(k, str) else k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    return value


def json_report(value: Any) -> Escaped:
    """A readable JSON document: keys in their order, indented, ASCII only."""
    return Escaped(json.dumps(_clean(value), indent=2, ensure_ascii=True), "json")


# -- SARIF -------------------------------------------------------------------------------------
def sarif_text(value: Any) -> Escaped:
    """The text of a SARIF message: `{` and `}` doubled (single ones mark placeholders, SARIF
    2.1.0 section 3.11.5), control characters but line breaks replaced."""
    text = _CONTROL.sub(" ", _text(value).replace("\r\n", "\n").replace("\r", "\n"))
    return Escaped(text.replace("{", "{{").replace("}", "}}"), "sarif")


def sarif_uri(value: Any) -> Escaped:
    """A file path as a SARIF `uri`: a percent-encoded relative reference, or a `file://` URI
    for an absolute path (no part of the path can pass for a scheme, query or fragment)."""
    path = _text(value).replace("\\", "/")
    quoted = quote(path, safe="/")
    return Escaped(f"file://{quoted}" if path.startswith("/") else quoted, "sarif")
