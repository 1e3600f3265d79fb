"""The credentials of a conformance run, and the one place they are scrubbed from its output.

A server under test may echo the key it is sent: in an error message, a header, a debug
field. The suite quotes answers in failures, so without care the key would reach the report,
the JUnit XML and the terminal. `Scrubber` knows the run's credentials and replaces them by
`***` wherever they occur, in these forms:

* as given, and as a client or a server may encode it: URL-encoded (`%2F` and `%2f`, `+` for
  spaces), JSON-escaped, Python-repr-escaped;
* in base64 (standard and URL-safe, with and without padding), alone and inside a longer
  blob such as the `user:password` of Basic auth (the part of the blob that depends on the
  key alone, at each of the three alignments);
* each of the above once more JSON-escaped or XML-escaped (a JSON body quoted in JSON, a
  message in the JUnit XML).

Credentials shorter than `MIN_LENGTH` (4) characters would match ordinary text ("a", "ok"),
so they are replaced only where they stand as a credential: after `Bearer`, `Basic`, `token`,
`key`, `api_key`/`api-key`, `password` or `Authorization:`, and not followed by another token
character. Such keys cannot be guaranteed out of the output: `conform` says so when given one.

The runner installs one scrubber for the run (`install`); the suite's recorder and the answer
descriptions use it (`scrub`) before anything is truncated, pytest's reports go through
`ScrubPlugin`, the terminal through `ScrubbingStream`, log records through `scrubbed_logging`,
and the files written are scrubbed once more when the run ends (`scrub_file`).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

import pytest

REDACTED = "***"
MIN_LENGTH = 4
_TOKEN_CHARS = r"A-Za-z0-9._~+/=\-"
_LABELS = r"bearer|basic|token|key|api[_-]?key|password|authorization:"


def _xml(text: str) -> set[str]:
    """`text` XML-escaped, as the writers differ: `&` and `<` always, `>`, `"`, `'` or not."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    variants = {escaped}
    for char, entity in ((">", "&gt;"), ('"', "&quot;"), ("'", "&apos;")):
        variants |= {v.replace(char, entity) for v in variants}
    return variants


def _json(text: str) -> str:
    return json.dumps(text)[1:-1]


def _lower_hex(encoded: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)


def _base64_forms(raw: bytes) -> set[str]:
    """The key in base64: alone, and the part of any longer blob that only the key decides."""
    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode()
        forms |= {whole, whole.rstrip("=")}
        for offset in (0, 1, 2):
            blob = encode(b"\0" * offset + raw).decode().rstrip("=")
            start = 4 if offset else 0  # the first group mixes the bytes before the key
            end = (offset + len(raw)) // 3 * 4  # a partial last group mixes the bytes after it
            core = blob[start:end]
            if len(core) >= 8:
                forms.add(core)
    return forms


def derived_forms(secret: str) -> set[str]:
    """Every form of `secret` that is searched for (see the module docstring)."""
    base = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        _json(secret),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
    }
    base |= {_lower_hex(form) for form in base if "%" in form}
    base |= _base64_forms(secret.encode())
    forms = set(base)
    for form in base:
        forms |= {_json(form), _json(_json(form))} | _xml(form) | _xml(_json(form))
    return {form for form in forms if len(form) >= MIN_LENGTH}


