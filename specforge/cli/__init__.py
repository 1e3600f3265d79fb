"""The `specforge` command line: one sub-command per module in `specforge.cli`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

# Sub-command modules, in the order `--help` lists them. Each has `register(subparsers)`,
# which adds its parser and sets `handler(args) -> int` as the default `handler`.
COMMANDS = (
    "init",
    "generate",
    "check",
    "validate",
    "lint",
    "diff",
    "mock",
    "conform",
    "replay",
    "gate",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(
            2, f"{self.prog}: error: {message}\n(run '{self.prog} --help' for what is accepted)\n"
        )


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from specforge import __version__

    parser = _Parser(
        prog="specforge", description="Spec-driven Python SDK generator and API conformance suite."
    )
    parser.add_argument("--version", action="version", version=f"specforge {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"specforge.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"specforge.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 findings or failure, 2 bad usage or spec,
    130 interrupted, also while starting up)."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        return 130


def _run(argv: Sequence[str] | None) -> int:
    import os

    from specforge.cli.common import missing_extra
    from specforge.document import limits
    from specforge.document.errors import SpecforgeError

    args = build_parser().parse_args(argv)
    try:
        needed = missing_extra(args.command)
        if needed:
            print(f"specforge {args.command}: {needed}", file=sys.stderr)
            return 2
        return int(args.handler(args))
    except SpecforgeError as error:
        print(f"specforge {args.command}: {error}", file=sys.stderr)
        return 2
    except limits.PhaseAlarm as alarm:  # a budget ran out outside the phase that set it
        print(f"specforge {args.command}: {alarm.timeout()}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`specforge lint | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the flush at exit does not fail again
        return 141
    except Exception as error:  # a bug: say so in one line (the traceback on request)
        if os.environ.get("SPECFORGE_TRACEBACK"):
            raise
        print(
            f"specforge {args.command}: internal error ({type(error).__name__}: {error}); "
            "this is a bug in specforge, please report it with the spec "
            "(set SPECFORGE_TRACEBACK=1 to see where it happened)",
            file=sys.stderr,
        )
        return 1
    finally:
        limits.use(limits.Limits())  # the next command in this process starts from defaults


if __name__ == "__main__":
    sys.exit(main())
