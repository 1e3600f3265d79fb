"""Options shared by the sub-commands that read a spec."""

from __future__ import annotations

import argparse
from pathlib import Path

from specforge.config import Config, load_config
from specforge.document import limits


def add_spec_options(parser: argparse.ArgumentParser, *, output: bool = False) -> None:
    """`--spec`, `--lenient`, `--allow-external-refs` (and `--output`/`--package`)."""
    parser.add_argument(
        "--spec",
        type=Path,
        metavar="PATH",
        help="OpenAPI 3.0/3.1 document, YAML or JSON (default: [tool.specforge] spec)",
    )
    if output:
        parser.add_argument(
            "--output",
            type=Path,
            metavar="DIR",
            help="folder of the generated package project (default: [tool.specforge] output)",
        )
        parser.add_argument(
            "--package",
            metavar="NAME",
            help="import name of the generated package (default: [tool.specforge] package)",
        )
    parser.add_argument(
        "--lenient",
        action="store_true",
        default=None,
        help="report validator findings as warnings and go on (default: refuse an invalid spec)",
    )
    parser.add_argument(
        "--allow-external-refs",
        action="store_true",
        default=None,
        help="accept non-local $refs (they are never fetched; default: refuse them)",
    )
    add_limit_option(parser)


def add_limit_option(parser: argparse.ArgumentParser) -> None:
    """`--limit NAME=VALUE`, repeatable: raise (or lower) one of the bounds on the spec."""
    names = ", ".join(f"{name} ({default})" for name, default, _ in limits.describe())
    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change a limit (repeatable; comma-separated lists work too; also "
        f"[tool.specforge.limits] in pyproject.toml). Limits and defaults: {names}",
    )


def with_limits(config: Config, args: argparse.Namespace) -> Config:
    """`config` with the `--limit` values applied; they become the limits in force."""
    values = limits.parse_assignments(getattr(args, "limit", None) or [])
    config = config.with_overrides(limits=config.limits.updated(values, "--limit"))
    limits.use(config.limits)
    return config


def config_from(args: argparse.Namespace) -> Config:
    """[tool.specforge] with the command-line options applied on top."""
    config = load_config().with_overrides(
        spec=getattr(args, "spec", None),
        output=getattr(args, "output", None),
        package=getattr(args, "package", None),
        lenient=getattr(args, "lenient", None),
        allow_external_refs=getattr(args, "allow_external_refs", None),
    )
    return with_limits(config, args)