class Scrubber:
    """Replaces the credentials it was given, and their derived forms, by `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        given = {s for s in secrets if s and "\n" not in s and "\r" not in s}
        self.secrets = sorted(given, key=len, reverse=True)
        self.short = [s for s in self.secrets if len(s) < MIN_LENGTH]
        forms: set[str] = set()
        for secret in self.secrets:
            if len(secret) >= MIN_LENGTH:
                forms |= derived_forms(secret)
        ordered = sorted(forms, key=len, reverse=True)  # the longest form wins
        self.pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self.short_pattern = (
            re.compile(
                rf"(?i)(?<![{_TOKEN_CHARS}])({_LABELS})([\"']?\s*[:=]?\s*[\"']?)"
                rf"(?:{'|'.join(map(re.escape, self.short))})(?![{_TOKEN_CHARS}])"
            )
            if self.short
            else None
        )
        # how far back an unfinished write may still hide the start of a form
        self.reach = max((len(f) for f in forms), default=0) + 32

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def __call__(self, text: str) -> str:
        if self.pattern is not None:
            text = self.pattern.sub(REDACTED, text)
        if self.short_pattern is not None:
            text = self.short_pattern.sub(rf"\1\2{REDACTED}", text)
        return text

    def safe_cut(self, text: str) -> int:
        """How much of `text` can be written now: no form can start there and end later."""
        cut = max(text.rfind("\n") + 1, len(text) - self.reach)
        if cut <= 0:
            return 0
        for pattern in (self.pattern, self.short_pattern):
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                if match.start() < cut < match.end():
                    cut = match.end()
        return cut


def credentials(api_key: str, api_key_env: str = "") -> list[str]:
    """The credentials of a run: the key it was given and the one in `api_key_env`, if set,
    each with the near-miss the suite sends as a wrong key (all but its last characters are
    the real key's, so it is kept out of the output too)."""
    from_env = os.environ.get(api_key_env, "") if api_key_env else ""
    keys = [key for key in (api_key, from_env) if key]
    return [*keys, *(similar_key(key) for key in keys)]


def similar_key(key: str) -> str:
    """`key` with its last (up to two) letters or digits changed within their class."""
    chars = list(key)
    changed = 0
    for index in range(len(chars) - 1, -1, -1):
        char = chars[index]
        if char.isdigit():
            chars[index] = str((int(char) + 1) % 10)
        elif char.isascii() and char.islower():
            chars[index] = chr((ord(char) - ord("a") + 1) % 26 + ord("a"))
        elif char.isascii() and char.isupper():
            chars[index] = chr((ord(char) - ord("A") + 1) % 26 + ord("A"))
        else:
            continue
        changed += 1
        if changed == 2 or len(key) < 4:
            break
    return "".join(chars)


_ACTIVE: Scrubber | None = None


def install(scrubber: Scrubber | None) -> Scrubber | None:
    """Make `scrubber` the one `scrub` uses; returns the previous one (to restore)."""
    global _ACTIVE
    previous, _ACTIVE = _ACTIVE, scrubber
    return previous


def active() -> Scrubber | None:
    """The installed scrubber (None when no run installed one)."""
    return _ACTIVE


def scrub(text: str) -> str:
    """`text` without the credentials of the run (unchanged when none is installed)."""
    return _ACTIVE(text) if _ACTIVE else text


def scrub_file(path: Path, scrubber: Scrubber) -> int:
    """Scrub a file written by the run in place; how many characters it lost or gained."""
    if not path.is_file():
        return 0
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    clean = scrubber(text)
    if clean != text:
        path.write_text(clean, encoding="utf-8", errors="surrogateescape")
    return len(text) - len(clean)


class ScrubbingStream(io.TextIOBase):
    """A text stream that writes to another one without the credentials.

    Text is held back only as long as a credential could still be completing in it (up to the
    end of the line, or `Scrubber.reach` characters), so progress output keeps flowing.
    """

    def __init__(self, stream: TextIO, scrubber: Scrubber) -> None:
        super().__init__()
        self.stream = stream
        self.scrubber = scrubber
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        cut = self.scrubber.safe_cut(self.pending)
        if cut:
            ready, self.pending = self.pending[:cut], self.pending[cut:]
            self.stream.write(self.scrubber(ready))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def drain(self) -> None:
        """Write what is held back (at the end of the run)."""
        if self.pending:
            self.stream.write(self.scrubber(self.pending))
            self.pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8") or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.stream, "errors", None)


class _RecordFilter(logging.Filter):
    def __init__(self, scrubber: Scrubber) -> None:
        super().__init__()
        self.scrubber = scrubber

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.scrubber(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrubber(record.exc_text)
        return True


@contextmanager
def scrubbed_logging(scrubber: Scrubber) -> Iterator[None]:
    """Scrub the records of every logging handler that exists now, for the `with` block."""
    handlers: set[logging.Handler] = set(logging.getLogger().handlers)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            handlers.update(logger.handlers)
    if logging.lastResort is not None:
        handlers.add(logging.lastResort)
    record_filter = _RecordFilter(scrubber)
    for handler in handlers:
        handler.addFilter(record_filter)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(record_filter)


class ScrubPlugin:
    """A pytest plugin that scrubs every report before the terminal and the JUnit XML see it."""

    def __init__(self, scrubber: Scrubber) -> None:
        self.scrubber = scrubber

    def _scrub_report(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        scrubber = self.scrubber
        longrepr: Any = report.longrepr
        if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
            report.longrepr = tuple(  # type: ignore[assignment]
                scrubber(part) if isinstance(part, str) else part for part in longrepr
            )
        elif longrepr is not None:
            text = str(longrepr)
            clean = scrubber(text)
            if clean != text:
                report.longrepr = clean
        report.sections = [(title, scrubber(content)) for title, content in report.sections]
        if isinstance(report, pytest.TestReport):
            report.user_properties = [
                (name, scrubber(value) if isinstance(value, str) else value)
                for name, value in report.user_properties
            ]
            reason = getattr(report, "wasxfail", None)
            if isinstance(reason, str):
                report.wasxfail = scrubber(reason)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._scrub_report(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._scrub_report(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message: Any) -> None:
        warning_message.message = self.scrubber(str(warning_message.message))
