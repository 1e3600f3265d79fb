"""How the mock writes its answers: head and body in one write, nothing held back or reordered.

`HeldHeads` is tested on a recording transport; the cases where a head has no body to carry
it (HEAD, an interim `100 Continue`) and a body that arrives after its head are tested over
real sockets to 127.0.0.1.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from specforge.conformance.mock.protocol import HeldHeads
from specforge.conformance.mock.server import MockOptions, running

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"
HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recorder:
    """A transport that records what is written to it, and whether it was closed."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.events: list[str] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def write_eof(self) -> None:
        self.events.append("eof")

    def close(self) -> None:
        self.events.append("close")

    def get_extra_info(self, name: str) -> Any:
        return f"extra:{name}"


def held(recorder: Recorder) -> HeldHeads:
    return HeldHeads(cast(Any, recorder))


def test_a_head_leaves_with_its_body_in_one_write() -> None:
    recorder = Recorder()
    transport = held(recorder)
    transport.write(HEAD)
    assert recorder.writes == []
    transport.write(b"{}")
    assert recorder.writes == [HEAD + b"{}"]


def test_interim_answers_and_bodies_pass_at_once() -> None:
    recorder = Recorder()
    transport = held(recorder)
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    transport.write(b"a chunk\r\n")
    assert recorder.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", b"a chunk\r\n"]


@pytest.mark.parametrize("end", ["flush", "close", "write_eof"])
def test_a_held_head_goes_out_before_the_connection_ends(end: str) -> None:
    recorder = Recorder()
    transport = held(recorder)
    transport.write(HEAD)
    getattr(transport, end)()
    assert recorder.writes == [HEAD]
    assert recorder.events == ([] if end == "flush" else [end.replace("write_", "")])
    transport.flush()
    assert recorder.writes == [HEAD]  # nothing is sent twice


def test_everything_else_is_the_transports_own() -> None:
    assert held(Recorder()).get_extra_info("peername") == "extra:peername"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with running(MockOptions(spec=SPEC, api_key="writes-key")) as url:
        yield int(url.rsplit(":", 1)[1])


def read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    return data


def post_head(body: bytes, extra: bytes = b"") -> bytes:
    return (
        (
            b"POST /v2/videos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer writes-key\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        )
        + extra
        + b"\r\n"
    )


BODY = b'{"model": "m", "prompt": "p"}'


def test_a_client_that_expects_100_continue_gets_it_before_it_sends_its_body(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(post_head(BODY, b"Expect: 100-continue\r\n"))
        assert read_head(sock).startswith(b"HTTP/1.1 100 ")
        sock.sendall(BODY)
        assert read_head(sock).startswith(b"HTTP/1.1 200 ")


def test_a_body_that_arrives_after_its_head_is_read(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(post_head(BODY))
        time.sleep(0.2)
        sock.sendall(BODY)
        assert read_head(sock).startswith(b"HTTP/1.1 200 ")


def test_an_answer_without_a_body_is_sent_and_the_connection_goes_on(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"HEAD /v2/videos HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = read_head(sock)
        assert head.startswith(b"HTTP/1.1 ") and head.endswith(b"\r\n\r\n"), head
        sock.sendall(post_head(BODY) + BODY)
        assert read_head(sock).startswith(b"HTTP/1.1 200 ")
