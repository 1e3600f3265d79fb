"""Responses read when the caller asks (`with_streaming_response`), and waiting on jobs (`poll`).

`with_streaming_response.<method>(...)` sends the call as the method would (checked, retried,
redirected, with the credentials kept to the origin it started at) but leaves a successful
answer's body unread: the caller reads it in pieces, or whole with `read()` or `parse()`,
inside a `with` block that releases the connection when it ends. An error status is raised
as the method raises it, on entering the block. `max_response_bytes` bounds every read.
"""

from __future__ import annotations

import asyncio
import codecs
import copy
import functools
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from types import TracebackType
from typing import Any, Generic, ParamSpec, TypeVar

import httpx

from ._exceptions import APIError, PollingTimeoutError
from ._runtime import (
    AsyncStream,
    AsyncTransport,
    OperationSpec,
    RawResponse,
    RequestInput,
    Stream,
    StreamSpec,
    SyncTransport,
    _Call,
    _event_stream,
    _has_path,
    _member,
    _model,
    _read_paths,
)

if sys.version_info >= (3, 13):
    from warnings import deprecated
else:
    from typing_extensions import deprecated

P = ParamSpec("P")
T = TypeVar("T")
TransportT = TypeVar("TransportT")
RawT = TypeVar("RawT")
StreamingT = TypeVar("StreamingT")
_EOL = re.compile(r"\r\n|\r|\n")
TWINS = ("WithRawResponse", "WithStreamingResponse")


class APIResource(Generic[TransportT, RawT, StreamingT]):
    """What every resource class has: the client's transport, and its twins under
    `with_raw_response` and `with_streaming_response` (the classes named after it with those
    suffixes, in its module; typed by the last two parameters)."""

    def __init__(self, transport: TransportT) -> None:
        self._transport = transport

    def _twin(self, suffix: str) -> Any:
        cls = type(self)
        return getattr(sys.modules[cls.__module__], f"{cls.__name__}{suffix}")(self)

    @cached_property
    def with_raw_response(self) -> RawT:
        """The same methods, returning a `RawResponse` (status, headers, parsed body)."""
        twin: RawT = self._twin(TWINS[0])
        return twin

    @cached_property
    def with_streaming_response(self) -> StreamingT:
        """The same methods, answering in a `with` block with the body not read yet."""
        twin: StreamingT = self._twin(TWINS[1])
        return twin


class _Unread:
    """What a method returns under `with_streaming_response`: its body is not read yet."""

    def __repr__(self) -> str:
        return "<unread>"


_UNREAD: Any = _Unread()


class _Sent:
    """The one request a method made under `with_streaming_response`, its answer unread."""

    __slots__ = ("events", "op", "plan", "response", "retries")

    def __init__(
        self, op: OperationSpec, plan: _Call, response: httpx.Response, retries: int, events: bool
    ) -> None:
        self.op = op
        self.plan = plan
        self.response = response
        self.retries = retries
        self.events = events  # the method answers with an event stream (`parse()` gives it)


class _Deferred:
    """The transport a method calls under `with_streaming_response`: it sends as the client's
    transport does and keeps the response, its body unread when the status is a success."""

    def __init__(self, transport: SyncTransport) -> None:
        self.transport = transport
        self.sent: _Sent | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)

    def _send(self, op: OperationSpec, call: RequestInput, events: bool) -> RawResponse[Any]:
        if self.sent is not None:
            raise RuntimeError(f"{op.name}: with_streaming_response covers one request only")
        plan = self.transport._prepare(op, call, stream=events)
        plan.stream = True  # a 2xx body is left for the caller; any other is read (and raised)
        response, retries = self.transport._send(plan)
        _raise_unless_success(self.transport, op, response)
        self.sent = _Sent(op, plan, response, retries, events)
        return RawResponse(response.status_code, response.headers, _UNREAD, response, retries)

    def request(self, op: OperationSpec, call: RequestInput) -> RawResponse[Any]:
        return self._send(op, call, events=False)

    def stream(self, op: OperationSpec, call: RequestInput) -> Any:
        return self._send(op, call, events=True).parsed


