"""Every input is bounded: bombs, endless files and huge or deep structures are refused with the
limit's name and how to raise it (exit 2, never a traceback), and each phase has a time budget.

The seconds each refusal took are printed (run with -s to see them); no test asserts a speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from specforge.cli import main
from specforge.document import limits
from specforge.document.errors import ConfigError
from specforge.document.limits import Limits, PhaseTimeout, phase
from tests.test_malformed_specs import GOOD, ROOT, run_every_command

SHARED_SPEC = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"
HEAD = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
OPERATION = {
    "get": {
        "operationId": "getA",
        "responses": {
            "200": {
                "description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}},
            }
        },
    }
}


def _document(schemas: dict[str, object], paths: dict[str, object] | None = None) -> str:
    return json.dumps(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": OPERATION} if paths is None else paths,
            "components": {"schemas": schemas},
        }
    )


def billion_laughs() -> str:
    lines = [HEAD, "paths: {}\n", "x-lol:\n", "  l0: &l0 [" + ", ".join(["lol"] * 10) + "]\n"]
    lines += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 10)]
    return "".join(lines)


def big_enum() -> str:
    return _document(
        {
            "S0": {"type": "object", "properties": {"e": {"$ref": "#/components/schemas/E"}}},
            "E": {"type": "string", "enum": [f"v{i}" for i in range(100_000)]},
        }
    )


def ref_chain(depth: int = 10_000) -> str:
    """S0 is a $ref to S1, S1 to S2, ... each schema nothing but a $ref to the next."""
    schemas: dict[str, object] = {
        f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(depth)
    }
    schemas[f"S{depth}"] = {"type": "object", "properties": {"x": {"type": "string"}}}
    return _document(schemas)


def property_chain(depth: int = 10_000) -> str:
    """S0 has a property that is S1, S1 one that is S2, ..."""
    schemas: dict[str, object] = {
        f"S{i}": {"type": "object", "properties": {"n": {"$ref": f"#/components/schemas/S{i + 1}"}}}
        for i in range(depth)
    }
    schemas[f"S{depth}"] = {"type": "object", "properties": {"x": {"type": "string"}}}
    return _document(schemas)


def deep_json(levels: int) -> str:
    inner = (
        '{"type": "object", "properties": {"n": ' * levels + '{"type": "string"}' + "}}" * levels
    )
    return _document({"S0": {"type": "object"}, "Deep": "@"}).replace('"@"', inner)


def deep_yaml(levels: int) -> str:
    return HEAD + "paths: {}\nx-deep: " + "[" * levels + "]" * levels + "\n"


def deep_by_alias() -> str:
    """Each half nests 300 deep; the alias puts one inside the other (600 deep)."""
    return (
        HEAD
        + "paths: {}\nx-a: &a "
        + "[" * 300
        + "]" * 300
        + "\nx-b: "
        + "[" * 299
        + "*a"
        + "]" * 299
        + "\n"
    )


def many_aliases() -> str:
    return HEAD + "paths: {}\nx-one: &one 1\nx-many: [" + ", ".join(["*one"] * 1_001) + "]\n"


BOMBS: list[tuple[str, Callable[[], str], str, str, str]] = [
    # (name, text, suffix, pointer, what the message must name)
    ("billion-laughs", billion_laughs, ".yaml", "/x-lol/", "document-nodes"),
    ("enum-100000", big_enum, ".json", "/components/schemas/E/enum", "enum-values"),
    (
        "ref-chain-10000",
        ref_chain,
        ".json",
        "/paths/~1a/get/responses/200/content/application~1json/schema/$ref",
        "ref-chain",
    ),
    ("property-chain-10000", property_chain, ".json", "/components/schemas/S0", "ref-depth"),
    ("json-nesting-10000", lambda: deep_json(10_000), ".json", "", "nests too deeply"),
    (
        "json-nesting-600",
        lambda: deep_json(300),
        ".json",
        "/components/schemas/Deep/",
        "nesting-depth",
    ),
    ("yaml-nesting-100000", lambda: deep_yaml(100_000), ".yaml", "", "nesting depth"),
    ("yaml-nesting-700", lambda: deep_yaml(700), ".yaml", "/x-deep/0/0/", "nesting-depth"),
    ("nesting-by-alias", deep_by_alias, ".yaml", "/x-b/0/", "nesting-depth"),
    ("1001-aliases", many_aliases, ".yaml", "/x-many/1000", "yaml-aliases"),
]


def _check_refusals(
    spec: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pointer: str,
    needle: str,
    record: Callable[[str, object], None],
) -> None:
    for label, code, err, seconds in run_every_command(spec, tmp_path, capsys):
        with capsys.disabled():
            print(f"\n{spec.name}: {label} refused in {seconds:.3f} s", end="")
        record(f"{label} seconds", round(seconds, 3))
        assert code == 2, f"{label}: exit {code}\n{err[-2000:]}"
        assert "Traceback" not in err, f"{label}:\n{err[-4000:]}"
        assert f"{spec}#{pointer}" in err, f"{label}: pointer {pointer!r} missing\n{err[-2000:]}"
        assert needle in err, f"{label}: {needle!r} missing\n{err[-2000:]}"
    assert not (tmp_path / "out").exists()


@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    ("name", "text", "suffix", "pointer", "needle"), BOMBS, ids=[bomb[0] for bomb in BOMBS]
)
def test_every_command_refuses_an_unbounded_spec(
    name: str,
    text: Callable[[], str],
    suffix: str,
    pointer: str,
    needle: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    record_property: Callable[[str, object], None],
) -> None:
    spec = tmp_path / f"{name}{suffix}"
    spec.write_text(text(), encoding="utf-8")
    _check_refusals(spec, tmp_path, capsys, pointer, needle, record_property)


def test_limit_messages_say_how_to_raise_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "enum.json"
    spec.write_text(big_enum())
    assert main(["validate", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "100000 enum values: over the enum-values limit of 10000" in err
    assert "--limit enum-values=20000" in err and "[tool.specforge.limits]" in err


@pytest.mark.timeout(300)
def test_dev_zero_is_refused_at_the_byte_limit(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    record_property: Callable[[str, object], None],
) -> None:
    zero = Path("/dev/zero")
    if not zero.exists():
        pytest.skip("no /dev/zero on this system")
    _check_refusals(zero, tmp_path, capsys, ":", "spec-bytes", record_property)


@contextlib.contextmanager
def endless_fifo(path: Path) -> Iterator[None]:
    """A FIFO whose writer writes until each reader stops reading."""
    os.mkfifo(path)
    stop = threading.Event()

    def write() -> None:
        chunk = b"x" * 65536
        while not stop.is_set():
            with (
                contextlib.suppress(BrokenPipeError),
                open(path, "wb", buffering=0) as pipe,  # blocks until a reader opens it
            ):
                while not stop.is_set():
                    pipe.write(chunk)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))  # release a waiting writer
        writer.join(timeout=5)


@pytest.mark.timeout(300)
def test_an_endless_fifo_is_refused_at_the_byte_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "spec.yaml"
    with endless_fifo(fifo):
        for argv in (
            ["validate", "--spec", str(fifo)],
            ["generate", "--spec", str(fifo), "--output", str(tmp_path / "out")],
            ["lint", str(fifo), "--limit", "spec-bytes=100000"],
        ):
            started = time.perf_counter()
            code = main(argv)
            seconds = time.perf_counter() - started
            err = capsys.readouterr().err
            with capsys.disabled():
                print(f"\nFIFO: {argv[0]} refused in {seconds:.3f} s", end="")
            assert code == 2 and "spec-bytes" in err and "Traceback" not in err, err


@pytest.mark.timeout(120)
def test_a_fifo_nobody_writes_ends_with_the_load_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers on this system")
    fifo = tmp_path / "silent.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    assert main(["validate", "--spec", str(fifo), "--limit", "load-seconds=0.5"]) == 2
    seconds = time.perf_counter() - started
    err = capsys.readouterr().err
    with capsys.disabled():
        print(f"\nsilent FIFO: refused in {seconds:.3f} s", end="")
    assert "loading the spec took longer than its budget of 0.5 s" in err
    assert "--limit load-seconds=1" in err and "Traceback" not in err


def test_counts_are_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = {f"/p{i}": {"get": {**OPERATION["get"], "operationId": f"get{i}"}} for i in range(3)}
    spec = tmp_path / "three.json"
    spec.write_text(_document({"S0": {"type": "string"}, "S1": {"type": "string"}}, paths))
    assert main(["validate", "--spec", str(spec)]) == 0
    assert main(["validate", "--spec", str(spec), "--limit", "operations=2"]) == 2
    assert f"{spec}#/paths: [limit] 3 operations: over the operations limit of 2" in (
        capsys.readouterr().err
    )
    assert main(["lint", str(spec), "--limit", "schemas=1"]) == 2
    assert "2 component schemas: over the schemas limit of 1" in capsys.readouterr().err
    assert main(["diff", str(GOOD), str(spec), "--limit", "document-nodes=50"]) == 2
    assert "over the document-nodes limit of 50" in capsys.readouterr().err


def test_limits_can_be_raised_on_the_command_line_and_in_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "enum.json"
    spec.write_text(big_enum())
    assert main(["validate", "--spec", str(spec), "--limit", "enum-values=200000"]) == 0
    assert main(["validate", "--spec", str(spec), "--limit", "enum_values=100000,ref-chain=8"]) == 0
    assert main(["validate", "--spec", str(spec)]) == 2  # the next command has the defaults again
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[tool.specforge]\nspec = '../enum.json'\n\n[tool.specforge.limits]\nenum-values = 200000\n"
    )
    monkeypatch.chdir(project)
    capsys.readouterr()
    assert main(["validate"]) == 0
    assert main(["lint", str(spec)]) in (0, 1)
    assert main(["validate", "--limit", "enum-values=5"]) == 2
    assert "over the enum-values limit of 5" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("enum-value=3", "unknown limit 'enum-value'; accepted:"),
        ("enum-values=0", "must be positive"),
        ("enum-values=-1", "must be positive"),
        ("enum-values=1.5", "must be a whole number"),
        ("enum-values=many", "must be a whole number"),
        ("models-seconds=soon", "must be a number of seconds"),
        ("models-seconds=nan", "must be positive"),
        ("enum-values", "use NAME=VALUE"),
    ],
)
def test_bad_limits_are_refused(
    argument: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--spec", str(GOOD), "--limit", argument]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_bad_limits_table_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for table, message in [
        ("[tool.specforge]\nlimits = 5\n", "limits must be a table"),
        ("[tool.specforge.limits]\nnodes = 5\n", "unknown limit 'nodes'"),
        ("[tool.specforge.limits]\nenum-values = true\n", "must be a whole number"),
    ]:
        (tmp_path / "pyproject.toml").write_text(table)
        assert main(["validate", "--spec", str(GOOD)]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err


@pytest.mark.timeout(300)
def test_a_phase_over_its_budget_ends_with_the_phase_and_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers on this system")
    handler = signal.getsignal(signal.SIGALRM)
    before = signal.getitimer(signal.ITIMER_REAL)[0]
    out = tmp_path / "out"
    argv = ["generate", "--spec", str(GOOD), "--output", str(out), "--limit", "models-seconds=0.01"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "generating the models (datamodel-code-generator) took longer than its budget" in err
    assert "the models-seconds limit; raise it with --limit models-seconds=" in err
    assert "Traceback" not in err and not out.exists()
    assert signal.getsignal(signal.SIGALRM) == handler  # the alarm is handed back
    if before > 0:  # e.g. pytest-timeout's own alarm keeps running
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= before


def test_an_alarm_swallowed_inside_a_phase_still_ends_it() -> None:
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers on this system")
    started = time.monotonic()
    with pytest.raises(PhaseTimeout) as caught, phase("validate", Limits(validate_seconds=0.05)):
        while time.monotonic() - started < 1.0:
            with contextlib.suppress(limits.PhaseAlarm):  # code that swallows everything
                time.sleep(0.01)
    assert caught.value.phase == "validate" and "validate-seconds" in str(caught.value)


def test_nested_phases_keep_the_outer_budget() -> None:
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers on this system")
    budget = Limits(render_seconds=0.2, models_seconds=100)
    with pytest.raises(PhaseTimeout) as caught, phase("render", budget):
        with phase("models", budget):
            time.sleep(0.05)
        time.sleep(1.0)
    assert caught.value.phase == "render"
    with (
        pytest.raises(PhaseTimeout) as inner,
        phase("render", budget),
        phase("models", Limits(models_seconds=0.05)),
    ):
        time.sleep(1.0)
    assert inner.value.phase == "models"


def test_phases_do_nothing_off_the_main_thread() -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with phase("load", Limits(load_seconds=0.01)):
                time.sleep(0.1)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == []


def test_limits_reach_the_config() -> None:
    from specforge.config import Config

    assert Config().limits == Limits()
    assert Limits().updated({"enum-values": "7"}, "x").enum_values == 7
    with pytest.raises(ConfigError):
        Limits().updated({"nope": 1}, "x")
    names = [row[0] for row in limits.describe()]
    assert "enum-values" in names and "format-seconds" in names


@pytest.mark.shared
@pytest.mark.timeout(600)
def test_the_full_together_spec_passes_the_default_limits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not SHARED_SPEC.is_file():
        pytest.skip(f"{SHARED_SPEC} is absent")
    started = time.perf_counter()
    assert main(["validate", "--spec", str(SHARED_SPEC), "--lenient"]) == 0
    seconds = time.perf_counter() - started
    assert "Traceback" not in capsys.readouterr().err
    with capsys.disabled():
        print(f"\n{SHARED_SPEC.name}: accepted in {seconds:.3f} s", end="")
