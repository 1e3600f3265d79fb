"""The escapers keep any text inert in its target syntax; templates cannot skip them."""

from __future__ import annotations

import ast
import io
import tokenize

import jinja2
import pytest
import tomllib
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from specforge.generator import escaping
from specforge.generator.escaping import Escaped, EscapeError
from specforge.generator.render import UnescapedValueError, environment

TRAPS = [
    '"""',
    "'''",
    "\\",
    "end\\",
    "line\nbreak",
    "\r\n",
    "\x00nul",
    "\u2028",
    "\ud800",
    "`` ``` ````",
    "-->",
    "# -*- coding: utf-7 -*-",
    "{{ 7*7 }}{% raw %}",
    '"""+__import__("os").system("true")+"""',
]
texts = st.one_of(st.sampled_from(TRAPS), st.text(), st.text(alphabet="\"'\\\n`#-<>{}%\x00 a"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)


@given(json_values)
def test_python_literal_is_one_inert_expression(value: object) -> None:
    source = escaping.python_literal(value)
    tree = ast.parse(source, mode="eval")
    assert not any(isinstance(node, (ast.Name, ast.Attribute)) for node in ast.walk(tree)) or (
        "float(" in source
    )
    assert all(
        isinstance(node.func, ast.Name) and node.func.id == "float"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    )


@given(texts)
def test_docstring_text_stays_one_string(text: str) -> None:
    body = escaping.python_docstring(text)
    tree = ast.parse(f'def f():\n    """{body}"""\n')
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef) and len(function.body) == 1
    constant = function.body[0]
    assert isinstance(constant, ast.Expr) and isinstance(constant.value, ast.Constant)
    assert isinstance(constant.value.value, str)


@given(texts, st.integers(min_value=0, max_value=16))
def test_indented_docstring_stays_one_string(text: str, width: int) -> None:
    body = escaping.python_indented_docstring(text, width)
    tree = ast.parse(f'x = """{body}"""\n')
    assert len(tree.body) == 1


@given(texts)
def test_comment_is_one_comment_line_without_coding_declaration(text: str) -> None:
    line = "# " + escaping.python_comment(text)
    tokens = list(tokenize.generate_tokens(io.StringIO(line + "\nx = 1\n").readline))
    comments = [t for t in tokens if t.type == tokenize.COMMENT]
    assert len(comments) == 1 and comments[0].start[0] == 1
    assert tokenize.detect_encoding(io.BytesIO(line.encode("utf-8") + b"\n").readline)[0] in (
        "utf-8",
        "utf-8-sig",
    )


def test_a_coding_declaration_in_a_header_is_defused() -> None:
    line = "# " + escaping.python_comment("from x.yaml -*- coding: utf-7 -*-")
    assert tokenize.detect_encoding(io.BytesIO(line.encode() + b"\n").readline)[0] == "utf-8"


@pytest.mark.parametrize("name", ["", "1a", "a-b", "class", "a b", "é", "a\n", "x()"])
def test_identifiers_are_checked_not_repaired(name: str) -> None:
    with pytest.raises(EscapeError):
        escaping.python_identifier(name)


@pytest.mark.parametrize(
    "hint",
    [
        "str | None",
        "Literal['a', \"b\\n\"]",
        "dict[str, list[Thing | int]]",
        "builtins.list[str]",
        "call.path_params",
    ],
)
def test_type_hints_accepted(hint: str) -> None:
    assert escaping.python_type_hint(hint) == hint


@pytest.mark.parametrize(
    "hint",
    [
        "__import__('os')",
        "str if x else int",
        "lambda: 1",
        "x := 1",
        "str\nimport os",
        "str; import os",
        "[x for x in y]",
        "f'{x}'",
    ],
)
def test_type_hints_that_could_run_are_refused(hint: str) -> None:
    with pytest.raises(EscapeError):
        escaping.python_type_hint(hint)


