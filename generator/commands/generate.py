"""`specforge generate`: write the SDK package."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from generator.commands.common import add_spec_options, config_from
from generator.pipeline import generate


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate the SDK package from the spec",
        description="Validate the spec and write a typed Python SDK (models, sync and async client).",
    )
    add_spec_options(parser, output=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    result = generate(config)
    for warning in result.warnings:
        print(f"warning: {config.spec}#{warning.pointer}: {warning.message}", file=sys.stderr)
    print(f"generated {config.output}: {result.summary()}")
    return 0