class _AsyncDeferred:
    """`_Deferred` for coroutines."""

    def __init__(self, transport: AsyncTransport) -> None:
        self.transport = transport
        self.sent: _Sent | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)

    async def _send(self, op: OperationSpec, call: RequestInput, events: bool) -> RawResponse[Any]:
        if self.sent is not None:
            raise RuntimeError(f"{op.name}: with_streaming_response covers one request only")
        if _has_path(call.body):  # files named by path are read in a thread
            call.body = await asyncio.to_thread(_read_paths, call.body)
        plan = self.transport._prepare(op, call, stream=events)
        plan.stream = True
        response, retries = await self.transport._send(plan)
        _raise_unless_success(self.transport, op, response)
        self.sent = _Sent(op, plan, response, retries, events)
        return RawResponse(response.status_code, response.headers, _UNREAD, response, retries)

    async def request(self, op: OperationSpec, call: RequestInput) -> RawResponse[Any]:
        return await self._send(op, call, events=False)

    async def stream(self, op: OperationSpec, call: RequestInput) -> Any:
        return (await self._send(op, call, events=True)).parsed


def _raise_unless_success(
    transport: SyncTransport | AsyncTransport, op: OperationSpec, response: httpx.Response
) -> None:
    """An error status raises as it does for the method itself (its body was read, which
    released the connection)."""
    if response.status_code >= 400:
        transport._raise_for_status(op, response)


class _Lines:
    """Splits text into lines at `\\n`, `\\r\\n` or `\\r`, whatever the pieces it comes in."""

    def __init__(self) -> None:
        self.pending = ""

    def feed(self, text: str) -> list[str]:
        text = self.pending + text
        held = "\r" if text.endswith("\r") else ""  # its `\n` may start the next piece
        *lines, self.pending = _EOL.split(text[: len(text) - len(held)])
        self.pending += held
        return lines

    def flush(self) -> list[str]:
        *lines, last = _EOL.split(self.pending)
        self.pending = ""
        return [*lines, last] if last else lines


class _Body:
    """What the sync and async streamed responses share: the response and its limits."""

    def __init__(self, transport: SyncTransport | AsyncTransport, sent: _Sent) -> None:
        self._transport = transport
        self._sent = sent
        self._parsed: Any = _UNREAD

    @property
    def http_response(self) -> httpx.Response:
        return self._sent.response

    @property
    def status_code(self) -> int:
        return self._sent.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self._sent.response.headers

    @property
    def retries_taken(self) -> int:
        return self._sent.retries

    @property
    def is_closed(self) -> bool:
        return self._sent.response.is_closed

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] {self._sent.op.name}>"

    def _counted(self, chunk: bytes, size: int) -> int:
        """`size` plus the chunk's, checked against `max_response_bytes`."""
        size += len(chunk)
        limit = self._transport.max_response_bytes
        if limit is not None and size > limit:
            raise self._transport._too_large(self._sent.plan, self._sent.response)
        return size

    def _failure(self, error: httpx.HTTPError) -> APIError:
        return self._transport._failure(self._sent.plan, error)

    def _decoder(self) -> codecs.IncrementalDecoder:
        encoding = self._sent.response.encoding or "utf-8"
        return codecs.getincrementaldecoder(encoding)(errors="replace")

    def _events(self) -> bool:
        """Whether `parse()` gives an event stream; a success that is not one raises."""
        if not self._sent.events:
            return False
        if not _event_stream(self._sent.plan, self._sent.response):
            raise self._transport._not_a_stream(self._sent.plan, self._sent.response)
        return True

    def _parsed_body(self) -> Any:
        sent = self._sent
        raw = self._transport._parse(sent.op, sent.response, _model(sent.op.model), sent.retries)
        return raw.parsed


class StreamedResponse(_Body, Generic[T]):
    """A response whose body is read when asked: in pieces (`iter_bytes`, `iter_text`,
    `iter_lines`), or whole (`read`, `parse`). Its connection is released when the `with`
    block ends, or by `close()`."""

    _transport: SyncTransport

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body's bytes, decompressed, in pieces of `chunk_size` (None: as they come)."""
        size = 0
        try:
            for chunk in self._sent.response.iter_bytes(chunk_size):
                size = self._counted(chunk, size)
                yield chunk
        except (httpx.TransportError, httpx.DecodingError) as error:
            raise self._failure(error) from error
        except BaseException:
            self.close()
            raise

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body decoded as text (its charset, else UTF-8), piece by piece."""
        decoder = self._decoder()
        for chunk in self.iter_bytes(chunk_size):
            text = decoder.decode(chunk)
            if text:
                yield text
        text = decoder.decode(b"", final=True)
        if text:
            yield text

    def iter_lines(self) -> Iterator[str]:
        """The body's text line by line, without line endings."""
        lines = _Lines()
        for text in self.iter_text():
            yield from lines.feed(text)
        yield from lines.flush()

    def read(self) -> bytes:
        """The whole body (bounded by `max_response_bytes` and the call's timeout)."""
        response = self._sent.response
        if not hasattr(response, "_content"):
            try:
                self._transport._read(self._sent.plan, response)
            except (httpx.TransportError, httpx.DecodingError) as error:
                self.close()
                raise self._failure(error) from error
            except BaseException:
                self.close()
                raise
        return response.content

    def parse(self) -> T:
        """The body as the method returns it: read and parsed (an event stream: its chunks,
        read as they are iterated)."""
        if self._parsed is _UNREAD:
            sent, transport = self._sent, self._transport
            if self._events():
                self._parsed = Stream(
                    sent.response,
                    functools.partial(
                        transport._chunk,
                        sent.plan,
                        sent.response,
                        _model((sent.op.stream or StreamSpec()).model),
                    ),
                    failure=functools.partial(transport._failure, sent.plan),
                    max_event_bytes=transport.max_response_bytes,
                )
            else:
                self.read()
                self._parsed = self._parsed_body()
        parsed: T = self._parsed
        return parsed

    def close(self) -> None:
        """Release the connection (what is left of the body is not read)."""
        self._sent.response.close()


