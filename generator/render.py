"""Template environments, one per target syntax, that output nothing unescaped.

A template's syntax comes from its file name (`*.py.jinja`, `*.toml.jinja`, `*.md.jinja`).
Each syntax has its own environment whose filters are that syntax's escapers
(`specforge.generator.escaping`), so `{{ x | comment }}` means a Python comment in a `.py` template and a
TOML comment in a `.toml` one. Every `{{ ... }}` must end in such a filter (or be a value the
renderer escaped itself, or a macro's output, which was checked as it was built): anything else
stops the render with an error naming the value.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from specforge.document.errors import SpecforgeError
from specforge.generator import escaping
from specforge.generator.escaping import Escaped, Syntax

SUFFIXES: dict[str, Syntax] = {
    ".py.jinja": "python",
    ".toml.jinja": "toml",
    ".md.jinja": "markdown",
}

FILTERS: dict[Syntax, dict[str, Callable[..., Escaped]]] = {
    "python": {
        "pyrepr": escaping.python_literal,
        "docstring": escaping.python_docstring,
        "indent_doc": escaping.python_indented_docstring,
        "comment": escaping.python_comment,
        "ident": escaping.python_identifier,
        "hint": escaping.python_type_hint,
    },
    "toml": {
        "string": escaping.toml_string,
        "key": escaping.toml_key,
        "comment": escaping.toml_comment,
    },
    "markdown": {
        "text": escaping.markdown_text,
        "code": escaping.markdown_code,
        "codeblock": escaping.markdown_code_block,
        "comment": escaping.markdown_comment,
    },
    "json": {},
}
COMMENTS: dict[Syntax, Callable[[Any], Escaped]] = {
    "python": lambda text: escaping.Escaped("# " + escaping.python_comment(text), "python"),
    "toml": lambda text: escaping.Escaped("# " + escaping.toml_comment(text), "toml"),
    "markdown": lambda text: escaping.Escaped(
        "<!-- " + escaping.markdown_comment(text) + " -->", "markdown"
    ),
    "json": escaping.json_value,
}
"""A whole comment line in each syntax, for the header every generated file starts with."""

# Built-in filters that only reshape text; all others (`safe`, `escape`, `format`, ...) are off.
_LAYOUT_FILTERS = ("indent", "join", "length", "first", "last", "list", "sort")


class UnescapedValueError(SpecforgeError):
    """A template tried to output a value that no escaper of its syntax produced."""


def syntax_of(template: str) -> Syntax:
    """The target syntax of a template, from its file name."""
    for suffix, syntax in SUFFIXES.items():
        if template.endswith(suffix):
            return syntax
    raise UnescapedValueError(
        f"template {template!r} does not name its syntax ({', '.join(SUFFIXES)})"
    )


def _finalizer(syntax: Syntax) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        if isinstance(value, Escaped):
            if value.syntax != syntax:
                raise UnescapedValueError(
                    f"{value[:60]!r} was escaped for {value.syntax}, not {syntax}"
                )
            return Markup(value)
        if isinstance(value, Markup):  # a macro's output: its own values were checked
            return value
        if syntax == "python" and isinstance(value, (bool, int)):
            return Markup(repr(value))
        raise UnescapedValueError(
            f"a {syntax} template outputs {str(value)[:60]!r} without escaping it "
            f"(use one of the filters {', '.join(sorted(FILTERS[syntax]))})"
        )

    return finalize


class _SyntaxLoader(jinja2.PackageLoader):
    """Loads only the templates of one syntax, from the installed `specforge.templates`."""

    def __init__(self, syntax: Syntax) -> None:
        super().__init__("specforge", "templates")
        self.syntax = syntax

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool] | None]:
        if syntax_of(template) != self.syntax:
            raise jinja2.TemplateNotFound(f"{template} (not a {self.syntax} template)")
        return super().get_source(environment, template)


@cache
def environment(syntax: Syntax) -> jinja2.Environment:
    """The environment that renders `syntax` templates."""
    env = jinja2.Environment(
        loader=_SyntaxLoader(syntax),
        autoescape=True,
        finalize=_finalizer(syntax),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    layout = {name: env.filters[name] for name in _LAYOUT_FILTERS}
    env.filters.clear()
    env.filters.update(layout)
    env.filters.update(FILTERS[syntax])
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """Render `template` in the environment of its syntax."""
    return environment(syntax_of(template)).get_template(template).render(**context)
