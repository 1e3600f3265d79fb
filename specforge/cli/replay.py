"""`specforge replay`: send the failing requests of a `conform --cassette` again."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="send the failures of a conformance cassette again",
        description="Send every request of a cassette written by `specforge conform --cassette` "
        "to BASE_URL and compare each answer's status with the recorded one. Exit 0: none "
        "reproduced (fixed); 1: at least one reproduced; 2: bad usage or an unreadable cassette.",
    )
    parser.add_argument("cassette", type=Path, metavar="CASSETTE")
    parser.add_argument(
        "--base-url",
        required=True,
        metavar="URL",
        help="origin to send to, e.g. http://127.0.0.1:8000 (the cassette's own is never used)",
    )
    parser.add_argument(
        "--api-key-env",
        default="",
        metavar="NAME",
        help="variable whose value replaces ${NAME} in the requests (default: "
        "[tool.specforge] api_key_env)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from specforge.config import load_config
    from specforge.conformance.cassette import replay
    from specforge.conformance.runner import check_origin

    env = args.api_key_env or load_config().api_key_env
    done = replay(args.cassette, base_url=check_origin(args.base_url), api_key_env=env)
    for item in done:
        now = item.error or str(item.now)
        verdict = "reproduced" if item.reproduced else "not reproduced"
        print(
            f"{item.id}: {item.check}: {item.method} {item.uri}: recorded {item.recorded}, now {now}: {verdict}"
        )
    reproduced = sum(item.reproduced for item in done)
    print(f"{reproduced} of {len(done)} reproduced")
    return 1 if reproduced else 0
