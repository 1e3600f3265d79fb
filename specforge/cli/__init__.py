"""The `specforge` command line: one sub-command per module in `specforge.cli`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

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


# The command `main` is about to run: `build_parser` then imports only its module, so that a
# command loads what it uses and not every other command's libraries (the validator, Jinja,
# the diff engine, ...). Unset (`--help`, a mistyped command, a direct call), it imports all.
_FOCUS: ContextVar[str | None] = ContextVar("specforge_cli_focus", default=None)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(
            2, f"{self.prog}: error: {message}\n(run '{self.prog} --help' for what is accepted)\n"
        )


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command (of only the one `main` is about to run, see _FOCUS)."""
    from specforge import __version__

    parser = _Parser(
        prog="specforge", description="Spec-driven Python SDK generator and API conformance suite."
    )
    parser.add_argument("--version", action="version", version=f"specforge {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    focus = _FOCUS.get()
    if not (focus and _register(subparsers, focus)):
        for name in COMMANDS:
            _register(subparsers, name)
    return parser


def _register(subparsers: Any, name: str) -> bool:
    """Add the sub-command `name` (False when its module is not there)."""
    import importlib

    try:
        module = importlib.import_module(f"specforge.cli.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"specforge.cli.{name}":
            raise
        return False
    module.register(subparsers)
    return True


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

    words = list(sys.argv[1:] if argv is None else argv)
    with _focused(_command_in(words)):
        parser = build_parser()
    args = parser.parse_args(words)
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


def _command_in(words: Sequence[str]) -> str | None:
    """The sub-command `words` start with, when they do (`--help` first lists them all)."""
    return words[0] if words and words[0] in COMMANDS else None


@contextmanager
def _focused(command: str | None) -> Iterator[None]:
    token = _FOCUS.set(command)
    try:
        yield
    finally:
        _FOCUS.reset(token)


if __name__ == "__main__":
    sys.exit(main())
