"""`specforge diff OLD NEW [--format FORMAT] [--old-version VERSION] [--date DATE] [--fail-on ...]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from specforge.cli.common import add_limit_option, with_limits
from specforge.config import load_config
from specforge.gate.changelog import checked_date
from specforge.gate.compare import compare
from specforge.gate.report import FORMATS, THRESHOLDS, fails, render
from specforge.gate.semver import Version, VersionError

FORMAT_HELP = (
    "text (default); json; markdown (ready to post on a pull request); github (one workflow "
    "annotation per change); sarif (SARIF 2.1.0, for code scanning); changelog (the "
    "Keep-a-Changelog entry of the suggested version, for SDK users)"
)


def _version(text: str) -> Version:
    try:
        return Version.parse(text)
    except VersionError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _date(text: str) -> str:
    try:
        return checked_date(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="classify the changes between two spec versions and whom they break",
        description="Compare two OpenAPI documents, say whom each change breaks and suggest "
        "the SDK's next version. Exit 1 when the --fail-on threshold is met (breaking: a change "
        "breaks existing clients or the generated SDK; any: any change; none: never), 0 "
        "otherwise, 2 on bad usage or an unreadable spec.",
    )
    parser.add_argument("old", type=Path, metavar="OLD", help="the earlier spec (YAML or JSON)")
    parser.add_argument("new", type=Path, metavar="NEW", help="the later spec (YAML or JSON)")
    parser.add_argument("--format", choices=FORMATS, default="text", help=FORMAT_HELP)
    parser.add_argument(
        "--old-version",
        type=_version,
        metavar="VERSION",
        help="version of the SDK generated from OLD, that the suggested bump starts from "
        "(default: OLD's info.version, as specforge generate uses it, else 0.0.0)",
    )
    parser.add_argument(
        "--date",
        type=_date,
        metavar="YYYY-MM-DD",
        help="date of the changelog entry (--format changelog; default: no date, so that the "
        "same specs give the same bytes)",
    )
    parser.add_argument(
        "--fail-on",
        choices=THRESHOLDS,
        default="breaking",
        help="exit 1 on a breaking change (default), on any change, or never",
    )
    add_limit_option(parser)
    parser.set_defaults(handler=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.date is not None and args.format != "changelog":
        args.parser.error("--date dates a changelog entry: use it with --format changelog")
    with_limits(load_config(), args)
    notes: list[str] = []
    comparison = compare(args.old, args.new, notes, old_version=args.old_version)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(render(comparison, args.format, args.date))
    return 1 if fails(comparison.result, args.fail_on) else 0
