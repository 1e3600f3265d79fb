"""`specforge validate`: check the spec with openapi-spec-validator."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from specforge.cli.common import add_spec_options, config_from
from specforge.generator.pipeline import load_config_document


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate the spec",
        description="Load the spec (safe YAML, local $refs only) and validate it; "
        "each finding names the file, the JSON pointer and the rule.",
    )
    add_spec_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    document = load_config_document(config)
    spec, findings = document.spec, document.findings
    for finding in findings:
        print(f"warning: {finding.render(spec.source)}", file=sys.stderr)
    print(
        f"{spec.source}: valid OpenAPI {spec.document.get('openapi')}"
        + (f" ({len(findings)} finding(s) accepted with --lenient)" if findings else "")
    )
    return 0
