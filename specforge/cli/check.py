"""`specforge check`: fail with a diff when the committed package is not what the spec gives."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from specforge.cli.common import add_spec_options, config_from, generate_command


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="fail when the generated package is stale",
        description="Validate the spec, regenerate into a temporary folder and compare with the "
        "output folder; prints a unified diff and exits 1 on any difference. Files specforge "
        "did not write there (build/, *.egg-info, your own modules) are not compared. With the "
        "cache, a spec, settings and versions it generated from before are compared by file "
        "digests, without rendering.",
    )
    add_spec_options(parser, output=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from specforge.generator.drift import diff_files, differs
    from specforge.generator.pipeline import fresh_package, package_contents

    config = config_from(args)
    fresh = fresh_package(config)
    if not config.output.is_dir():
        print(
            f"{config.output} does not exist yet: run '{generate_command(args)}' and commit it.",
            file=sys.stderr,
        )
        return 1
    diff = ""
    if differs(config.output, fresh.digests):
        diff = diff_files(config.output, package_contents(config, fresh))
    if diff:
        sys.stdout.write(diff)
        print(
            f"\n{config.output} is stale: run '{generate_command(args)}' and commit.",
            file=sys.stderr,
        )
        return 1
    print(f"{config.output} is up to date ({fresh.summary()})")
    return 0
