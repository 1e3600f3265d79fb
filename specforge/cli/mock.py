"""`specforge mock`: serve the spec's operations from a local mock server."""

from __future__ import annotations

import argparse

from specforge.cli.common import add_cache_options, add_spec_options, config_from


def add_fault_option(parser: argparse.ArgumentParser) -> None:
    """`--fault NAME[=N]`, repeatable (shared with `specforge conform`)."""
    from specforge.conformance.faults import FAULTS

    names = ", ".join(FAULTS)
    parser.add_argument(
        "--fault",
        action="append",
        metavar="NAME[=N]",
        default=[],
        help=f"switch a fault on (repeatable; comma-separated lists work too): {names}",
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "mock",
        help="serve a spec-driven mock of the API",
        description="Serve every operation of the spec at its full path (server base path + path), "
        "checking auth, content type and inputs against the spec.",
    )
    add_spec_options(parser)
    add_cache_options(parser)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=4010, help="port to listen on (default: 4010)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (default: loopback only)",
    )
    parser.add_argument(
        "--api-key",
        default="",
        metavar="KEY",
        help="accept only this key (default: the one in the configured API key variable, "
        "else a key made at start and printed)",
    )
    parser.add_argument(
        "--accept-any-key",
        action="store_true",
        help="accept any non-empty key, as a server that does not check keys would",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=1 << 20,
        metavar="N",
        help="larger request bodies get 413 (default: 1048576)",
    )
    parser.add_argument(
        "--retry-after",
        type=int,
        default=1,
        metavar="SECONDS",
        help="Retry-After of injected 429/503 answers (default: 1)",
    )
    parser.add_argument(
        "--complete-after",
        type=int,
        default=2,
        metavar="N",
        help="a created job completes on its Nth retrieve (default: 2)",
    )
    parser.add_argument(
        "--complete-seconds",
        type=float,
        default=5.0,
        metavar="S",
        help="...or S seconds after its creation (default: 5)",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=None,
        metavar="S",
        help="a request body not read within S seconds gets 408 (default: 10)",
    )
    parser.add_argument(
        "--max-header-bytes",
        type=int,
        default=None,
        metavar="N",
        help="larger request header blocks get 431 as soon as they pass N bytes (default: 32768)",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=None,
        metavar="S",
        help="request headers not complete within S seconds get 408 (default: 5)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=None,
        metavar="N",
        help="at N open connections a new one evicts the one idle the longest "
        "(default: 2048, lowered to fit the open-files limit)",
    )
    add_fault_option(parser)
    parser.set_defaults(handler=run)


def _key(given: str, env_name: str) -> str:
    """The one key the mock accepts: given, else the configured variable's, else a new one."""
    import os
    import secrets
    import sys

    if given:
        return given
    if os.environ.get(env_name):
        print(f"specforge mock: accepting only the key in ${env_name}", file=sys.stderr)
        return os.environ[env_name]
    made = "sk-mock-" + secrets.token_hex(12)
    print(
        f"specforge mock: accepting only the API key {made} "
        f"(choose one with --api-key or ${env_name}; --accept-any-key accepts any)",
        file=sys.stderr,
        flush=True,
    )
    return made


def run(args: argparse.Namespace) -> int:
    from specforge.conformance.faults import parse_faults
    from specforge.conformance.mock.server import MockOptions, check_host, serve
    from specforge.document.errors import ConfigError

    config = config_from(args)
    check_host(args.host, args.allow_remote)
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port}: use 0..65535")
    for name in ("max_body_bytes", "complete_after"):
        if getattr(args, name) < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 1")
    if args.retry_after < 0 or args.complete_seconds < 0:
        raise ConfigError("--retry-after and --complete-seconds must not be negative")
    if args.read_timeout is not None and args.read_timeout <= 0:
        raise ConfigError("--read-timeout must be positive")
    if args.max_header_bytes is not None and args.max_header_bytes < 1024:
        raise ConfigError("--max-header-bytes must be at least 1024")
    if args.header_timeout is not None and args.header_timeout <= 0:
        raise ConfigError("--header-timeout must be positive")
    if args.max_connections is not None and args.max_connections < 2:
        raise ConfigError("--max-connections must be at least 2")
    # Limits not given keep MockOptions' own defaults (the one place they are set).
    limits = {
        name: getattr(args, name)
        for name in ("read_timeout", "max_header_bytes", "header_timeout", "max_connections")
        if getattr(args, name) is not None
    }
    options = MockOptions(
        spec=config.spec,
        lenient=config.lenient,
        allow_external_refs=config.allow_external_refs,
        cache_dir=config.cache_dir,
        pagination=config.pagination,
        faults=parse_faults(args.fault),
        api_key="" if args.accept_any_key else _key(args.api_key, config.api_key_env),
        max_body_bytes=args.max_body_bytes,
        retry_after=args.retry_after,
        complete_after=args.complete_after,
        complete_seconds=args.complete_seconds,
        **limits,
    )
    serve(options, args.host, args.port)
    return 0