@given(texts)
def test_toml_string_round_trips(text: str) -> None:
    document = f"a = {escaping.toml_string(text)}\n[t]\n{escaping.toml_key(text)} = 1\n"
    parsed = tomllib.loads(document)
    expected = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    assert parsed["a"] == expected
    assert parsed["t"] == {expected: 1}


@given(texts)
def test_markdown_code_block_cannot_be_closed_by_its_text(text: str) -> None:
    block = escaping.markdown_code_block(text, "python")
    tokens = [t for t in MarkdownIt().parse(block + "\n\nafter\n") if t.type == "fence"]
    assert len(tokens) == 1


@given(texts)
def test_markdown_text_and_code_stay_inline(text: str) -> None:
    for rendered in (escaping.markdown_text(text), escaping.markdown_code(text)):
        html = MarkdownIt().render(f"before {rendered} after")
        assert html.count("<p>") == 1 and "<script" not in html
        assert "<h" not in html and "<a " not in html


@given(texts)
def test_markdown_comment_cannot_close_the_comment(text: str) -> None:
    assert "--" not in escaping.markdown_comment(text)
    assert ">" not in escaping.markdown_comment(text)


def _template(syntax: str, source: str) -> jinja2.Template:
    return environment(syntax).from_string(source)  # type: ignore[arg-type]


def test_a_template_that_forgets_to_escape_fails() -> None:
    with pytest.raises(UnescapedValueError, match="without escaping"):
        _template("python", "x = {{ value }}").render(value="1; import os")


def test_template_strings_chosen_at_render_time_need_an_escaper_too() -> None:
    with pytest.raises(UnescapedValueError):
        _template("python", '{{ "async " if flag else "" }}def f(): ...').render(flag=True)


def test_an_escaper_of_another_syntax_is_refused() -> None:
    toml_value = escaping.toml_string("x")
    with pytest.raises(UnescapedValueError, match="escaped for toml"):
        _template("python", "x = {{ value }}").render(value=toml_value)


def test_each_syntax_offers_only_its_own_escapers() -> None:
    for syntax, missing in (("python", "string"), ("toml", "pyrepr"), ("markdown", "docstring")):
        with pytest.raises(jinja2.TemplateAssertionError):
            _template(syntax, "{{ value | " + missing + " }}")
    for name in ("safe", "e", "escape", "forceescape", "format", "replace"):
        with pytest.raises(jinja2.TemplateAssertionError):
            _template("python", "{{ value | " + name + " }}")


def test_the_same_filter_name_escapes_for_the_template_syntax() -> None:
    python = _template("python", "# {{ value | comment }}").render(value="a\nb")
    toml = _template("toml", "# {{ value | comment }}").render(value="a\nb")
    markdown = _template("markdown", "<!-- {{ value | comment }} -->").render(value="a-->b")
    assert python == "# a b" and toml == "# a b" and "-->" not in markdown[4:-3]


def test_escaped_values_from_python_pass() -> None:
    assert _template("python", "x = {{ value }}").render(value=Escaped("1", "python")) == "x = 1"


def test_concatenating_escaped_text_with_raw_text_is_refused() -> None:
    with pytest.raises(UnescapedValueError):
        _template("python", "{{ (value | pyrepr) ~ raw }}").render(value="a", raw="; import os")


@pytest.mark.parametrize(
    "overrides",
    [{"package": "pkg\n"}, {"package": "pkg\nimport os"}, {"api_key_env": "KEY\n"}],
)
def test_config_names_with_a_trailing_line_break_are_refused(overrides: dict[str, str]) -> None:
    from specforge.config import Config
    from specforge.document.errors import ConfigError

    with pytest.raises(ConfigError):
        Config().with_overrides(**overrides)


@given(texts, texts)
def test_github_annotations_stay_one_command(message: str, title: str) -> None:
    line = escaping.github_annotation("error", message, file="spec.yaml", line=3, title=title)
    assert "\n" not in line and "\r" not in line
    head, _, _ = line.partition("::")[2].partition("::")
    assert head.count(",") == 2 and head.count("=") >= 3
