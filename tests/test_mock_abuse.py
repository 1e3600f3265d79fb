"""The mock under abuse: each hostile request gets a clear 4xx (JSON where the app answers),
never a 5xx or a crash, memory stays put, and a valid request is served right afterwards."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from specforge.conformance.load import MockProcess, mock_process
from specforge.conformance.mock.server import MockOptions, running
from specforge.conformance.model import load_model

ROOT = Path(__file__).resolve().parents[1]
WITH_RETRIEVE = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"
TOKEN = b"abuse-test-key"
AUTH = b"Authorization: Bearer " + TOKEN + b"\r\n"
BODY_LIMIT = 64 * 1024
READ_TIMEOUT = 1.0


@dataclass
class Answer:
    """A raw HTTP answer: status, headers (lower-case names), body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    options = ["--max-body-bytes", str(BODY_LIMIT), "--read-timeout", str(READ_TIMEOUT)]
    with mock_process(WITH_RETRIEVE, *options, log_dir=tmp_path_factory.mktemp("abuse")) as proc:
        yield proc


def exchange(port: int, data: bytes, timeout: float = 10.0) -> Answer:
    """Send raw bytes (sending and reading at once), parse the one answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sender = threading.Thread(target=_send_all, args=(sock, data), daemon=True)
        sender.start()
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed before an answer: {received!r}")
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])
        }
        length = int(headers.get("content-length", "0") or 0)
        while len(body) < length and "content-length" in headers:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        if "content-length" not in headers:  # uvicorn's own plain-text answers
            body += _drain(sock)
        sender.join(timeout)
        return Answer(int(lines[0].split(" ", 2)[1]), headers, body)


def _send_all(sock: socket.socket, data: bytes) -> None:
    with suppress(OSError):  # the server may answer and close before reading everything
        sock.sendall(data)


def _drain(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    return data


def request(
    method: bytes,
    path: bytes,
    body: bytes = b"",
    content_type: bytes = b"application/json",
    extra: bytes = b"",
) -> bytes:
    head = method + b" " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + extra
    if body or method == b"POST":
        head += b"Content-Type: " + content_type + b"\r\n"
        head += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    return head + b"Connection: close\r\n\r\n" + body


def post(body: bytes, content_type: bytes = b"application/json", extra: bytes = b"") -> bytes:
    return request(b"POST", b"/v2/videos", body, content_type, extra)


def assert_served(mock: MockProcess) -> None:
    """The server is alive and answers a valid create."""
    assert mock.process.poll() is None, mock.output()[-2000:]
    answer = exchange(mock.port, post(b'{"model": "m", "prompt": "still here"}'))
    assert answer.status == 200, answer.body
    assert answer.json()["status"] == "in_progress"  # type: ignore[index]


def assert_json_4xx(answer: Answer, *statuses: int) -> dict[str, object]:
    assert 400 <= answer.status < 500, (answer.status, answer.body[:300])
    if statuses:
        assert answer.status in statuses, (answer.status, answer.body[:300])
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]  # type: ignore[index]
    assert isinstance(error, dict) and error["message"]
    return error


HOSTILE: dict[str, tuple[bytes, tuple[int, ...]]] = {
    "malformed-json": (post(b'{"model": "m",'), (400,)),
    "json-trailing-garbage": (post(b'{"model": "m"} {}'), (400,)),
    "json-nan": (post(b'{"model": "m", "seed": NaN}'), (400,)),
    "json-huge-integer": (post(b'{"model": "m", "seed": ' + b"9" * 5000 + b"}"), (400,)),
    "json-not-an-object": (post(b'["model", "m"]'), (400,)),
    "json-null": (post(b"null"), (400,)),
    "wrong-content-type": (post(b'{"model": "m"}', b"text/plain"), (415,)),
    "form-content-type": (post(b"model=m", b"application/x-www-form-urlencoded"), (415,)),
    "no-content-type": (
        b"POST /v2/videos HTTP/1.1\r\nHost: x\r\n"
        + AUTH
        + b'Content-Length: 14\r\nConnection: close\r\n\r\n{"model": "m"}',
        (415,),
    ),
    "nested-arrays-60k": (post(b"[" * 60_000), (400,)),
    "nested-arrays-100k-over-limit": (post(b"[" * 100_000), (413,)),
    "nested-objects-5k": (post(b'{"a":' * 5_000 + b"1" + b"}" * 5_000), (400,)),
    "nested-arrays-900-valid-json": (
        post(b'{"model": "m", "prompt": ' + b"[" * 900 + b"]" * 900 + b"}"),
        (400,),
    ),
    "non-utf8-body": (post(b'{"model": "\xff\xfe"}'), (400,)),
    "non-utf8-bare-bytes": (post(b"\xff\xfe\x00\x01"), (400,)),
    "latin1-content-type-param": (post(b"{}", b"application/json; charset=\xff"), (400,)),
    "body-over-limit-declared": (post(b'{"model": "' + b"x" * (BODY_LIMIT + 10) + b'"}'), (413,)),
    "body-over-limit-chunked": (
        b"POST /v2/videos HTTP/1.1\r\nHost: x\r\n"
        + AUTH
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        + b"Connection: close\r\n\r\n"
        + (b"8000\r\n" + b" " * 0x8000 + b"\r\n") * 4
        + b"0\r\n\r\n",
        (413,),
    ),
    "traversal-encoded": (request(b"GET", b"/v2/videos/..%2F..%2Fetc%2Fpasswd"), (404,)),
    "traversal-plain": (request(b"GET", b"/v2/videos/../../etc/passwd"), (404,)),
    "traversal-backslash": (request(b"GET", b"/v2/videos/..%5C..%5Cetc%5Cpasswd"), (404,)),
    "traversal-double-encoded": (request(b"GET", b"/v2/videos/%252e%252e%252fetc"), (404,)),
    "traversal-from-root": (request(b"GET", b"/../../etc/passwd"), (404,)),
    "percent-encoded-non-utf8-id": (request(b"GET", b"/v2/videos/%FF%FE%00"), (404,)),
    "non-utf8-header-value": (
        request(b"GET", b"/v2/videos/x", extra=b"X-Odd: \xff\xfe\r\n"),
        (404,),
    ),
    "huge-header-40k": (
        request(b"GET", b"/v2/videos/x", extra=b"X-Big: " + b"a" * 40_000 + b"\r\n"),
        (431,),
    ),
    "many-headers-3000": (
        request(b"GET", b"/v2/videos/x", extra=b"".join(b"X-H%d: v\r\n" % i for i in range(3000))),
        (431,),
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_request_gets_a_json_4xx(mock: MockProcess, name: str) -> None:
    data, statuses = HOSTILE[name]
    answer = exchange(mock.port, data)
    error = assert_json_4xx(answer, *statuses)
    assert b"root:" not in answer.body  # nothing outside the spec is ever served
    assert "Traceback" not in str(error)
    assert_served(mock)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("non-utf8-raw-path", b"GET /v2/videos/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"),
        (
            "negative-content-length",
            b"POST /v2/videos HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        ),
        ("header-without-colon", b"GET /v2/videos/x HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
        ("not-http", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n"),
        (
            "huge-header-1m",
            b"GET /v2/videos/x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n",
        ),
    ],
)
def test_malformed_http_is_refused_by_the_protocol_layer(
    mock: MockProcess, name: str, data: bytes
) -> None:
    """Requests the parser refuses never reach the app: a plain-text or JSON 4xx, or a close."""
    try:
        answer = exchange(mock.port, data)
    except (ConnectionError, OSError):
        answer = None  # refused by closing: acceptable, as long as the server stays up
    if answer is not None:
        assert 400 <= answer.status < 500, (answer.status, answer.body[:200])
    assert_served(mock)


def test_ten_thousand_fields_are_a_clean_answer(mock: MockProcess) -> None:
    document = {"model": "m", **{f"field_{i}": i for i in range(10_000)}}
    answer = exchange(mock.port, post(json.dumps(document).encode()))
    assert answer.status < 500
    if answer.status >= 400:
        assert_json_4xx(answer)
    wide = {"model": "m", "media": {f"field_{i}": i for i in range(10_000)}}
    assert exchange(mock.port, post(json.dumps(wide).encode())).status < 500
    assert_served(mock)


def test_oversized_bodies_do_not_grow_memory(mock: MockProcess) -> None:
    """200 bodies of 8 MiB each (declared, then chunked): 413 every time, RSS flat."""
    exchange(mock.port, post(b'{"model": "warm-up"}'))
    before = mock.rss_kib()
    big = b'{"model": "' + b"x" * (8 << 20) + b'"}'
    for turn in range(200):
        if turn % 2:
            data = post(big)
        else:
            data = (
                b"POST /v2/videos HTTP/1.1\r\nHost: x\r\n"
                + AUTH
                + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + b"%x\r\n" % len(big)
                + big
                + b"\r\n0\r\n\r\n"
            )
        assert exchange(mock.port, data).status == 413
    after = mock.rss_kib()
    print(f"413 x200 with 8 MiB bodies: RSS {before} KiB -> {after} KiB")
    assert after < before + 20 * 1024, (before, after)
    assert_served(mock)


def test_slow_body_is_cut_off_and_others_are_served(mock: MockProcess) -> None:
    """A client that sends headers, then trickles its body, gets 408 after the read timeout."""
    with socket.create_connection(("127.0.0.1", mock.port), timeout=10) as slow:
        slow.sendall(
            b"POST /v2/videos HTTP/1.1\r\nHost: x\r\n"
            + AUTH
            + b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        started = time.monotonic()
        served: list[float] = []
        answer = b""
        while time.monotonic() - started < READ_TIMEOUT + 5:
            try:
                slow.sendall(b" ")
            except OSError:
                break
            if len(served) < 3:
                begun = time.monotonic()
                assert_served(mock)  # others are not held up by the slow one
                served.append(time.monotonic() - begun)
            slow.settimeout(0.2)
            try:
                chunk = slow.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                break
            answer += chunk
            if b"\r\n\r\n" in answer:
                break
        elapsed = time.monotonic() - started
        slow.settimeout(2)
        answer += _drain(slow)  # the rest of the answer, up to the close
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"request_timeout"' in answer and b"connection: close" in answer.lower()
    assert READ_TIMEOUT - 0.2 <= elapsed < READ_TIMEOUT + 3
    assert max(served) < 0.5


def test_many_idle_and_half_open_connections_do_not_block_service(mock: MockProcess) -> None:
    """50 connections that never finish their headers, 50 that never send: others still served."""
    hanging = []
    try:
        for i in range(100):
            sock = socket.create_connection(("127.0.0.1", mock.port), timeout=5)
            if i % 2:
                sock.sendall(b"GET /v2/videos/x HTTP/1.1\r\nHost: x\r\n")
            hanging.append(sock)
        started = time.monotonic()
        assert_served(mock)
        assert time.monotonic() - started < 1.0
    finally:
        for sock in hanging:
            sock.close()
    assert_served(mock)


def test_server_log_has_no_traceback(mock: MockProcess) -> None:
    """After all of the above (module order), the server wrote no traceback."""
    assert "Traceback" not in mock.output(), mock.output()[-3000:]


# -- auth ----------------------------------------------------------------------------------------
FULL = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"
VIDEO_SPEC = ROOT / "spec" / "together-videos.yaml"
_PARAM = re.compile(r"\{[^{}/]+\}")


def secured_operations(spec: Path, lenient: bool) -> dict[tuple[str, str], set[str]]:
    """(method, concrete full path) of every operation of `spec` that has `security`, with the
    statuses it documents."""
    model = load_model(spec, lenient=lenient)
    return {
        (op.method, _PARAM.sub("x1", op.full_path)): {r.status for r in op.responses}
        for op in model.api.operations
        if op.secured
    }


@pytest.mark.parametrize(
    ("spec", "lenient"),
    [
        pytest.param(VIDEO_SPEC, False, id="videos"),
        pytest.param(WITH_RETRIEVE, False, id="videos-with-retrieve"),
        pytest.param(
            FULL,
            True,
            id="full-together-spec",
            marks=pytest.mark.skipif(not FULL.is_file(), reason=f"{FULL} is absent"),
        ),
    ],
)
def test_no_secured_operation_is_served_without_a_bearer_token(spec: Path, lenient: bool) -> None:
    documented = secured_operations(spec, lenient)
    operations = list(documented)
    assert operations
    refused = 0
    bad_credentials = [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dTpw"}]
    with (
        running(MockOptions(spec=spec, lenient=lenient, api_key="right-key")) as origin,
        httpx.Client(base_url=origin, timeout=10) as client,
    ):
        for method, path in operations:
            for headers in bad_credentials:
                answer = client.request(method, path, headers=headers)
                assert answer.status_code == 401, (method, path, headers, answer.text[:200])
                refused += 1
            wrong = client.request(method, path, headers={"Authorization": "Bearer wrong"})
            # a wrong key of the right shape: 403 where the operation documents it, else 401
            expected = 403 if "403" in documented.get((method, path), ()) else 401
            assert wrong.status_code == expected, (method, path, wrong.text[:200])
    print(f"auth: {len(operations)} secured operations of {spec.name}, {refused} refusals")


def test_a_token_never_shows_in_logs_or_answers(tmp_path: Path) -> None:
    """Requests with a token, good and bad, valid and hostile: the server's output never has it."""
    secret = "sk-SECRET-7f3a9c"
    wrong = "sk-WRONG-1b2c3d"
    options = ["--api-key", secret, "--log-level", "debug", "--access-log"]
    options += ["--read-timeout", "0.5", "--max-body-bytes", "4096"]
    answers: list[bytes] = []
    with mock_process(WITH_RETRIEVE, *options, log_dir=tmp_path) as proc:
        for token in (secret, wrong):
            auth = b"Authorization: Bearer " + token.encode() + b"\r\n"
            for data in (
                post(b'{"model": "m"}'),
                post(b'{"model": 5}'),
                post(b'{"model": ', b"application/json"),
                post(b'{"model": "m"}', b"text/plain"),
                post(b"[" * 3000),
                post(b'{"model": "' + b"x" * 5000 + b'"}'),
                request(b"GET", b"/v2/videos/unknown"),
                request(b"GET", b"/nowhere"),
                request(b"DELETE", b"/v2/videos"),
                request(b"GET", b"/v2/videos/x", extra=b"X-Big: " + b"a" * 40_000 + b"\r\n"),
            ):
                raw = data.replace(AUTH, auth)
                answers.append(exchange(proc.port, raw).body)
            with socket.create_connection(("127.0.0.1", proc.port), timeout=5) as slow:
                slow.sendall(
                    b"POST /v2/videos HTTP/1.1\r\nHost: x\r\n"
                    + auth
                    + b"Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{"
                )
                answers.append(slow.recv(4096))
            httpx.post(
                f"{proc.origin}/v2/videos",
                json={"model": "m"},
                headers={"Authorization": f"Bearer {token}"},
                params={"debug": "1"},
            )
        time.sleep(0.3)
        output = proc.output()
    assert "POST /v2/videos" in output  # the access log was on, so the search means something
    for token in (secret, wrong):
        assert token not in output
        assert not any(token.encode() in body for body in answers)
