"""The mock's HTTP/1.1 protocol: uvicorn's httptools protocol with limits on request heads.

uvicorn checks nothing while a request's head (request line and headers) arrives: httptools
buffers a header of any size until it ends, and a client that trickles its head holds its
connection (and a file descriptor) for as long as it likes. `GuardedProtocol` adds, per
connection:

* a byte budget: once more than `max_header_bytes` of the head have arrived without its end,
  the client gets 431 at once; the parser is never fed more than the budget, so a header
  block is never buffered past it (the one exception, a pipelined head that arrives in the
  same read as the end of the request before it, is bounded by that read, at most 256 KiB,
  and refused by the app's own check of the header block);
* a deadline: a head not complete `header_timeout` seconds after the server became ready for
  it (connection opened, or previous answer sent) gets 408. A connection on which nothing of
  a new request has arrived is closed without an answer (there is no request to answer, and
  an idle keep-alive connection must not read a 408 as the answer to its next request);

and, over all connections, a cap: when `max_connections` are open (fewer when the process's
limit on open files is low: see `connection_cap`), a new connection evicts the one that has waited
longest for a request head (503 if it had begun one). A flood of slow clients therefore
pushes out its own oldest members, never the newcomer; uvicorn's `limit_concurrency` would
do the opposite and answer 503 to the real request.

Refusals are sent with `connection: close`, then the write side is shut and whatever the
client still sends is read and dropped for at most `LINGER` seconds, so that the client reads
the answer instead of a reset.

uvicorn writes a response's head and its body in two writes; `HeldHeads` keeps a head back until
the body follows, so that an answer leaves in one system call (and one segment).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from specforge.conformance.mock.app import BODY_RECEIVED
from specforge.conformance.mock.handler import Reply, error_reply

HEADER_TIMEOUT = 5.0
MAX_CONNECTIONS = 2048
LINGER = 1.0
# Descriptors kept free of connections for the listening socket, the log, stdio and the like.
RESERVED_FDS = 64
MAX_BACKLOG = 2048  # uvicorn's default
MIN_BACKLOG = 16


def fd_limit() -> int | None:
    """The process's soft limit on open files (None where it cannot be read)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def accept_backlog(limit: int | None = None) -> int:
    """The listen backlog, which is also how many sockets asyncio accepts in one go.

    Accepted sockets hold descriptors a few loop turns before the cap can close the ones they
    evict (asyncio accepts a batch, makes the protocols on the next turn, closes evicted
    sockets on the one after), so the backlog is an eighth of the descriptors left free.
    """
    limit = fd_limit() if limit is None else limit
    if limit is None:
        return MAX_BACKLOG
    return max(MIN_BACKLOG, min(MAX_BACKLOG, (limit - RESERVED_FDS) // 8))


def connection_cap(max_connections: int, limit: int | None = None) -> int:
    """`max_connections`, lowered so that connections and four accept batches fit the limit."""
    limit = fd_limit() if limit is None else limit
    if limit is None:
        return max_connections
    return max(1, min(max_connections, limit - RESERVED_FDS - 4 * accept_backlog(limit)))


def files_needed(max_connections: int) -> int:
    """A limit on open files at which `connection_cap` keeps all `max_connections`.

    With twice the connections and four smallest batches on top of `RESERVED_FDS`, the four
    accept batches of `connection_cap` never take more than the connections leave.
    """
    return 2 * max_connections + RESERVED_FDS + 4 * MIN_BACKLOG


@dataclass
class HeadLimits:
    """Limits shared by all connections of one server, and the state they need.

    `waiting` holds the connections that wait for a request head (no request of theirs in
    progress) with their deadlines. The timeout is the same for all, so the order of arrival
    is the order of the deadlines: one timer, set for the first deadline, serves them all.
    """

    max_header_bytes: int
    header_timeout: float = HEADER_TIMEOUT
    max_connections: int = MAX_CONNECTIONS
    waiting: OrderedDict[GuardedProtocol, float] = field(default_factory=OrderedDict)
    lingering: OrderedDict[GuardedProtocol, None] = field(default_factory=OrderedDict)
    unmade: int = 0  # protocols made whose connection is not made yet
    evicted: int = 0
    cap: int = field(init=False)
    backlog: int = field(init=False)
    timer: asyncio.TimerHandle | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.cap = connection_cap(self.max_connections)
        self.backlog = accept_backlog()

    def wait(self, protocol: GuardedProtocol, loop: asyncio.AbstractEventLoop) -> None:
        """`protocol` now waits for a head, until `header_timeout` from now."""
        self.waiting[protocol] = loop.time() + self.header_timeout
        if self.timer is None:
            self.timer = loop.call_at(self.waiting[protocol], self.sweep, loop)

    def sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Cut the connections whose deadline has passed; set the timer for the next one."""
        self.timer = None
        now = loop.time()
        while self.waiting:
            protocol, deadline = next(iter(self.waiting.items()))
            if deadline > now:
                self.timer = loop.call_at(deadline, self.sweep, loop)
                return
            del self.waiting[protocol]
            protocol.head_timed_out()

    def victim(self) -> GuardedProtocol | None:
        """The connection to close for a new one: a refused one, else the longest waiting."""
        return next(iter(self.lingering), None) or next(iter(self.waiting), None)


_PHRASES = {
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


def _raw(reply: Reply) -> bytes:
    head = [
        f"HTTP/1.1 {reply.status} {_PHRASES.get(reply.status, '')}",
        f"content-type: {reply.content_type}",
        f"content-length: {len(reply.body)}",
        "connection: close",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body


class HeldHeads:
    """A connection's transport that holds a final response head (`HTTP/1.1 2xx..5xx`, ending
    in a blank line) until the next write, which then carries head and body together.

    Bytes are never reordered: whatever is held goes out before anything written after it, and
    on `flush` (the protocol calls it when a response is complete: a HEAD or 204 answer has no
    body to carry it), `write_eof` and `close`. Interim answers (`100 Continue`) pass at once.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held = b""

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held:
            data, self._held = self._held + bytes(data), b""
        elif _final_head(data):
            self._held = bytes(data)
            return
        self._transport.write(data)

    def flush(self) -> None:
        if self._held:
            data, self._held = self._held, b""
            self._transport.write(data)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _final_head(data: bytes | bytearray | memoryview) -> bool:
    head = bytes(data[:10])
    return head.startswith(b"HTTP/1.1 ") and head[9:10] in b"2345" and data[-4:] == b"\r\n\r\n"


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the byte budget, deadline and cap described above."""

    limits: HeadLimits  # set on the subclass made by `guarded_protocol`

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        limits = self.limits
        # Make room now, a loop turn before `connection_made`, counting the connections
        # accepted in the same turn whose protocols are made but not connected yet.
        self.unserved = False
        if len(self.connections) + limits.unmade >= limits.cap:
            victim = limits.victim()
            if victim is None:
                self.unserved = True  # every connection has a request in progress
            else:
                victim.evict()
        limits.unmade += 1
        self.awaiting_head = True  # the next bytes belong to a request head
        self.head_bytes = 0  # bytes of the current head received so far
        self.refused = False
        self.deferred: Reply | None = None
        self.linger_timer: asyncio.TimerHandle | None = None

    # -- connection --------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.limits.unmade -= 1
        super().connection_made(cast(asyncio.Transport, HeldHeads(transport)))
        if self.unserved:
            self.refuse(error_reply(503, "too many connections", "server_busy"), linger=False)
            return
        self.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.limits.waiting.pop(self, None)
        self.limits.lingering.pop(self, None)
        if self.linger_timer is not None:
            self.linger_timer.cancel()
            self.linger_timer = None
        super().connection_lost(exc)

    def evict(self) -> None:
        """Make room for a new connection: 503 if a head has begun, else just close."""
        self.limits.evicted += 1
        self.limits.waiting.pop(self, None)
        self.limits.lingering.pop(self, None)
        if self.refused or self.head_bytes == 0:
            self.refused = True
            self.transport.close()
        else:
            self.refuse(error_reply(503, "too many connections", "server_busy"), linger=False)

    # -- the head deadline -------------------------------------------------------------------
    def arm(self) -> None:
        """Start the head deadline if the server now waits for a request head."""
        if (
            self.refused
            or not self.awaiting_head
            or self in self.limits.waiting
            or self.transport.is_closing()
            or not (self.cycle is None or self.cycle.response_complete)
        ):
            return
        self.limits.wait(self, self.loop)

    def head_timed_out(self) -> None:
        """Called by `HeadLimits.sweep` (which has taken this connection off `waiting`)."""
        if self.head_bytes == 0:
            self.refused = True
            self.transport.close()  # nothing of a request arrived: nothing to answer
            return
        timeout = self.limits.header_timeout
        message = f"the request headers did not arrive within {timeout:g} s"
        self.refuse(error_reply(408, message, "request_timeout"))

    # -- refusals ----------------------------------------------------------------------------
    def refuse(self, reply: Reply, *, linger: bool = True) -> None:
        """Answer `reply` (after any answers still owed on this connection) and close."""
        self.refused = True
        self.limits.waiting.pop(self, None)
        self._unset_keepalive_if_required()
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self.deferred = reply  # pipelined: earlier requests are answered first
            return
        self.transport.write(_raw(reply))
        if not linger or not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self.linger_timer = self.loop.call_later(LINGER, self.transport.close)
        self.limits.lingering[self] = None

    def refuse_too_large(self) -> None:
        limit = self.limits.max_header_bytes
        reply = error_reply(
            431, f"request headers over {limit} bytes", "request_header_fields_too_large"
        )
        self.refuse(reply)

    # -- input -------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        while data:
            if self.refused or self.transport.is_closing():
                return  # lingering after a refusal: read and drop
            if not self.awaiting_head:
                # A body. Should a pipelined head follow in this same read, it is fed too
                # (one read is at most 256 KiB) and the app refuses it if it is too large.
                super().data_received(data)
                return
            room = self.limits.max_header_bytes - self.head_bytes
            if room <= 0:
                self.refuse_too_large()
                return
            piece, data = data[:room], data[room:]
            self.head_bytes += len(piece)
            super().data_received(piece)

    # -- parser callbacks --------------------------------------------------------------------
    def on_headers_complete(self) -> None:
        self.awaiting_head = False
        self.limits.waiting.pop(self, None)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.scope[BODY_RECEIVED] = True  # type: ignore[literal-required]
        super().on_message_complete()
        self.awaiting_head = True
        self.head_bytes = 0
        self.arm()

    def on_response_complete(self) -> None:
        cast(HeldHeads, self.transport).flush()
        super().on_response_complete()
        if self.deferred is not None and self.cycle.response_complete and not self.pipeline:
            reply, self.deferred = self.deferred, None
            self.refused = False  # let `refuse` send it now
            self.refuse(reply)
            return
        self.arm()


def guarded_protocol(limits: HeadLimits) -> type[GuardedProtocol]:
    """A protocol class for one server, its connections sharing `limits`."""

    class MockProtocol(GuardedProtocol):
        pass

    MockProtocol.limits = limits
    return MockProtocol
