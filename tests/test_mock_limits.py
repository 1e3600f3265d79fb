"""The mock's limits on request heads, over real sockets to 127.0.0.1.

Header bytes are counted as they arrive (431 at the limit, not after megabytes), a head that
trickles is cut off (408 after `header_timeout`), and hundreds of slow clients cannot starve
a real request (the connection cap evicts the oldest waiting one). Every load loop here is
bounded in count and in time and stops by itself.
"""

from __future__ import annotations

import select
import selectors
import socket
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from specforge.conformance.faults import parse_faults
from specforge.conformance.load import MockProcess, mock_process
from specforge.conformance.mock.protocol import accept_backlog, connection_cap, files_needed
from specforge.conformance.mock.server import MockOptions, running

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"
AUTH = {"Authorization": "Bearer limits-key"}
AUTH_LINE = b"Authorization: Bearer limits-key\r\n"
LIMIT = 32 * 1024
STEP = 1024


def origin_port(origin: str) -> int:
    return int(origin.rsplit(":", 1)[1])


def read_answer(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """Everything the server sends until it closes (or `timeout` passes)."""
    sock.settimeout(timeout)
    data = b""
    with suppress(OSError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def read_one(sock: socket.socket) -> bytes:
    """One whole answer (head and `Content-Length` body) of a keep-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, data
        body += chunk
    assert len(body) == length  # nothing else was sent
    return head + b"\r\n\r\n" + body


def create_request(body: bytes, extra: bytes = b"", close: bool = False) -> bytes:
    head = b"POST /v2/videos HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH_LINE + extra
    head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    if close:
        head += b"Connection: close\r\n"
    return head + b"\r\n" + body


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with running(MockOptions(spec=SPEC, header_timeout=1.0)) as url:
        yield url


# -- the byte budget -----------------------------------------------------------------------------
def send_until_answered(port: int, budget: int = 4 << 20) -> tuple[int, bytes, float]:
    """Send a head that never ends, 1 KiB at a time, giving the server time to read each step.

    Returns the bytes sent when the answer came (an upper bound on what the server accepted),
    the answer, and the seconds from that answer to the server's close while we keep sending.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        head = b"GET /v2/videos/x HTTP/1.1\r\nHost: x\r\n" + AUTH_LINE + b"X-Big: "
        sock.sendall(head)
        sent = len(head)
        answer = b""
        while sent < budget:
            sock.sendall(b"a" * STEP)
            sent += STEP
            readable, _, _ = select.select([sock], [], [], 0.01)
            if readable:
                answer = sock.recv(65536)
                break
        assert answer, f"no answer after {sent} bytes"
        accepted = sent
        answered = time.monotonic()
        closed = False
        sock.settimeout(0.05)
        while time.monotonic() - answered < 5 and not closed:  # keep sending: we get cut off
            try:
                sock.send(b"a" * STEP)
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
            answer += chunk
            closed = not chunk
        assert closed, "the server kept the connection open after its 431"
        return accepted, answer, time.monotonic() - answered


def test_header_bytes_are_refused_as_they_pass_the_limit(origin: str) -> None:
    accepted, answer, cut = send_until_answered(origin_port(origin))
    print(f"431 after {accepted} bytes sent (limit {LIMIT}); closed {cut:.2f} s later")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"application/json" in answer and b"request_header_fields_too_large" in answer
    assert b"connection: close" in answer
    assert LIMIT < accepted <= LIMIT + 16 * STEP  # about the limit, not megabytes
    assert cut < 3


def test_a_lower_limit_is_honoured_too() -> None:
    with running(MockOptions(spec=SPEC, max_header_bytes=4096)) as url:
        accepted, answer, _ = send_until_answered(origin_port(url))
    print(f"431 after {accepted} bytes sent (limit 4096)")
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert 4096 < accepted <= 4096 + 16 * STEP


def test_many_big_heads_do_not_grow_memory(tmp_path: Path) -> None:
    """100 clients each push 1 MiB of one header at once: 431 each time, RSS flat."""
    with mock_process(SPEC, log_dir=tmp_path) as mock:
        assert httpx.get(f"{mock.origin}/v2/videos/x", headers=AUTH).status_code == 404
        before = mock.rss_kib()
        big = b"GET /v2/videos/x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
        statuses = []
        for _ in range(100):
            with socket.create_connection(("127.0.0.1", mock.port), timeout=5) as sock:
                with suppress(OSError):  # the server stops reading at the limit
                    sock.sendall(big)
                statuses.append(read_answer(sock)[:12])
        after = mock.rss_kib()
    print(f"431 x100 with 1 MiB heads: RSS {before} KiB -> {after} KiB")
    assert statuses.count(b"HTTP/1.1 431") >= 95, statuses
    assert after < before + 8 * 1024


def test_a_head_under_the_limit_with_a_body_in_the_same_read_is_served(origin: str) -> None:
    extra = b"X-Fill: " + b"f" * 20_000 + b"\r\n"
    body = b'{"model": "m", "prompt": "' + b"p" * 30_000 + b'"}'
    with socket.create_connection(("127.0.0.1", origin_port(origin)), timeout=5) as sock:
        sock.sendall(create_request(body, extra, close=True))
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]


def test_pipelined_requests_are_answered_in_order(origin: str) -> None:
    """Two valid requests in one write; then a valid one followed by one with an oversized head."""
    valid = create_request(b'{"model": "first"}')
    with socket.create_connection(("127.0.0.1", origin_port(origin)), timeout=5) as sock:
        sock.sendall(valid + create_request(b'{"model": "second"}', close=True))
        answers = read_answer(sock)
    assert answers.count(b"HTTP/1.1 200 ") == 2, answers[:500]
    assert answers.index(b'"first"') < answers.index(b'"second"')

    oversized = b"GET /v2/videos/x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", origin_port(origin)), timeout=5) as sock:
        sock.sendall(valid + oversized)
        answers = read_answer(sock)
    assert answers.startswith(b"HTTP/1.1 200 "), answers[:300]
    assert answers.count(b"HTTP/1.1 431 ") == 1 and answers.index(b"431") > answers.index(b"200")


