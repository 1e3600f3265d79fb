"""`specforge lint [SPEC] [--format text|json|github]`: findings beyond schema validity."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from specforge.cli.common import add_limit_option, with_limits
from specforge.config import load_config
from specforge.document.document import load_document
from specforge.document.errors import ConfigError, Finding
from specforge.document.loader import LoadedSpec
from specforge.gate.lint import RULES, LintFinding, lint_document, unknown_rules
from specforge.generator.escaping import github_annotation

FORMATS = ("text", "json", "github")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="report what makes SDKs and servers go wrong (beyond schema validity)",
        description="Lint an OpenAPI document. Exit 0 without error-severity findings, 1 with "
        "them, 2 on bad usage or an invalid spec. Silence a rule (or one finding, "
        "'rule#/pointer') with [tool.specforge] lint_ignore = [...].",
    )
    parser.add_argument(
        "spec",
        nargs="?",
        type=Path,
        metavar="SPEC",
        help="OpenAPI 3.0/3.1 document (default: [tool.specforge] spec)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json, or github (workflow annotations)",
    )
    parser.add_argument("--list-rules", action="store_true", help="print the rules and exit")
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="lint a document the validator rejects (its findings are printed as warnings first)",
    )
    add_limit_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.list_rules:
        for spec_rule in RULES.values():
            print(f"{spec_rule.name:32} {spec_rule.severity:8} {spec_rule.fix}")
        return 0
    config = with_limits(load_config(), args)
    ignore = config.lint_ignore
    unknown = unknown_rules(ignore)
    if unknown:
        raise ConfigError(
            f"[tool.specforge] lint_ignore names unknown rule(s) {', '.join(unknown)}; "
            f"accepted: {', '.join(RULES)} (optionally followed by '#/json/pointer')"
        )
    lenient = args.lenient or config.lenient
    document = load_document(
        args.spec or config.spec, lenient=lenient, warn=lenient, hint="pass --lenient to lint it"
    )
    findings = lint_document(document.normalized, ignore)
    print(render(findings, document.spec, args.format))
    return 1 if any(finding.severity == "error" for finding in findings) else 0


def render(findings: Sequence[LintFinding], spec: LoadedSpec, fmt: str) -> str:
    """The findings in one of FORMATS."""
    errors = sum(1 for finding in findings if finding.severity == "error")
    summary = f"{errors} error(s), {len(findings) - errors} warning(s)"
    if fmt == "json":
        return json.dumps(
            {
                "spec": spec.source,
                "findings": [f.as_dict() for f in findings],
                "summary": {"errors": errors, "warnings": len(findings) - errors},
            },
            indent=2,
        )
    if fmt == "github":
        lines = LineIndex(spec.text)
        return "\n".join(
            [
                *(_annotation(finding, _relative(spec.path), lines) for finding in findings),
                f"specforge lint: {summary}",
            ]
        )
    rows = [
        f"{spec.source}#{f.pointer}: {f.severity} [{f.rule}] {f.message}\n    fix: {f.fix}"
        for f in findings
    ]
    return "\n".join([*rows, f"{spec.source}: {summary}"])


def _annotation(finding: LintFinding, source: str, lines: LineIndex) -> str:
    level = "error" if finding.severity == "error" else "warning"
    text = f"{finding.pointer}: {finding.message}. Fix: {finding.fix}"
    line = lines.line_of(finding.pointer)
    return github_annotation(level, text, file=source, line=line, title=finding.rule)


class LineIndex:
    """1-based line numbers of JSON pointers in a YAML/JSON text (1 when unknown)."""

    def __init__(self, text: str) -> None:
        try:
            self._root: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self._root = None

    def line_of(self, pointer: str) -> int:
        node, line = self._root, 1
        for raw in pointer.lstrip("/").split("/") if pointer else []:
            found = _child(node, raw.replace("~1", "/").replace("~0", "~"))
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        return line


def _child(node: yaml.Node | None, token: str) -> tuple[yaml.Node, yaml.Node] | None:
    """(node whose line to report, child node) for one pointer token."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == token:
                return key, value
    if isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
        item = node.value[int(token)]
        return item, item
    return None


def _relative(path: Path) -> str:
    """`path` relative to the working directory when inside it (annotations need that)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


__all__ = ["FORMATS", "Finding", "LineIndex", "register", "render", "run"]
