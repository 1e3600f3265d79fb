"""`specforge generate`: write the SDK package."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
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
    parser.add_argument(
        "--bump-from",
        type=Path,
        metavar="BASE_SPEC",
        help="the spec the package's previous version was made from: the package version "
        "goes up as the diff BASE_SPEC -> spec suggests (major, minor or patch; recorded in "
        ".specforge-manifest.json, so check and later runs keep it; see docs/diff-output.md)",
    )
    parser.add_argument(
        "--changelog",
        action="store_true",
        help="with --bump-from: add the new version's entry at the top of the package's "
        "CHANGELOG.md (your file: specforge only adds to it)",
    )
    parser.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="with --changelog: the entry's date (default: none, so that runs give the same bytes)",
    )
    parser.set_defaults(handler=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.changelog and args.bump_from is None:
        args.parser.error("--changelog writes the entry of a bump: add --bump-from BASE_SPEC")
    if args.date is not None and not args.changelog:
        args.parser.error("--date dates the changelog entry: use it with --changelog")
    config = config_from(args)
    release = None
    if args.bump_from is not None:
        # The diff is needed only for a bump (and a plain generate does not load it).
        from specforge.gate.changelog import checked_date
        from specforge.gate.release import plan

        if args.date is not None:
            try:
                checked_date(args.date)
            except ValueError as error:
                args.parser.error(f"argument --date: {error}")

        notes: list[str] = []
        release = plan(config, args.bump_from, notes)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    result, report = generate_package(config, bump=release.record if release else None)
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
    if release is not None:
        print(release.describe())
        if args.changelog:
            from specforge.gate.release import write_changelog

            path = write_changelog(release, report.target, args.date)
            print(f"changelog: {release.record['version']} entry in {path}")
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
