"""`specforge conform`: run the conformance suite against a server or the embedded mock."""

from __future__ import annotations

import argparse
from pathlib import Path

from specforge.cli.common import add_cache_options, add_spec_options, config_from
from specforge.cli.mock import add_fault_option


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "conform",
        help="check a server (or the embedded mock) against the spec",
        description="Run the conformance suite (pytest + Schemathesis + Hypothesis). Exit 0: conformant; "
        "1: violations; 2: bad usage or an invalid spec.",
    )
    add_spec_options(parser)
    add_cache_options(parser)
    parser.add_argument(
        "--base-url",
        default="",
        metavar="URL",
        help="origin of the server under test, e.g. https://api.together.ai "
        "(default: start the embedded mock on a free port)",
    )
    parser.add_argument(
        "--api-key",
        default="",
        metavar="KEY",
        help="bearer key for --base-url (default: the [tool.specforge] api_key_env variable); "
        "it and its encoded forms are replaced by *** in everything the run writes",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=25,
        metavar="N",
        help="Schemathesis examples per operation and mode (default: 25)",
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=None,
        metavar="N",
        help="with --base-url: most requests that can be accepted (paid jobs) to send "
        "(default: 20; the embedded mock has no limit)",
    )
    parser.add_argument(
        "--api-key-env",
        default="",
        metavar="NAME",
        help="environment variable holding the key (default: [tool.specforge] api_key_env)",
    )
    parser.add_argument(
        "--junit-xml",
        type=Path,
        metavar="PATH",
        help="write JUnit XML: one testsuite per check, one testcase per check and case",
    )
    parser.add_argument(
        "--cassette",
        type=Path,
        metavar="PATH",
        help="write the failing requests and answers as a cassette (YAML) that "
        "`specforge replay` sends again",
    )
    parser.add_argument("--report", type=Path, metavar="PATH", help="write the Markdown report")
    parser.add_argument("--strict", action="store_true", help="spec gaps fail the run too")
    parser.add_argument(
        "--continue-on-failure",
        action="store_true",
        help="Schemathesis goes on generating for an operation after its first failure "
        "(default: it moves on, as `schemathesis run` does; the suite's own checks always run)",
    )
    add_fault_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from specforge.conformance.runner import ConformOptions, conform
    from specforge.conformance.settings import DEFAULT_BUDGET
    from specforge.document.errors import ConfigError

    config = config_from(args)
    if args.max_examples < 1:
        raise ConfigError("--max-examples must be at least 1")
    if args.budget is not None and args.budget < 0:
        raise ConfigError("--budget must not be negative")
    options = ConformOptions(
        spec=config.spec,
        lenient=config.lenient,
        allow_external_refs=config.allow_external_refs,
        cache_dir=config.cache_dir,
        pagination=config.pagination,
        base_url=args.base_url,
        api_key=args.api_key,
        api_key_env=args.api_key_env or config.api_key_env,
        max_examples=args.max_examples,
        budget=args.budget if args.budget is not None else DEFAULT_BUDGET,
        strict=args.strict,
        continue_on_failure=args.continue_on_failure,
        junit_xml=args.junit_xml,
        cassette=args.cassette,
        report=args.report,
        faults=args.fault,
    )
    return conform(options).exit_code
