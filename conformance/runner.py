"""Run the conformance suite (pytest, in-process) against a server or the embedded mock."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast
from urllib.parse import urlsplit

import pytest

from specforge.conformance.cassette import write_cassette
from specforge.conformance.faults import parse_faults
from specforge.conformance.junit import write_junit
from specforge.conformance.model import SpecModel, load_model_for
from specforge.conformance.planning import planned_paid
from specforge.conformance.results import load_outcomes, render, summarize
from specforge.conformance.runtime import preload
from specforge.conformance.secrets import (
    MIN_LENGTH,
    Scrubber,
    ScrubbingStream,
    ScrubPlugin,
    credentials,
    install,
    scrub_file,
    scrubbed_logging,
)
from specforge.conformance.settings import ENV_VAR, SuiteSettings
from specforge.document.errors import ConfigError

SUITE = Path(__file__).parent / "suite"
EMBEDDED_KEY = "specforge-embedded-key"


@dataclass(frozen=True)
class ConformOptions:
    """What `specforge conform` was asked to do."""

    spec: Path
    lenient: bool = False
    allow_external_refs: bool = False
    cache_dir: Path | None = None  # where the validator's findings are kept (None: no cache)
    # `[tool.specforge.pagination]` overrides, as the generator takes them (Config.pagination)
    pagination: tuple[tuple[str, Any], ...] = ()
    base_url: str = ""
    api_key: str = ""
    api_key_env: str = "TOGETHER_API_KEY"
    max_examples: int = 25
    budget: int | None = None
    strict: bool = False
    continue_on_failure: bool = False  # the engine goes on after an operation's first failure
    junit_xml: Path | None = None
    cassette: Path | None = None
    report: Path | None = None
    faults: list[str] = field(default_factory=list)
    pytest_args: list[str] = field(default_factory=list)


@dataclass
class ConformResult:
    """Exit code and the facts of a run."""

    exit_code: int
    violations: int
    gaps: int
    failed_checks: list[str]
    passed_checks: list[str]
    seconds: float
    sent: int
    report: str


def check_origin(url: str) -> str:
    """`--base-url` must be an origin (scheme://host[:port]), as in the generated client."""
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            f"--base-url {url!r} is not accepted: give an origin such as "
            "https://api.together.ai (operation paths such as /v2/videos come from the spec)"
        )
    return f"{parts.scheme}://{parts.netloc}"


def conform(options: ConformOptions, out: TextIO | None = None) -> ConformResult:
    """Run the suite; violations give exit 1, bad usage or an invalid spec raise SpecforgeError.

    Nothing the run writes carries its credentials (see `specforge.conformance.secrets`): `out`, the
    process's stdout and stderr, log records, the report, the JUnit XML and Hypothesis's
    storage (kept in a scratch folder removed at the end) are all scrubbed. `out` is the
    process's stdout (at the time of the call) unless given.
    """
    scrubber = Scrubber(credentials(options.api_key, options.api_key_env))
    previous = install(scrubber)
    stdout, stderr = ScrubbingStream(sys.stdout, scrubber), ScrubbingStream(sys.stderr, scrubber)
    sink = stdout if out is None or out is sys.stdout else ScrubbingStream(out, scrubber)
    streams = (sys.stdout, sys.stderr)
    sys.stdout, sys.stderr = stdout, stderr
    try:
        with scrubbed_logging(scrubber):
            return _conform(options, cast(TextIO, sink), scrubber)
    finally:
        for stream in (sink, stdout, stderr):
            stream.drain()
        sys.stdout, sys.stderr = streams
        install(previous)