class AsyncStreamedResponse(_Body, Generic[T]):
    """`StreamedResponse` for coroutines: `async for` over its pieces, `await` its reads."""

    _transport: AsyncTransport

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body's bytes, decompressed, in pieces of `chunk_size` (None: as they come)."""
        size = 0
        try:
            async for chunk in self._sent.response.aiter_bytes(chunk_size):
                size = self._counted(chunk, size)
                yield chunk
        except (httpx.TransportError, httpx.DecodingError) as error:
            raise self._failure(error) from error
        except BaseException:
            await self.close()
            raise

    async def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """The body decoded as text (its charset, else UTF-8), piece by piece."""
        decoder = self._decoder()
        async for chunk in self.iter_bytes(chunk_size):
            text = decoder.decode(chunk)
            if text:
                yield text
        text = decoder.decode(b"", final=True)
        if text:
            yield text

    async def iter_lines(self) -> AsyncIterator[str]:
        """The body's text line by line, without line endings."""
        lines = _Lines()
        async for text in self.iter_text():
            for line in lines.feed(text):
                yield line
        for line in lines.flush():
            yield line

    async def read(self) -> bytes:
        """The whole body (bounded by `max_response_bytes` and the call's timeout)."""
        response = self._sent.response
        if not hasattr(response, "_content"):
            try:
                await self._transport._read(self._sent.plan, response)
            except (httpx.TransportError, httpx.DecodingError) as error:
                await self.close()
                raise self._failure(error) from error
            except BaseException:
                await self.close()
                raise
        return response.content

    async def parse(self) -> T:
        """The body as the method returns it: read and parsed (an event stream: its chunks,
        read as they are iterated)."""
        if self._parsed is _UNREAD:
            sent, transport = self._sent, self._transport
            if self._events():
                self._parsed = AsyncStream(
                    sent.response,
                    functools.partial(
                        transport._chunk,
                        sent.plan,
                        sent.response,
                        _model((sent.op.stream or StreamSpec()).model),
                    ),
                    failure=functools.partial(transport._failure, sent.plan),
                    max_event_bytes=transport.max_response_bytes,
                )
            else:
                await self.read()
                self._parsed = self._parsed_body()
        parsed: T = self._parsed
        return parsed

    async def close(self) -> None:
        """Release the connection (what is left of the body is not read)."""
        await self._sent.response.aclose()


class StreamedResponseContext(Generic[T]):
    """`with ... as response:` sends the call on entering and releases it on leaving."""

    def __init__(self, send: Callable[[], StreamedResponse[T]]) -> None:
        self._send = send
        self._response: StreamedResponse[T] | None = None

    def __enter__(self) -> StreamedResponse[T]:
        self._response = self._send()
        return self._response

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._response is not None:
            self._response.close()


class AsyncStreamedResponseContext(Generic[T]):
    """`async with ... as response:` sends the call on entering and releases it on leaving."""

    def __init__(self, send: Callable[[], Awaitable[AsyncStreamedResponse[T]]]) -> None:
        self._send = send
        self._response: AsyncStreamedResponse[T] | None = None

    async def __aenter__(self) -> AsyncStreamedResponse[T]:
        self._response = await self._send()
        return self._response

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._response is not None:
            await self._response.close()


def _rebound(method: Callable[..., Any], transport: Any) -> Callable[..., Any]:
    """`method` of a copy of its resource that calls `transport`."""
    resource = copy.copy(getattr(method, "__self__"))  # noqa: B009
    resource._transport = transport
    bound: Callable[..., Any] = getattr(method, "__func__").__get__(resource)  # noqa: B009
    return bound


