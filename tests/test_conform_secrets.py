"""No credential of a run appears in anything `specforge conform` writes.

End to end: a server on 127.0.0.1 echoes the key it is sent (raw, as `Bearer`, base64 and
URL-encoded) into its bodies and headers and answers wrongly, so that the suite reports many
failures with their answers; the key must then appear nowhere: stdout, stderr, the Markdown
report, the JUnit XML, and every file the run wrote under the report folder, the working
directory or a cache folder.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from specforge.conformance.secrets import Scrubber, ScrubbingStream, ScrubPlugin, scrubbed_logging

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"
# Distinctive, and with characters that URL, JSON, XML and shell quoting all change.
SECRET = 'sk-CONFORM/s3cr3t+Key="42"&x<y>'


def encoded_forms(secret: str) -> dict[str, str]:
    """The secret as an echo or an encoder could write it (the forms searched for)."""
    raw = secret.encode()
    forms = {
        "raw": secret,
        "base64": base64.b64encode(raw).decode(),
        "base64-urlsafe": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "basic": base64.b64encode(b"user:" + raw).decode(),
        "url": quote(secret, safe=""),
        "url-plus": quote_plus(secret),
        "json": json.dumps(secret)[1:-1],
        "xml": xml(secret),
        "xml-gt": xml(secret).replace(">", "&gt;"),
        "json-in-xml": xml(json.dumps(secret)[1:-1]),
        "prefix": secret[:8],  # a key cut in half by a truncation
    }
    return forms


def xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def occurrences(text: str, secret: str = SECRET) -> dict[str, int]:
    """How often each form of `secret` occurs in `text` (only the forms that occur)."""
    found = {name: text.count(form) for name, form in encoded_forms(secret).items()}
    return {name: count for name, count in found.items() if count}


class EchoServer:
    """Answers every request wrongly, echoing the credentials it was sent."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                auth = self.headers.get("authorization", "")
                key = auth.partition(" ")[2]
                raw = key.encode()
                echo = {
                    "message": f"invalid credentials: {auth}",
                    "key": key,
                    "b64": base64.b64encode(raw).decode(),
                    "b64url": base64.urlsafe_b64encode(raw).decode(),
                    "basic": "Basic " + base64.b64encode(b"user:" + raw).decode(),
                    "url": quote(key, safe=""),
                }
                # GETs are "found" (unknown ids too), with a body outside the schema; the rest
                # fail with a 500; nothing is ever refused, so auth and validation checks fail.
                status = 200 if self.command == "GET" else 500
                body = json.dumps({"id": key, "status": key, "error": echo}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Echo-Authorization", auth.replace("\r", "").replace("\n", ""))
                self.send_header("WWW-Authenticate", f'Bearer error="invalid_token" token="{key}"')
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[str]:
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self.origin
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()
            thread.join(5)


def run_conform(
    workdir: Path, origin: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`specforge conform` against `origin` in `workdir`, reports under `workdir/out`."""
    command = [
        sys.executable,
        "-m",
        "specforge",
        "conform",
        "--spec",
        str(SPEC),
        "--base-url",
        origin,
        "--report",
        str(workdir / "out" / "conformance.md"),
        "--junit-xml",
        str(workdir / "out" / "junit.xml"),
        "--max-examples",
        "5",
        "--budget",
        "10",
        *extra,
    ]
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TOGETHER_API_KEY": "",
        **(env or {}),
    }
    return subprocess.run(
        command,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )


def files_under(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path -> text, undecodable bytes replaced)."""
    return {
        str(path.relative_to(folder)): path.read_bytes().decode("utf-8", "replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# -- the scrubber ------------------------------------------------------------------------------
def test_every_form_of_a_key_is_scrubbed() -> None:
    scrubber = Scrubber([SECRET])
    raw = SECRET.encode()
    texts = [
        f"Authorization: Bearer {SECRET}",
        *(form for name, form in encoded_forms(SECRET).items() if name != "prefix"),
        json.dumps({"echo": json.dumps({"key": SECRET})}),  # JSON quoted in JSON
        repr({"key": SECRET}),
        re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(SECRET, safe="")),
        f'<failure message="{encoded_forms(SECRET)["xml"]}"/>',
    ]
    for user in ("", "u", "us", "use", "user", "admin12"):  # the key at every base64 alignment
        texts.append("Basic " + base64.b64encode(f"{user}:".encode() + raw).decode())
        texts.append(base64.urlsafe_b64encode(f"{user}:".encode() + raw + b":tail").decode())
    for text in texts:
        clean = scrubber(text)
        assert "***" in clean, text
        assert not occurrences(clean), (text, clean)
        assert SECRET[3:12] not in clean


def test_text_without_the_key_is_left_alone() -> None:
    scrubber = Scrubber(["sk-live-abcdef123456"])
    text = 'expected a 4xx; got 200 application/json {"id": "video_1", "status": "queued"}'
    assert scrubber(text) == text
    assert Scrubber([])(text) == text


def test_a_short_key_is_scrubbed_only_where_it_stands_as_a_credential() -> None:
    """The documented rule: under 4 characters, only after Bearer, Basic, token, key, password."""
    scrubber = Scrubber(["ab"])
    prose = "a cab, a tab and ab-normal abacus: ab"
    assert scrubber(prose) == prose
    assert scrubber("Authorization: Bearer ab") == "Authorization: Bearer ***"
    assert scrubber('{"token": "ab"}') == '{"token": "***"}'
    assert scrubber("api_key=ab&x=1") == "api_key=***&x=1"
    assert scrubber("Bearer abc") == "Bearer abc"  # another key that starts the same


def test_a_key_split_across_writes_never_reaches_the_stream() -> None:
    target = io.StringIO()
    stream = ScrubbingStream(target, Scrubber([SECRET]))
    text = f"progress ... got {SECRET} and again {SECRET[:5]}"
    for char in text:
        stream.write(char)
        assert not occurrences(target.getvalue())
    stream.write(SECRET[5:] + "\n")
    stream.write("x" * 200)  # a long unfinished line flows (all but the end that may hide a key)
    assert target.getvalue().startswith("progress ... got *** and again ***\n")
    assert target.getvalue().endswith("x" * 50)
    stream.drain()
    assert target.getvalue().endswith("x" * 200)


def test_log_records_are_scrubbed_by_handlers_made_before_the_run() -> None:
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    logger = logging.getLogger("specforge.test.secrets")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with scrubbed_logging(Scrubber([SECRET])):
            logger.warning("sent %s", f"Bearer {SECRET}")
            try:
                raise RuntimeError(SECRET)
            except RuntimeError:
                logger.exception("failed")
        logger.warning("after the run: %s", "no filter left")
    finally:
        logger.removeHandler(handler)
    text = sink.getvalue()
    assert "sent Bearer ***" in text and "RuntimeError: ***" in text
    assert "after the run: no filter left" in text
    assert not occurrences(text), occurrences(text)


def test_pytest_reports_are_scrubbed_before_the_terminal_and_junit_see_them(
    tmp_path: Path,
) -> None:
    """Captured output, assertion reprs, skip reasons, properties, warnings: none keeps the key."""
    (tmp_path / "test_leaky.py").write_text(
        f"""
import logging, warnings, pytest
KEY = {SECRET!r}

def test_prints(record_property):
    print("stdout:", KEY)
    logging.getLogger("leak").warning("log: %s", KEY)
    record_property("key", KEY)
    warnings.warn("warned " + KEY)
    assert {{"echo": KEY}} == {{}}

def test_skips():
    pytest.skip("skipped because of " + KEY)

def test_raises():
    raise ValueError(KEY * 3)
""",
        encoding="utf-8",
    )
    junit = tmp_path / "junit.xml"
    scrubber = Scrubber([SECRET])
    terminal = io.StringIO()
    stream = ScrubbingStream(terminal, scrubber)
    saved = sys.stdout
    sys.stdout = stream
    try:
        code = pytest.main(
            [
                str(tmp_path),
                "-p",
                "no:cacheprovider",
                "-rA",
                f"--junitxml={junit}",
                "-c",
                os.devnull,
            ],
            plugins=[ScrubPlugin(scrubber)],
        )
    finally:
        sys.stdout = saved
        stream.drain()
    output, xml = terminal.getvalue(), junit.read_text(encoding="utf-8")
    assert code == pytest.ExitCode.TESTS_FAILED
    assert "ValueError" in output and "skipped because of ***" in output
    assert "stdout: ***" in xml or "stdout: ***" in output
    assert not occurrences(output), occurrences(output)
    assert not occurrences(xml), occurrences(xml)


# -- end to end ----------------------------------------------------------------------------------
def assert_nothing_leaks(work: Path, done: subprocess.CompletedProcess[str], secret: str) -> None:
    report = (work / "out" / "conformance.md").read_text(encoding="utf-8")
    junit = (work / "out" / "junit.xml").read_text(encoding="utf-8")
    # the run failed on echoed answers, so the search below means something
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    # the marker as Markdown shows it: `***` escaped so that it reads as text, not a rule
    assert "## Server violations" in report and r"\*\*\*" in report
    assert "<failure" in junit and "***" in junit
    seen = {"stdout": occurrences(done.stdout, secret), "stderr": occurrences(done.stderr, secret)}
    written = files_under(work)
    seen |= {name: occurrences(text, secret) for name, text in written.items()}
    print(f"{len(written)} files written; forms of the key found: {sum(map(len, seen.values()))}")
    assert not any(seen.values()), {name: found for name, found in seen.items() if found}
    assert not (work / ".hypothesis").exists()  # Hypothesis keeps to the run's scratch folder
    assert not list((work / "tmp").iterdir())  # and the scratch folder is gone


def test_an_echoed_api_key_appears_in_nothing_the_run_writes(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    with EchoServer().running() as origin:
        done = run_conform(
            tmp_path, origin, "--api-key", SECRET, env={"TMPDIR": str(tmp_path / "tmp")}
        )
    assert_nothing_leaks(tmp_path, done, SECRET)


def test_a_key_from_the_environment_is_scrubbed_too(tmp_path: Path) -> None:
    secret = "tg-env-9c1f0e7b5a3d"
    (tmp_path / "tmp").mkdir()
    env = {"TOGETHER_API_KEY": secret, "TMPDIR": str(tmp_path / "tmp")}
    with EchoServer().running() as origin:
        done = run_conform(tmp_path, origin, env=env)
    assert_nothing_leaks(tmp_path, done, secret)
