"""`specforge check`: fail with a diff when the committed package is not what the spec gives."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from specforge.cli.common import add_spec_options, config_from, generate_command
from specforge.generator.drift import unified_diff
from specforge.generator.output import normal_output
from specforge.generator.pipeline import generate


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="fail when the generated package is stale",
        description="Validate the spec, regenerate into a temporary folder and compare with the "
        "output folder; prints a unified diff and exits 1 on any difference. Files specforge "
        "did not write there (build/, *.egg-info, your own modules) are not compared.",
    )
    add_spec_options(parser, output=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    with tempfile.TemporaryDirectory(prefix="specforge-check-") as scratch:
        fresh = Path(scratch) / normal_output(config.output).name
        result = generate(config, output=fresh)
        missing = not config.output.is_dir()
        diff = "" if missing else unified_diff(config.output, fresh)
    if missing:
        print(
            f"{config.output} does not exist yet: run '{generate_command(args)}' and commit it.",
            file=sys.stderr,
        )
        return 1
    if diff:
        sys.stdout.write(diff)
        print(
            f"\n{config.output} is stale: run '{generate_command(args)}' and commit.",
            file=sys.stderr,
        )
        return 1
    print(f"{config.output} is up to date ({result.summary()})")
    return 0
