"""Bounds on every input: spec size and shape, and the time each generation phase may take.

A spec that goes past a limit is refused with the limit's name and how to raise it:
`--limit NAME=VALUE` on the command line (repeatable, or comma-separated) or a
`[tool.specforge.limits]` table in pyproject.toml (`NAME = VALUE`, names as below).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from types import FrameType
from typing import Any

from specforge.document.errors import ConfigError, SpecforgeError

PHASES = ("load", "validate", "build", "models", "render", "format")
_PHASE_TITLES = {
    "load": "loading the spec",
    "validate": "validating the spec",
    "build": "building the model of the API",
    "models": "generating the models (datamodel-code-generator)",
    "render": "rendering the package",
    "format": "formatting the package (ruff)",
}


@dataclass(frozen=True)
class Limits:
    """Every bound specforge puts on a spec; the defaults pass real specs of several MB."""

    # Bytes read from the spec file (at most this plus one are ever read).
    spec_bytes: int = 32 * 1024 * 1024
    # YAML aliases (`*name`) in the document.
    yaml_aliases: int = 1_000
    # Keys, values and items of the document, counted with every YAML alias expanded.
    document_nodes: int = 2_000_000
    # Mappings and lists nested in one another (the document itself is depth 1).
    nesting_depth: int = 512
    # `$ref`s followed one after the other before a value that is not a `$ref`.
    ref_chain: int = 32
    # Objects (component schemas, mostly) each using the next by `$ref`, one after the other.
    ref_depth: int = 500
    # Values of one `enum`.
    enum_values: int = 10_000
    # Component schemas (`components/schemas`).
    schemas: int = 20_000
    # Operations (method and path pairs) under `paths`.
    operations: int = 10_000
    # Seconds each phase may take.
    load_seconds: float = 60.0
    validate_seconds: float = 300.0
    build_seconds: float = 120.0
    models_seconds: float = 600.0
    render_seconds: float = 300.0
    format_seconds: float = 300.0

    def seconds(self, phase_name: str) -> float:
        return float(getattr(self, f"{phase_name}_seconds"))

    def updated(self, values: Mapping[str, Any], where: str) -> Limits:
        """A copy with `values` (names with `-` or `_`) applied; ConfigError names `where`."""
        known = {limit_name(f.name): f for f in fields(self)}
        changes: dict[str, Any] = {}
        for raw_name, raw_value in values.items():
            name = str(raw_name).strip().replace("_", "-")
            spec = known.get(name)
            if spec is None:
                raise ConfigError(
                    f"{where}: unknown limit {raw_name!r}; accepted: {', '.join(sorted(known))}"
                )
            changes[spec.name] = _positive(raw_value, name, spec.type, where)
        return replace(self, **changes)


def limit_name(field_name: str) -> str:
    """The name a limit has on the command line and in the config (`enum-values`)."""
    return field_name.replace("_", "-")


def how_to_raise(field_name: str, example: object) -> str:
    name = limit_name(field_name)
    return (
        f"raise it with --limit {name}={example} or with {name} = {example} "
        "in [tool.specforge.limits] of pyproject.toml"
    )


def exceeded(field_name: str, limit: object, found: str) -> str:
    """The message of a limit error: what was found, the limit, and how to raise it."""
    suggestion = _doubled(limit) if isinstance(limit, (int, float)) else limit
    return (
        f"{found}: over the {limit_name(field_name)} limit of {limit} "
        f"({how_to_raise(field_name, suggestion)})"
    )


def _positive(value: Any, name: str, kind: Any, where: str) -> int | float:
    integer = kind in (int, "int")
    try:
        if isinstance(value, bool):
            raise ValueError
        number: int | float = int(value) if integer else float(value)
        if integer and isinstance(value, float) and not value.is_integer():
            raise ValueError
    except (TypeError, ValueError):
        kind_text = "a whole number" if integer else "a number of seconds"
        raise ConfigError(f"{where}: limit {name} must be {kind_text}, not {value!r}") from None
    if not number > 0 or number != number or number == float("inf"):
        raise ConfigError(f"{where}: limit {name} must be positive, not {value!r}")
    return number


def parse_assignments(items: Iterable[str], where: str = "--limit") -> dict[str, str]:
    """`NAME=VALUE` items (each may hold several, comma-separated) as a mapping."""
    values: dict[str, str] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise ConfigError(
                    f"{where} {part!r}: use NAME=VALUE, e.g. --limit enum-values=20000"
                )
            values[name.strip()] = value.strip()
    return values


# The limits of the running command: set once from the config and the command line, read by
# the loader and the phases when no Limits are passed to them explicitly.
_active = Limits()


def use(limits: Limits) -> None:
    global _active
    _active = limits


def active() -> Limits:
    return _active


class PhaseTimeout(SpecforgeError):
    """A generation phase ran past its time budget."""

    def __init__(self, phase_name: str, seconds: float, source: str = "") -> None:
        self.phase = phase_name
        self.seconds = seconds
        where = f"{source}: " if source else ""
        field_name = f"{phase_name}_seconds"
        shown = int(seconds) if float(seconds).is_integer() else seconds
        super().__init__(
            f"{where}{_PHASE_TITLES.get(phase_name, phase_name)} took longer than its budget of "
            f"{shown} s (the {limit_name(field_name)} limit; "
            f"{how_to_raise(field_name, _doubled(shown))})"
        )


def _doubled(value: int | float) -> int | float:
    doubled = value * 2
    return int(doubled) if float(doubled).is_integer() else doubled


class PhaseAlarm(BaseException):
    """Raised by the alarm inside a phase; a BaseException, so `except Exception` lets it by.

    The phase turns it into a PhaseTimeout; the CLI reports one that escapes all the same.
    """

    def __init__(self, entry: _Phase) -> None:
        super().__init__(entry.name)
        self.entry = entry

    def timeout(self) -> PhaseTimeout:
        return self.entry.timeout()


@dataclass(eq=False)
class _Phase:
    name: str
    seconds: float
    deadline: float
    source: str
    expired: bool = False

    def timeout(self) -> PhaseTimeout:
        return PhaseTimeout(self.name, self.seconds, self.source)


_NAG = 0.25  # seconds between alarms once a phase is over its budget (in case one is swallowed)
_stack: list[_Phase] = []
_saved: tuple[Any, float | None, float] | None = None  # handler, foreign deadline, interval


def _arm() -> None:
    now = time.monotonic()
    if any(entry.expired for entry in _stack):
        signal.setitimer(signal.ITIMER_REAL, _NAG)
        return
    deadlines = [entry.deadline for entry in _stack]
    if _saved is not None and _saved[1] is not None:
        deadlines.append(_saved[1])
    if deadlines:
        signal.setitimer(signal.ITIMER_REAL, max(min(deadlines) - now, 0.001))


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    now = time.monotonic()
    if _saved is not None and _saved[1] is not None and now >= _saved[1]:
        handler = _saved[0]
        _saved_foreign_done()
        _arm()
        if callable(handler):
            handler(signum, frame)
        return
    due = [entry for entry in _stack if entry.deadline <= now]
    if not due:
        _arm()
        return
    entry = due[0]  # the outermost phase that is over its budget
    entry.expired = True
    signal.setitimer(signal.ITIMER_REAL, _NAG)
    raise PhaseAlarm(entry)


def _saved_foreign_done() -> None:
    """The alarm that was set before the first phase has fired: it is not restored later."""
    global _saved
    if _saved is not None:
        _saved = (_saved[0], None, 0.0)


def _can_time() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def phase(name: str, limits: Limits | None = None, source: str = "") -> Iterator[None]:
    """Run the body within the phase's time budget (`<name>_seconds`).

    The budget is kept with SIGALRM, so only in the main thread; elsewhere this does nothing.
    Phases nest (the outer budget keeps running); an alarm set before the first phase is
    kept and restored.
    """
    global _saved
    seconds = (limits or active()).seconds(name)
    if not _can_time():
        yield
        return
    entry = _Phase(name, seconds, time.monotonic() + seconds, source)
    if not _stack:
        remaining, interval = signal.getitimer(signal.ITIMER_REAL)
        handler = signal.signal(signal.SIGALRM, _on_alarm)
        foreign = time.monotonic() + remaining if remaining > 0 else None
        _saved = (handler, foreign, interval)
    _stack.append(entry)
    _arm()
    try:
        yield
        if entry.expired:  # the alarm's exception was swallowed by the code in the phase
            raise entry.timeout()
    except PhaseAlarm as error:
        if error.entry is entry or not any(e is error.entry for e in _stack):
            raise entry.timeout() from None
        raise
    finally:
        _leave(entry)


def _leave(entry: _Phase) -> None:
    global _saved
    signal.setitimer(signal.ITIMER_REAL, 0)
    if entry in _stack:
        _stack.remove(entry)
    if _stack:
        _arm()
        return
    if _saved is None:
        return
    handler, foreign, interval = _saved
    _saved = None
    signal.signal(signal.SIGALRM, handler if handler is not None else signal.SIG_DFL)
    if foreign is not None:
        signal.setitimer(signal.ITIMER_REAL, max(foreign - time.monotonic(), 0.001), interval)


def describe() -> list[tuple[str, str, str]]:
    """(name, default, meaning) for each limit, for help texts and docs."""
    meanings = {
        "spec_bytes": "bytes read from the spec file",
        "yaml_aliases": "YAML aliases in the document",
        "document_nodes": "keys, values and items, YAML aliases expanded",
        "nesting_depth": "mappings and lists nested in one another",
        "ref_chain": "$refs followed one after the other",
        "ref_depth": "schemas each using the next by $ref",
        "enum_values": "values of one enum",
        "schemas": "component schemas",
        "operations": "operations under paths",
    }
    defaults = Limits()
    rows = []
    for spec in fields(Limits):
        meaning = meanings.get(spec.name, "")
        if spec.name.endswith("_seconds"):
            meaning = f"seconds for {_PHASE_TITLES[spec.name.removesuffix('_seconds')]}"
        rows.append((limit_name(spec.name), str(getattr(defaults, spec.name)), meaning))
    return rows