def _unsent(method: Callable[..., Any]) -> RuntimeError:
    name = getattr(method, "__qualname__", repr(method))
    return RuntimeError(f"{name} returned without making a request")


def streaming_response_wrapper(method: Callable[P, T]) -> Callable[P, StreamedResponseContext[T]]:
    """`method` with the same parameters, its answer a `StreamedResponse` in a `with` block:
    `with resource.with_streaming_response.create(...) as response:`."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> StreamedResponseContext[T]:
        def send() -> StreamedResponse[T]:
            deferred = _Deferred(getattr(method, "__self__")._transport)  # noqa: B009
            _rebound(method, deferred)(*args, **kwargs)
            if deferred.sent is None:
                raise _unsent(method)
            return StreamedResponse(deferred.transport, deferred.sent)

        return StreamedResponseContext(send)

    return wrapped


def async_streaming_response_wrapper(
    method: Callable[P, Awaitable[T]],
) -> Callable[P, AsyncStreamedResponseContext[T]]:
    """`streaming_response_wrapper` for coroutine methods (`async with`)."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> AsyncStreamedResponseContext[T]:
        async def send() -> AsyncStreamedResponse[T]:
            deferred = _AsyncDeferred(getattr(method, "__self__")._transport)  # noqa: B009
            await _rebound(method, deferred)(*args, **kwargs)
            if deferred.sent is None:
                raise _unsent(method)
            return AsyncStreamedResponse(deferred.transport, deferred.sent)

        return AsyncStreamedResponseContext(send)

    return wrapped


# -- polling ------------------------------------------------------------------------------------
def status_of(job: Any, name: str) -> Any:
    """The job's status (the property `name`), as its plain value when it is an enum member."""
    status = _member(job, name)
    return getattr(status, "value", status)


def created_id(created: Any, spec: PollSpec) -> str:
    """The new job's id in a create answer, where `spec.created` says."""
    found: Any = created
    for name in spec.created:
        found = _member(found, name)
    if isinstance(found, uuid.UUID) or (isinstance(found, int) and not isinstance(found, bool)):
        return str(found)  # `format: uuid` ids are parsed as UUIDs; integer ids go in the path
    if not isinstance(found, str) or not found:
        where = ".".join(spec.created)
        raise APIError(f"the create answer carries no {where!r} to poll")
    return found


@dataclass(frozen=True)
class PollSpec:
    """What a resource's `poll` waits for: its `status` property (JSON name) to be terminal;
    where `create_and_poll` finds the new job's id in the create answer (`created`: property
    names from its root)."""

    status: str
    terminal: tuple[str, ...]
    created: tuple[str, ...] = ()


def poll_until(
    retrieve: Callable[..., T],
    args: tuple[Any, ...],
    spec: PollSpec,
    interval: float,
    max_interval: float,
    timeout: float,
) -> T:
    """`retrieve(*args)` until the status of its answer is terminal; waits `interval` seconds
    between attempts, growing by half each time to `max_interval`, and raises
    `PollingTimeoutError` (with the last answer) once `timeout` seconds would pass."""
    deadline = time.monotonic() + timeout
    delay = interval
    while True:
        job = retrieve(*args)
        state = status_of(job, spec.status)
        if state in spec.terminal:
            return job
        if time.monotonic() + delay > deadline:
            raise PollingTimeoutError(f"{args[-1]} still {state!r} after {timeout} s", job)
        time.sleep(delay)
        delay = min(delay * 1.5, max_interval)


async def async_poll_until(
    retrieve: Callable[..., Awaitable[T]],
    args: tuple[Any, ...],
    spec: PollSpec,
    interval: float,
    max_interval: float,
    timeout: float,
) -> T:
    """`poll_until` for coroutines."""
    deadline = time.monotonic() + timeout
    delay = interval
    while True:
        job = await retrieve(*args)
        state = status_of(job, spec.status)
        if state in spec.terminal:
            return job
        if time.monotonic() + delay > deadline:
            raise PollingTimeoutError(f"{args[-1]} still {state!r} after {timeout} s", job)
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, max_interval)


__all__ = [
    "APIResource",
    "AsyncStreamedResponse",
    "AsyncStreamedResponseContext",
    "PollSpec",
    "StreamedResponse",
    "StreamedResponseContext",
    "async_poll_until",
    "async_streaming_response_wrapper",
    "created_id",
    "deprecated",
    "poll_until",
    "status_of",
    "streaming_response_wrapper",
]
