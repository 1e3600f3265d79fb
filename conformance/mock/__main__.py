"""`python -m specforge.conformance.mock`: the mock in a process of its own, with every limit settable.

The tests run the mock this way to read its memory (`/proc/<pid>/status`) and its output;
`specforge mock` is the command for people.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from specforge.conformance.faults import parse_faults
from specforge.conformance.mock.app import MAX_HEADER_BYTES, READ_TIMEOUT
from specforge.conformance.mock.protocol import HEADER_TIMEOUT, MAX_CONNECTIONS
from specforge.conformance.mock.server import MockOptions, check_host, serve


def main(argv: list[str] | None = None) -> int:
    """Parse the options and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m specforge.conformance.mock")
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--lenient", action="store_true")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", default="")
    parser.add_argument("--max-body-bytes", type=int, default=1 << 20)
    parser.add_argument("--max-header-bytes", type=int, default=MAX_HEADER_BYTES)
    parser.add_argument("--read-timeout", type=float, default=READ_TIMEOUT)
    parser.add_argument("--header-timeout", type=float, default=HEADER_TIMEOUT)
    parser.add_argument("--max-connections", type=int, default=MAX_CONNECTIONS)
    parser.add_argument("--fault", action="append", default=[])
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning"])
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args(argv)
    check_host(args.host, allow_remote=False)
    options = MockOptions(
        spec=args.spec,
        lenient=args.lenient,
        faults=parse_faults(args.fault),
        api_key=args.api_key,
        max_body_bytes=args.max_body_bytes,
        max_header_bytes=args.max_header_bytes,
        read_timeout=args.read_timeout,
        header_timeout=args.header_timeout,
        max_connections=args.max_connections,
    )
    serve(options, args.host, args.port, log_level=args.log_level, access_log=args.access_log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
