"""`specforge diff OLD NEW [--format text|json|markdown] [--fail-on breaking|any|none]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from specforge.cli.common import add_limit_option, with_limits
from specforge.config import load_config
from specforge.gate.report import FORMATS, THRESHOLDS, diff_files, fails, render


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="classify the changes between two spec versions and whom they break",
        description="Compare two OpenAPI documents. Exit 1 when the --fail-on threshold is met "
        "(breaking: a change breaks existing clients or the generated SDK; any: any "
        "change; none: never), 0 otherwise, 2 on bad usage or an unreadable spec.",
    )
    parser.add_argument("old", type=Path, metavar="OLD", help="the earlier spec (YAML or JSON)")
    parser.add_argument("new", type=Path, metavar="NEW", help="the later spec (YAML or JSON)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json, or markdown (ready to post on a pull request)",
    )
    parser.add_argument(
        "--fail-on",
        choices=THRESHOLDS,
        default="breaking",
        help="exit 1 on a breaking change (default), on any change, or never",
    )
    add_limit_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with_limits(load_config(), args)
    notes: list[str] = []
    result = diff_files(args.old, args.new, notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(render(result, args.format, str(args.old), str(args.new)))
    return 1 if fails(result, args.fail_on) else 0
