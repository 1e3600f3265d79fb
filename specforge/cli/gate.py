"""`specforge gate --base REF`: the spec-change gate a pull request must pass."""

from __future__ import annotations

import argparse
from typing import Any

from specforge.cli.common import add_spec_options, command_flags, config_from


def register(subparsers: Any) -> None:
    from specforge.gate.steps import DESCRIPTION, add_options

    parser = subparsers.add_parser(
        "gate",
        help="validate, lint, diff against a git ref, check drift, run the conformance suite",
        description=DESCRIPTION + " Reports go to --reports (spec-diff.md is the job summary).",
    )
    add_options(parser)
    add_spec_options(parser, output=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from specforge.gate.steps import prepare, run_steps, summary

    config = config_from(args)
    gate = prepare(
        args,
        config,
        check_args=command_flags(args),
        conform_args=command_flags(args, names=False),
    )
    steps = run_steps(gate, args.skip)
    print(summary(steps, gate.base))
    return 1 if any(step.status == "fail" for step in steps) else 0
