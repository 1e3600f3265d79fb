"""`specforge generate`: write the SDK package."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from specforge.cli.common import add_spec_options, config_from
from specforge.generator.pipeline import generate_package


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate the SDK package from the spec",
        description="Validate the spec and write a typed Python SDK (models, sync and async "
        "client). In a folder generated before, only the files specforge wrote are replaced "
        "or removed (they are listed in .specforge-manifest.json); everything else is kept. "
        "The new package is built beside the folder and swapped in whole. Names not set in "
        "[tool.specforge] or by a flag are derived from the spec's title and security scheme.",
    )
    add_spec_options(parser, output=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    result, report = generate_package(config)
    for warning in result.warnings:
        print(f"warning: {config.spec}#{warning.pointer}: {warning.message}", file=sys.stderr)
    if report.restored:
        print(
            f"note: an earlier run was killed while swapping {config.output}; "
            "its previous package was put back first",
            file=sys.stderr,
        )
    if report.removed:
        print(
            f"removed {_count(report.removed)} the spec no longer gives: "
            + ", ".join(report.removed)
        )
    if report.kept:
        print(f"kept {_count(report.kept)} not written by specforge: {report.kept_summary()}")
    print(f"generated {config.output}: {result.summary()}")
    if "package" in config.derived:
        print(
            f"note: package {config.package}, {config.api_key_env} and {config.base_url_env} "
            "come from the spec's title; 'specforge init' writes them to pyproject.toml, so "
            "that a new title does not rename the package",
            file=sys.stderr,
        )
    if report.cwd_replaced:
        print(
            "note: the current folder was replaced by the new package; "
            'run cd "$PWD" in your shell to see it',
            file=sys.stderr,
        )
    return 0


def _count(names: tuple[str, ...]) -> str:
    return f"{len(names)} file{'s' if len(names) != 1 else ''}"