def _conform(options: ConformOptions, out: TextIO, scrubber: Scrubber) -> ConformResult:
    started = time.monotonic()
    model = load_model_for(options)
    preload(options.spec, options.lenient, model)
    faults = parse_faults(options.faults)
    live = bool(options.base_url)
    if live and faults.active:
        raise ConfigError(
            "--fault switches the embedded mock's faults: it cannot be used with --base-url"
        )
    origin = check_origin(options.base_url) if live else ""
    check_report_paths(options)
    if live:
        check_reachable(origin)
    api_key = options.api_key or (os.environ.get(options.api_key_env, "") if live else EMBEDDED_KEY)
    if live and not api_key:
        raise ConfigError(f"no API key: pass --api-key or set {options.api_key_env}")
    if live and len(api_key) < MIN_LENGTH:
        print(
            f"specforge conform: the API key is shorter than {MIN_LENGTH} characters: it is kept "
            "out of the output only where it follows Bearer, Basic, token, key or password",
            file=out,
        )
    budget = options.budget if live else None
    planned = planned_paid(model, options.max_examples)
    target = origin or "the embedded mock"
    limit = f"budget {budget}" if budget is not None else "no budget limit (embedded mock)"
    print(
        f"specforge conform: {len(model.api.operations)} operation(s) of {options.spec} against {target}; "
        f"planning {planned} request(s) that can be accepted (paid jobs on a live server), {limit}",
        file=out,
        flush=True,
    )
    if budget is not None:
        print(
            f"  every 2xx to POST, PUT, PATCH or DELETE spends the budget, expected or not; at "
            f"{budget}, no more of those are sent and the checks that need them are skipped",
            file=out,
        )
    with (
        tempfile.TemporaryDirectory(prefix="specforge-conform-") as scratch,
        _hypothesis_home(Path(scratch) / "hypothesis"),
    ):
        results = Path(scratch) / "results.jsonl"
        code = _suite(options, model, live, api_key, origin, budget, results, scrubber)
        outcomes = load_outcomes(results)
        stats_path = results.with_suffix(".stats.json")
        stats = json.loads(stats_path.read_text()) if stats_path.is_file() else {}
    summary = summarize(outcomes)
    seconds = time.monotonic() - started
    interrupted = code == pytest.ExitCode.INTERRUPTED
    sent = int(stats.get("sent", 0))
    header = [
        "# Conformance report",
        "",
        *(
            ["**Interrupted**: the run was stopped before the end; what follows is partial.", ""]
            if interrupted
            else []
        ),
        f"- spec: {options.spec}",
        f"- server: {target}",
        f"- faults: {', '.join(sorted(faults.active)) or 'none'}",
        f"- requests: {sent} sent ({stats.get('retried', 0)} retried after 429/503), "
        f"{stats.get('paid', 0)} accepted (2xx) on unsafe methods (planned {planned})",
        f"- time: {seconds:.1f} s ({sent / seconds if seconds else 0:.0f} requests/s overall)",
        f"- violations: {len(summary.violations)}; spec gaps: {len(summary.gaps)}"
        f"{' (failing: --strict)' if options.strict else ''}",
    ]
    report = scrubber(render(summary, strict=options.strict, header=header))
    if options.junit_xml:
        write_junit(options.junit_xml, outcomes, strict=options.strict, seconds=seconds)
        scrub_file(options.junit_xml, scrubber)
    if options.cassette:
        write_cassette(options.cassette, outcomes, strict=options.strict)
        scrub_file(options.cassette, scrubber)
    if options.report:
        options.report.parent.mkdir(parents=True, exist_ok=True)
        options.report.write_text(report, encoding="utf-8")
    print(report, file=out)
    failing = bool(summary.violations) or (options.strict and bool(summary.gaps))
    exit_code = 1 if failing or code == pytest.ExitCode.TESTS_FAILED else 0
    if interrupted:
        print("specforge conform: interrupted; the report is partial", file=out)
        exit_code = 130
    elif code not in (
        pytest.ExitCode.OK,
        pytest.ExitCode.TESTS_FAILED,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        print(
            f"specforge conform: the suite did not run to the end (pytest exit {int(code)})",
            file=out,
        )
        exit_code = 2 if not outcomes else max(exit_code, 1)
    passed = [
        name
        for name, counts in summary.checks.items()
        if not counts["violation"] and counts["pass"]
    ]
    return ConformResult(
        exit_code,
        len(summary.violations),
        len(summary.gaps),
        summary.failed_checks(),
        passed,
        seconds,
        sent,
        report,
    )


def _suite(
    options: ConformOptions,
    model: SpecModel,
    live: bool,
    api_key: str,
    origin: str,
    budget: int | None,
    results: Path,
    scrubber: Scrubber,
) -> int:
    """Start the embedded mock (unless live) and run the suite; Ctrl-C at any point is an
    interrupted run, whose partial results are still reported."""
    try:
        with _server(options, live, api_key, model) as url:
            settings = SuiteSettings(
                spec=str(options.spec),
                base_url=origin or url,
                api_key=api_key,
                api_key_env=options.api_key_env,
                lenient=options.lenient,
                max_examples=options.max_examples,
                budget=budget,
                strict=options.strict,
                continue_on_failure=options.continue_on_failure,
                embedded=not live,
                poll_interval=2.0 if live else 0.0,
                poll_limit=60 if live else 10,
                faults=options.faults,
                results_path=str(results),
            )
            return _pytest(settings, options, scrubber)
    except KeyboardInterrupt:
        return int(pytest.ExitCode.INTERRUPTED)


def check_report_paths(options: ConformOptions) -> None:
    """Refuse, before anything is sent, report paths that could not be written at the end."""
    for flag, path in (
        ("--report", options.report),
        ("--junit-xml", options.junit_xml),
        ("--cassette", options.cassette),
    ):
        if path is None:
            continue
        if path.is_dir():
            raise ConfigError(f"{flag} {path} is a folder: give a file path")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8"):
                pass
        except OSError as error:
            raise ConfigError(f"{flag} {path} cannot be written: {error.strerror}") from None


def check_reachable(origin: str, timeout: float = 10.0) -> None:
    """One TCP connection to the live server first: unreachable is one line and exit 2."""
    parts = urlsplit(origin)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"cannot connect to {origin}: {reason}; nothing was sent") from None