# -- the head deadline -----------------------------------------------------------------------------
def trickle_until_answered(sock: socket.socket, limit: float = 8.0) -> tuple[bytes, float]:
    """Send one header byte every 0.1 s until the server answers; the answer and its delay."""
    started = time.monotonic()
    sock.settimeout(0.1)
    answer = b""
    while time.monotonic() - started < limit:
        with suppress(OSError):
            sock.send(b"a")
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            break
        if not chunk:
            break
        answer += chunk
        if b"\r\n\r\n" in answer:
            break
    elapsed = time.monotonic() - started
    return answer + read_answer(sock, 2), elapsed


def test_a_trickling_head_is_cut_off(origin: str) -> None:
    with socket.create_connection(("127.0.0.1", origin_port(origin)), timeout=5) as sock:
        sock.sendall(b"GET /v2/videos/x HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        answer, elapsed = trickle_until_answered(sock)
    print(f"trickling head cut after {elapsed:.2f} s (header timeout 1 s)")
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b'"request_timeout"' in answer and b"connection: close" in answer
    assert 0.8 <= elapsed < 2.5


def test_a_silent_connection_is_closed_without_an_answer(origin: str) -> None:
    with socket.create_connection(("127.0.0.1", origin_port(origin)), timeout=5) as sock:
        started = time.monotonic()
        assert read_answer(sock) == b""
        elapsed = time.monotonic() - started
    assert 0.8 <= elapsed < 2.5


def test_the_deadline_applies_to_each_request_of_a_connection(origin: str) -> None:
    with socket.create_connection(("127.0.0.1", origin_port(origin)), timeout=5) as sock:
        sock.sendall(create_request(b'{"model": "m"}'))
        first = read_one(sock)
        assert first.startswith(b"HTTP/1.1 200 "), first[:200]
        sock.sendall(b"GET /v2/videos/x HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        answer, elapsed = trickle_until_answered(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert elapsed < 2.5


def test_a_slow_answer_does_not_count_against_the_next_head() -> None:
    """The deadline starts when the answer is sent, not while the client waits for it."""
    options = MockOptions(spec=SPEC, header_timeout=0.5, faults=parse_faults(["latency=1200"]))
    with running(options) as url, httpx.Client(base_url=url, headers=AUTH) as client:
        statuses = [client.post("/v2/videos", json={"model": "m"}).status_code for _ in range(2)]
    assert statuses == [200, 200]


# -- slow clients in numbers -------------------------------------------------------------------------
class Slowloris:
    """`count` connections that send a head one byte at a time and never finish it."""

    def __init__(self, port: int, count: int) -> None:
        self.selector = selectors.DefaultSelector()
        self.open: set[socket.socket] = set()
        self.answers: dict[bytes, int] = {}
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /v2/videos/x HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ)
            self.open.add(sock)
        self.poll()

    def tick(self) -> None:
        """One more byte on every open connection, then read what the server sent."""
        for sock in list(self.open):
            try:
                sock.send(b"a")
            except OSError:
                self._closed(sock, b"(reset)")
        self.poll()

    def poll(self, timeout: float = 0.0) -> None:
        for key, _ in self.selector.select(timeout):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            self._closed(sock, data[:12] or b"(closed)")

    def _closed(self, sock: socket.socket, answer: bytes) -> None:
        if sock in self.open:
            self.open.discard(sock)
            self.selector.unregister(sock)
            sock.close()
            self.answers[answer] = self.answers.get(answer, 0) + 1

    def close(self) -> None:
        for sock in list(self.open):
            self.selector.unregister(sock)
            sock.close()
        self.open.clear()
        self.selector.close()


def hold_and_request(
    mock: MockProcess, count: int, seconds: float
) -> tuple[list[float], Slowloris]:
    """`count` slow clients trickle for `seconds` while a real request is made every 0.5 s."""
    slow = Slowloris(mock.port, count)
    latencies: list[float] = []
    try:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            slow.tick()
            begun = time.monotonic()
            answer = httpx.post(
                f"{mock.origin}/v2/videos", json={"model": "m"}, headers=AUTH, timeout=10
            )
            latencies.append(time.monotonic() - begun)
            assert answer.status_code == 200, answer.text[:200]
            slow.poll(0.5)
    finally:
        slow.close()
    return latencies, slow


def test_slow_clients_beyond_the_cap_do_not_starve_real_requests(tmp_path: Path) -> None:
    """400 slow clients against a cap of 200: the oldest are evicted, real requests pass."""
    options = ("--max-connections", "200", "--header-timeout", "60")
    with mock_process(SPEC, *options, log_dir=tmp_path) as mock:
        latencies, slow = hold_and_request(mock, 400, seconds=3)
        assert mock.process.poll() is None
        output = mock.output()
    print(
        f"400 slow clients, cap 200: real request latency max {max(latencies):.3f} s over "
        f"{len(latencies)} requests; slow clients' fate {slow.answers}"
    )
    assert max(latencies) < 2.0
    assert sum(slow.answers.values()) >= 200  # the oldest made room
    # 503 when the server had read some of the head, else closed without an answer
    assert set(slow.answers) <= {b"HTTP/1.1 503", b"(closed)", b"(reset)"}, slow.answers
    assert slow.answers.get(b"HTTP/1.1 503", 0) > 0
    assert "Traceback" not in output


def test_slow_clients_cannot_exhaust_file_descriptors(tmp_path: Path) -> None:
    """The failure seen at 1,100 slow clients on 1,024 descriptors, at a quarter of the scale:
    with 256 descriptors the cap falls to fit and 400 slow clients leave room for real ones."""
    assert (accept_backlog(256), connection_cap(2048, limit=256)) == (24, 96)
    assert (accept_backlog(1024), connection_cap(2048, limit=1024)) == (120, 480)
    for wanted in (2, 100, 2048, 5000, 50_000):  # what `serve` raises the soft limit to
        assert connection_cap(wanted, limit=files_needed(wanted)) == wanted
    with mock_process(SPEC, log_dir=tmp_path, open_files=256) as mock:
        latencies, slow = hold_and_request(mock, 400, seconds=3)
        output = mock.output()
    print(
        f"400 slow clients, 256 open files: real request latency max {max(latencies):.3f} s "
        f"over {len(latencies)} requests; slow clients' fate {slow.answers}"
    )
    assert max(latencies) < 2.0
    assert "Too many open files" not in output and "Traceback" not in output


def test_slow_clients_under_the_cap_are_all_cut_off_in_time(tmp_path: Path) -> None:
    """500 slow clients, default cap, header timeout 1.5 s: all get 408, real requests pass."""
    with mock_process(SPEC, "--header-timeout", "1.5", log_dir=tmp_path) as mock:
        started = time.monotonic()
        slow = Slowloris(mock.port, 500)
        latencies: list[float] = []
        try:
            while slow.open and time.monotonic() - started < 10:
                slow.tick()
                begun = time.monotonic()
                answer = httpx.get(f"{mock.origin}/v2/videos/x", headers=AUTH, timeout=10)
                latencies.append(time.monotonic() - begun)
                assert answer.status_code == 404
                slow.poll(0.3)
            elapsed = time.monotonic() - started
            still_open = len(slow.open)
        finally:
            slow.close()
    print(
        f"500 slow clients cut in {elapsed:.2f} s ({slow.answers}); real request latency "
        f"max {max(latencies):.3f} s"
    )
    assert still_open == 0
    assert slow.answers.get(b"HTTP/1.1 408", 0) >= 490
    assert elapsed < 5
    assert max(latencies) < 2.0
