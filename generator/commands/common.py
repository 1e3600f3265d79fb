"""Options shared by the sub-commands that read a spec."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.config import Config, load_config


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


def config_from(args: argparse.Namespace) -> Config:
    """[tool.specforge] with the command-line options applied on top."""
    return load_config().with_overrides(
        spec=getattr(args, "spec", None),
        output=getattr(args, "output", None),
        package=getattr(args, "package", None),
        lenient=getattr(args, "lenient", None),
        allow_external_refs=getattr(args, "allow_external_refs", None),
    )