KEPT_CACHES = ("unicode_data", "constants", "tmp")


@contextlib.contextmanager
def _hypothesis_home(folder: Path) -> Iterator[None]:
    """Hypothesis's storage (examples, caches) in `folder` for the run, not in the cwd; only
    what costs seconds to compute and is the same for every run is kept across runs, in
    specforge's cache folder: its tables of Unicode categories and codecs (`unicode_data`),
    the constants it reads from the source of local modules (`constants`, by file hash), and
    `tmp`, where they are written before being moved in place."""
    from hypothesis import configuration

    previous = getattr(configuration, "__hypothesis_home_directory", None)
    configuration.set_hypothesis_home_dir(folder)
    _share_kept_caches(folder)
    try:
        yield
    finally:
        configuration.set_hypothesis_home_dir(previous)


def _share_kept_caches(folder: Path) -> None:
    """Link `folder`'s kept caches to specforge's (best effort: without them Hypothesis
    computes them again)."""
    from specforge.generator.cache import default_dir

    kept = default_dir() / "hypothesis"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in KEPT_CACHES:
            (kept / name).mkdir(parents=True, exist_ok=True)
            (folder / name).symlink_to(kept / name, target_is_directory=True)
    except OSError:
        return


@contextlib.contextmanager
def _server(options: ConformOptions, live: bool, api_key: str, model: SpecModel) -> Iterator[str]:
    """The embedded mock of `model` (accepting only `api_key`, the key the suite sends), or
    nothing."""
    if live:
        yield ""
        return
    from specforge.conformance.mock.server import MockOptions, running

    mock = MockOptions(
        spec=options.spec,
        lenient=options.lenient,
        faults=parse_faults(options.faults),
        api_key=api_key,
        retry_after=0,
        complete_after=2,
    )
    with running(mock, model=model) as url:
        yield url


def _pytest(settings: SuiteSettings, options: ConformOptions, scrubber: Scrubber) -> int:
    args = [
        str(SUITE),
        "-q",
        "-p",
        "no:cacheprovider",
        "-c",
        os.devnull,
        "--rootdir",
        str(SUITE.parent),
        "--no-header",
        "-o",
        "console_output_style=classic",
        # The suite fails through pytest.fail, with its own messages: rewriting the asserts of
        # every module the plugins' packages import (Schemathesis, Hypothesis) cost seconds.
        "--assert=plain",
        # Its end-of-session garbage collections (five of them) cost a few tenths of a second.
        "-p",
        "no:unraisableexception",
        *options.pytest_args,
    ]
    # Installed pytest plugins (xdist, Schemathesis', Hypothesis'...) have no part in the suite.
    values = {ENV_VAR: settings.to_env(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        return int(pytest.main(args, plugins=[ScrubPlugin(scrubber)]))
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
