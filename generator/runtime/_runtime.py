"""HTTP machinery shared by `Client` and `AsyncClient`: auth, redirects, retries, deadlines.

What a call does, in order: its arguments are checked against the spec and built into one
request; the request is sent with the credentials only while it goes to the origin it started
at (redirects are followed here, never by httpx, so another origin gets no key); the response
body is read in chunks up to `max_response_bytes`; failures are retried within `max_retries`
when a retry cannot repeat an effect (see `BaseClient._next_delay`); and a numeric `timeout`
is one deadline for all of it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import dataclasses
import email.utils
import enum
import functools
import importlib
import io
import json
import logging
import math
import mimetypes
import os
import pathlib
import random
import re
import socket
import ssl
import sys
import time
import uuid
import warnings
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Generator,
    Iterable,
    Iterator,
    Mapping,
)
from dataclasses import dataclass, field
from datetime import timezone
from typing import IO, Any, Generic, Literal, ParamSpec, TypeAlias, TypeVar
from urllib.parse import quote, urlencode

import httpcore
import httpx
import pydantic

from . import _base_model, _validation
from ._config import (
    API_KEY_ENV,
    AUTH_KIND,
    AUTH_NAME,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    LOG_ENV,
    PACKAGE,
    VERSION,
)
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    MissingAPIKeyError,
    RequestValidationError,
    ResponseDriftWarning,
    ResponseTooLargeError,
    ResponseValidationError,
    error_for_status,
)

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
RETRY_AFTER_CAP = 60.0
RETRY_STATUSES = frozenset({408, 409, 429})
MAX_REDIRECTS = 20
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Methods whose repetition has the effect of one call; POST and PATCH need an idempotency key.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# Failures before any byte of the request left the machine: retrying them repeats nothing.
UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Headers that carry credentials: never sent to an origin other than the one a call started at.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie"}
    | ({AUTH_NAME.lower()} if AUTH_KIND == "header" else set())
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]*)?")
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    f"{PACKAGE}_deadline", default=None
)

ResponseValidation = Literal["strict", "warn", "off"]
T = TypeVar("T")
P = ParamSpec("P")


class NotGiven:
    """Marks a keyword argument the caller did not pass (distinct from an explicit None)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


@dataclass(frozen=True)
class ParameterSpec:
    """Where and how one parameter travels."""

    name: str
    location: str
    style: str = "form"
    explode: bool = True


@dataclass(frozen=True)
class StreamSpec:
    """How an operation's `text/event-stream` events become chunks."""

    kind: Literal["json", "text"] = "json"  # JSON data validated into `model`, or plain text
    schema: str = ""  # the component a chunk is checked against ("" : not checked)
    model: str = ""  # the class in the package's `models` a chunk becomes ("" : plain JSON)


@dataclass(frozen=True)
class PageSpec:
    """How a list operation reaches its next page (paths are JSON names from the body's root).

    `cursor`: the next cursor is at `cursor` in the body (or is the last item's `cursor_item`)
    and goes in the query parameter `param`; `offset`: `param` grows by the items received;
    `page`: `param` counts pages from `start`; `link`: the `Link` header's `rel="next"` URL.
    A page ends the listing when `has_more` is false, the cursor or link is missing, the
    `total` items or `total_pages` are reached, or (offset, page) it holds no items.
    """

    style: Literal["cursor", "offset", "page", "link"]
    items: tuple[str, ...] = ()  # the item list; () : the body is the list
    param: str = ""
    cursor: tuple[str, ...] = ()
    cursor_item: str = ""
    has_more: tuple[str, ...] = ()
    total: tuple[str, ...] = ()
    total_pages: tuple[str, ...] = ()
    page_size: str = ""  # the query parameter with the page size
    start: int = 1


@dataclass(frozen=True)
class OperationSpec:
    """Everything the runtime needs to know about one operation."""

    name: str
    method: str
    path: str
    secured: bool = True
    body_schema: str = ""
    content_type: str = ""
    responses: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    parameters: tuple[ParameterSpec, ...] = ()
    idempotency_header: str = ""
    origin: str = ""
    model: str = ""  # the class in the package's `models` that a JSON success body becomes
    stream: StreamSpec | None = None  # how its event stream is read, when it has one
    pagination: PageSpec | None = None  # how its pages follow each other, when it has them


@dataclass(frozen=True)
class RawResponse(Generic[T]):
    """A response with its status, headers and parsed body.

    `parse()` (or `parsed`) is what the method returns; `http_response` the `httpx.Response`
    itself, its body already read (except for an event stream, which the parsed `Stream` reads).
    """

    status_code: int
    headers: httpx.Headers
    parsed: T
    http_response: httpx.Response
    retries_taken: int = 0

    def parse(self) -> T:
        """The body as the method returns it (its model, list, text or bytes)."""
        return self.parsed

    @property
    def http_request(self) -> httpx.Request:
        """The request that got this response (the last one, after redirects)."""
        return self.http_response.request

    @property
    def url(self) -> httpx.URL:
        """The URL this response came from."""
        return self.http_response.url

    @property
    def content(self) -> bytes:
        """The body's bytes, as received (decoded from its content encoding)."""
        return self.http_response.content

    @property
    def text(self) -> str:
        """The body as text."""
        return self.http_response.text

    def json(self) -> Any:
        """The body parsed as JSON, without validation or models."""
        return self.http_response.json()


class _RawSlot:
    """Where the transport leaves the response of each call made inside a raw-response wrapper."""

    __slots__ = ("response",)

    def __init__(self) -> None:
        self.response: RawResponse[Any] | None = None


# The slot of the innermost raw-response wrapper running in this thread or task (None: none).
_RAW_SLOT: contextvars.ContextVar[_RawSlot | None] = contextvars.ContextVar(
    f"{PACKAGE}_raw_response", default=None
)


def _handed_over(raw: RawResponse[T]) -> RawResponse[T]:
    """`raw`, also left in the slot of the raw-response wrapper the call runs under."""
    slot = _RAW_SLOT.get()
    if slot is not None:
        slot.response = raw
    return raw


def _raw_result(method: Callable[..., Any], slot: _RawSlot, result: T) -> RawResponse[T]:
    """The last response `method` received, with its return value as the parsed body."""
    raw = slot.response
    if raw is None:
        name = getattr(method, "__qualname__", repr(method))
        raise RuntimeError(f"{name} returned without making a request")
    outer = _RAW_SLOT.get()  # a wrapped method called inside another one: the outer sees it too
    if outer is not None:
        outer.response = raw
    return raw if raw.parsed is result else dataclasses.replace(raw, parsed=result)


def raw_response_wrapper(method: Callable[P, T]) -> Callable[P, RawResponse[T]]:
    """`method` with the same parameters, returning a `RawResponse` of what it returns.

    The status and headers are those of the last response the method received (the final
    retrieve of a poll); each wrapper has its own slot in a context variable, so calls in
    other threads, tasks or nested wrappers do not mix.
    """

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        slot = _RawSlot()
        token = _RAW_SLOT.set(slot)
        try:
            result = method(*args, **kwargs)
        finally:
            _RAW_SLOT.reset(token)
        return _raw_result(method, slot, result)

    return wrapped


def async_raw_response_wrapper(
    method: Callable[P, Awaitable[T]],
) -> Callable[P, Coroutine[Any, Any, RawResponse[T]]]:
    """`raw_response_wrapper` for coroutine methods."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        slot = _RawSlot()
        token = _RAW_SLOT.set(slot)
        try:
            result = await method(*args, **kwargs)
        finally:
            _RAW_SLOT.reset(token)
        return _raw_result(method, slot, result)

    return wrapped


@dataclass
class RequestInput:
    """The pieces of one call before it becomes an HTTP request.

    The per-call options come first, in the order of every generated method's signature (the
    methods pass them by position); then the arguments by where they travel. An entry left
    NOT_GIVEN is not sent.
    """

    timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None
    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    cookies: dict[str, Any] = field(default_factory=dict)
    body: Any = NOT_GIVEN
    url: str = ""  # a whole URL to call instead of the operation's path (a page's next link)


def to_jsonable(value: Any) -> Any:
    """Plain JSON data from models, enums, mappings and sequences."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items() if v is not NOT_GIVEN}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    return value


def _model(name: str) -> Any:
    """The class `name` of the package's `models` (imported on first use), or None."""
    if not name:
        return None
    return getattr(importlib.import_module(".models", __package__), name)


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` without the entries the caller left NOT_GIVEN."""
    return {name: value for name, value in values.items() if value is not NOT_GIVEN}


def _caller_stacklevel() -> int:
    """The `stacklevel` of the first frame outside this package, for a `warnings.warn` made
    by the function that calls this one: the user's line, whether it called a method directly,
    through `with_raw_response` or through `create_and_poll`."""
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        f"{PACKAGE}."
    ):
        level, frame = level + 1, frame.f_back
    return level


def warn_deprecated(name: str, replacement: str) -> None:
    """Tell the caller that `name` is deprecated and what to use instead."""
    instead = f"; use {replacement} instead" if replacement else ""
    warnings.warn(
        f"{name} is deprecated{instead}", DeprecationWarning, stacklevel=_caller_stacklevel()
    )


def _serialize_parameter(spec: ParameterSpec, value: Any) -> Any:
    value = to_jsonable(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and not (spec.explode and spec.style == "form"):
        separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(spec.style, ",")
        return separator.join(str(_serialize_parameter(spec, item)) for item in value)
    if isinstance(value, dict):
        if spec.explode and spec.location == "query":
            return value
        return ",".join(f"{k},{v}" for k, v in value.items())
    return value


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait a response asks for before a retry, within [0, RETRY_AFTER_CAP] seconds.

    `retry-after-ms` (milliseconds) is read first, then `Retry-After` (seconds or an HTTP
    date). Larger values, infinity and far-future dates give the cap, past dates 0; NaN,
    negative numbers and unreadable text count as absent (None). It never raises.
    """
    for name, read in (("retry-after-ms", _milliseconds), ("retry-after", _seconds_or_date)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = read(str(value).strip())
        except (ArithmeticError, LookupError, TypeError, ValueError, OSError):
            seconds = None
        if seconds is not None:
            return seconds
    return None


def _bounded(seconds: float) -> float | None:
    if math.isnan(seconds) or seconds < 0:
        return None
    return min(seconds, RETRY_AFTER_CAP)


def _milliseconds(text: str) -> float | None:
    return _bounded(float(text) / 1000)


def _seconds_or_date(text: str) -> float | None:
    if _SECONDS.fullmatch(text):
        return _bounded(float(text))
    when = email.utils.parsedate_to_datetime(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, min(when.timestamp() - time.time(), RETRY_AFTER_CAP))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port: what must match for credentials to be sent."""
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


def _time_left(deadline: float | None, error: type[Exception]) -> float | None:
    """Seconds until `deadline` (None: no deadline); raises `error` once it has passed."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the call's timeout has passed")
    return left


def _budget(timeout: float | None, error: type[Exception]) -> float | None:
    """A socket operation's timeout, cut to what is left of the current call's deadline."""
    left = _time_left(_DEADLINE.get(), error)
    if left is None:
        return timeout
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every read, write and TLS handshake ends by the call's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _budget(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _budget(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, budget))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Opens `_DeadlineStream`s: a trickling server cannot hold a call past its deadline."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, budget, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, budget, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _bound_by_deadline(client: httpx.Client) -> bool:
    """Route the sockets of `client`'s connection pools through `_DeadlineBackend`.

    httpx has no public hook for this, so it reaches its pools' network backend; False when
    that is not found (then each socket operation is bounded by the time left when its phase
    started, and the body by a check between chunks).
    """
    bound = False
    mounts: Mapping[Any, Any] = getattr(client, "_mounts", {})
    for transport in [getattr(client, "_transport", None), *mounts.values()]:
        pool: Any = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend):
            if not isinstance(backend, _DeadlineBackend):
                pool._network_backend = _DeadlineBackend(backend)
            bound = True
    return bound


class _RedactKeys(logging.Filter):
    """Replaces the API keys in log lines: those of query-string auth in httpx's (they log each
    URL), and every client's key (and the header value that carries it) in the package's."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: frozenset[str] = frozenset()  # replaced whole, never changed in place

    def add(self, *keys: str) -> None:
        self.keys = self.keys | {key for key in keys if key}

    def scrub(self, text: str, keys: Iterable[str] = ()) -> str:
        """`text` with every registered key (and each of `keys`) replaced."""
        every = self.keys | {key for key in keys if key}
        if any(key in text for key in every):
            for key in sorted(every, key=len, reverse=True):
                text = text.replace(key, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.keys:
            message = record.getMessage()
            scrubbed = self.scrub(message)
            if scrubbed != message:
                record.msg, record.args = scrubbed, ()
        return True


_REDACT_KEYS = _RedactKeys()
# The package's logger: each request, its answer and the retry decisions (see `setup_logging`).
logger = logging.getLogger(PACKAGE)
logger.addFilter(_REDACT_KEYS)
_LOG_FORMAT = "[%(asctime)s - %(name)s - %(levelname)s] %(message)s"


class _LogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler `setup_logging` attaches (one at most), its records redacted."""


def setup_logging(level: str | None = None) -> None:
    """Log each request to stderr when the `LOG_ENV` variable (or `level`) is "debug" or
    "info"; anything else leaves logging as the application configured it.

    `info`: one line per response (method, URL, status, seconds) and per retry; `debug` also
    each request as it is sent and why a failure is not retried. URLs are shown without the
    API key; headers and bodies are never logged.
    """
    wanted = (level if level is not None else os.environ.get(LOG_ENV, "")).strip().lower()
    if wanted not in ("debug", "info"):
        return
    logger.setLevel(logging.DEBUG if wanted == "debug" else logging.INFO)
    if not any(isinstance(handler, _LogHandler) for handler in logger.handlers):
        handler = _LogHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_LOG_FORMAT, "%Y-%m-%d %H:%M:%S"))
        handler.addFilter(_REDACT_KEYS)
        logger.addHandler(handler)
        # this handler writes the records; the application's root handlers would print each
        # one a second time
        logger.propagate = False


def _log_url(request: httpx.Request) -> str:
    """`request`'s URL as logs show it: no query key, no user or password."""
    url = request.url
    if AUTH_KIND == "query" and AUTH_NAME in url.params:
        url = url.copy_set_param(AUTH_NAME, "[redacted]")
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    return str(url)


# -- clients of the package's own ---------------------------------------------------------------
_CLOSING: set[asyncio.Task[None]] = set()  # the closes scheduled by finalizers, until they end


class _OwnedClient(httpx.Client):
    """The `httpx.Client` a client makes for itself (none was given): closed when the last
    client sharing it is garbage-collected without `close()`, so its sockets do not linger."""

    deadline_bound = False

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # a finalizer never raises (nor at exit)
            if not self.is_closed:
                self.close()


class _OwnedAsyncClient(httpx.AsyncClient):
    """`_OwnedClient` for coroutines: on a running event loop its `aclose()` is scheduled;
    without one (or when that close fails: the connections belong to a loop that has ended),
    the sockets of its pool are shut down at once."""

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # a finalizer never raises (nor at exit)
            if self.is_closed:
                return
            sockets = _sockets(self)  # before aclose() takes the connections out of the pool
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                _shut_down(sockets)
                return
            task = loop.create_task(self.aclose())
            _CLOSING.add(task)
            task.add_done_callback(functools.partial(_closed, sockets))


def _closed(sockets: list[Any], task: asyncio.Task[None]) -> None:
    _CLOSING.discard(task)
    if task.cancelled() or task.exception() is not None:  # retrieved, so never reported
        _shut_down(sockets)


def _sockets(client: httpx.AsyncClient) -> list[Any]:
    """The sockets of `client`'s pooled connections (found through httpcore's internals)."""
    found: list[Any] = []
    mounts: Mapping[Any, Any] = getattr(client, "_mounts", {})
    for transport in [getattr(client, "_transport", None), *mounts.values()]:
        pool: Any = getattr(transport, "_pool", None)
        for connection in list(getattr(pool, "_connections", ())):
            stream = getattr(getattr(connection, "_connection", None), "_network_stream", None)
            with contextlib.suppress(Exception):
                sock = stream.get_extra_info("socket") if stream is not None else None
                if sock is not None:
                    found.append(sock)
    return found


def _shut_down(sockets: list[Any]) -> None:
    """End the connections of `sockets` at once, without an event loop (their transports
    close the descriptors when they go)."""
    for sock in sockets:
        with contextlib.suppress(Exception):
            sock.shutdown(socket.SHUT_RDWR)


def _credential(key: str) -> str:
    """The header value or cookie pair that carries `key` (the key itself for a query)."""
    if AUTH_KIND == "bearer":
        return f"Bearer {key}"
    if AUTH_KIND == "basic":  # "username:password"; a key without ':' is a username
        pair = key if ":" in key else f"{key}:"
        return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    if AUTH_KIND == "cookie":
        return f"{AUTH_NAME}={key}"
    return key


@dataclass
class _Call:
    """One call's request, limits and retry policy, shared by its attempts."""

    op: OperationSpec
    built: dict[str, Any]
    retries: int
    timeout: float | httpx.Timeout | None
    deadline: float | None  # time.monotonic() by which the call ends; None: per-phase limits
    retry_sent: bool  # a request that may have reached the server can be repeated safely
    sent: httpx.Request | None = None  # the last request that went out
    stream: bool = False  # a 2xx answer is an event stream, left unread for a `Stream`


class BaseClient:
    """Configuration and the request/response logic that does not depend on I/O style."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        validate_requests: bool,
        response_validation: ResponseValidation,
        idempotency_header: str | None,
        default_headers: Mapping[str, str] | None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if not key:
            raise MissingAPIKeyError(
                f"No API key given: pass api_key=... or set the {API_KEY_ENV} environment variable."
            )
        if _CONTROL.search(key) or (
            AUTH_KIND in ("bearer", "header", "cookie") and not key.isascii()
        ):
            raise ValueError(
                f"the API key (api_key or {API_KEY_ENV}) holds a control character (a trailing "
                "newline?) or, for a header or cookie, a non-ASCII one; it was not sent"
            )
        if AUTH_KIND == "cookie" and (";" in key or "," in key):
            raise ValueError("the API key holds ';' or ',' and cannot be sent as a cookie")
        if max_response_bytes is not None and max_response_bytes < 1:
            raise ValueError("max_response_bytes must be >= 1 (or None for no cap)")
        if response_validation not in ("strict", "warn", "off"):
            raise ValueError(
                f"response_validation must be 'strict', 'warn' or 'off', not {response_validation!r}"
            )
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.__api_key = key
        self.__credential = _credential(key)
        encoded = str(httpx.QueryParams({"k": key}))[2:]
        _REDACT_KEYS.add(key, encoded, self.__credential)
        if AUTH_KIND == "query":
            httpx_logger = logging.getLogger("httpx")
            if _REDACT_KEYS not in httpx_logger.filters:
                httpx_logger.addFilter(_REDACT_KEYS)
        self.max_response_bytes = max_response_bytes
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.validate_requests = validate_requests
        self.response_validation: ResponseValidation = response_validation
        self.idempotency_header = idempotency_header
        self._default_headers = dict(default_headers or {})
        self._seen_drift: set[tuple[str, str, str]] = set()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def copied_options(self, **overrides: Any) -> dict[str, Any]:
        """The constructor options of a copy of this client: its own (the key, base URL and
        HTTP client it resolved included), each one given in `overrides` (and not NOT_GIVEN)
        replaced. `default_headers` are added to this client's, `set_default_headers` replace
        them. Unless `http_client` is given, the copy shares this client's connection pool."""
        given = {name: value for name, value in overrides.items() if value is not NOT_GIVEN}
        headers = dict(self._default_headers)
        if "set_default_headers" in given:
            headers = dict(given.pop("set_default_headers") or {})
        headers.update(given.pop("default_headers", None) or {})
        options: dict[str, Any] = {
            "api_key": self.__api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "validate_requests": self.validate_requests,
            "response_validation": self.response_validation,
            "idempotency_header": self.idempotency_header,
            "default_headers": headers,
            "max_response_bytes": self.max_response_bytes,
            "http_client": getattr(self, "_http", None),
        }
        unknown = set(given) - set(options)
        if unknown:
            raise TypeError(f"unknown client options: {', '.join(sorted(unknown))}")
        options.update(given)
        return options

    def _scrubbed(self, text: str) -> str:
        """`text` without this client's key (in any of the forms it travels in)."""
        return _REDACT_KEYS.scrub(text, (self.__api_key, self.__credential))

    # -- credentials -------------------------------------------------------------------------
    def _authorize(
        self, request: httpx.Request, start: tuple[str, str, int | None], secured: bool
    ) -> None:
        """Put the credentials on `request` when it goes to `start`, the origin the call began
        at; for any other origin, take every credential off it (the caller's own included)."""
        headers = request.headers
        if _origin(request.url) != start:
            for name in CREDENTIAL_HEADERS:
                headers.pop(name, None)
            if AUTH_KIND == "query" and request.url.params.get(AUTH_NAME) == self.__api_key:
                request.url = request.url.copy_remove_param(AUTH_NAME)
        elif not secured or not AUTH_KIND:
            return
        elif AUTH_KIND == "query":
            if AUTH_NAME not in request.url.params:
                request.url = request.url.copy_add_param(AUTH_NAME, self.__api_key)
        elif AUTH_KIND == "cookie":
            cookies = headers.get("Cookie", "")
            if not re.search(rf"(^|;)\s*{re.escape(AUTH_NAME)}=", cookies):
                headers["Cookie"] = "; ".join(filter(None, (self.__credential, cookies)))
        elif AUTH_NAME not in headers:
            headers[AUTH_NAME] = self.__credential

    def _redacted(self, request: httpx.Request | None) -> httpx.Request | None:
        """`request` as errors show it: credential headers and the query key masked."""
        if request is None:
            return None
        headers = httpx.Headers(
            [
                (name, "[redacted]" if name.lower() in CREDENTIAL_HEADERS else value)
                for name, value in request.headers.multi_items()
            ]
        )
        url = request.url
        if AUTH_KIND == "query" and AUTH_NAME in url.params:
            url = url.copy_set_param(AUTH_NAME, "[redacted]")
        return httpx.Request(request.method, url, headers=headers)

    # -- building requests -------------------------------------------------------------------
    def _check_request(self, op: OperationSpec, call: RequestInput) -> None:
        if not self.validate_requests:
            return
        problems: list[dict[str, str]] = []
        if op.body_schema and call.body is not NOT_GIVEN and "json" in op.content_type:
            problems += _validation.check_body(op.body_schema, call.body)
        for spec in op.parameters:
            source = {
                "path": call.path_params,
                "query": call.query,
                "header": call.headers,
                "cookie": call.cookies,
            }[spec.location]
            if spec.name in source:
                problems += _validation.check_parameter(
                    op.name, spec.name, to_jsonable(source[spec.name])
                )
        if problems:
            raise RequestValidationError(
                f"{op.name}: request not sent, it breaks the spec: {_validation.summary(problems)}",
                problems,
            )

    def _build(
        self, op: OperationSpec, call: RequestInput, idempotency_key: str | None
    ) -> dict[str, Any]:
        # Generated methods pass every argument; the ones left NOT_GIVEN are not sent.
        call.path_params, call.query = _given(call.path_params), _given(call.query)
        call.headers, call.cookies = _given(call.headers), _given(call.cookies)
        if isinstance(call.body, dict):
            call.body = _given(call.body)
        if call.body is not NOT_GIVEN and call.extra_body:
            call.body = (
                {**call.body, **call.extra_body} if isinstance(call.body, dict) else call.body
            )
        elif call.extra_body:
            call.body = dict(call.extra_body)
        if call.body is not NOT_GIVEN and "json" in (op.content_type or "application/json"):
            call.body = to_jsonable(call.body)
        self._check_request(op, call)
        path = op.path
        for spec in op.parameters if not call.url else ():
            if spec.location == "path":
                raw = call.path_params[spec.name]
                value = _serialize_parameter(spec, raw)
                # the separators of a serialized array or object stay literal, as `style: simple` shows them
                safe = "," if isinstance(raw, (list, tuple, dict)) else ""
                path = path.replace("{" + spec.name + "}", quote(str(value), safe=safe))
        params: list[tuple[str, Any]] = []
        specs = {(s.location, s.name): s for s in op.parameters}
        for name, value in call.query.items():
            spec = specs.get(("query", name), ParameterSpec(name, "query"))
            serialized = _serialize_parameter(spec, value)
            if isinstance(serialized, dict):
                params.extend((str(k), v) for k, v in serialized.items())
            elif isinstance(serialized, list):
                params.extend((name, item) for item in serialized)
            else:
                params.append((name, serialized))
        params.extend((str(k), to_jsonable(v)) for k, v in (call.extra_query or {}).items())
        headers = {"User-Agent": f"{PACKAGE}/{VERSION}", "Accept": "application/json"}
        headers.update(self._default_headers)
        headers.update(
            {
                name: str(
                    _serialize_parameter(
                        specs.get(("header", name), ParameterSpec(name, "header", "simple", False)),
                        value,
                    )
                )
                for name, value in call.headers.items()
            }
        )
        key_header = self._idempotency_header(op)
        if idempotency_key and not any(k.lower() == key_header.lower() for k in headers):
            headers[key_header] = idempotency_key
        headers.update(call.extra_headers or {})
        url: str | httpx.URL = (op.origin or self.base_url) + path
        if call.url:  # a whole URL (a next link): its query goes with the other parameters
            link = httpx.URL(call.url)
            url, params = link.copy_with(query=None), [*link.params.multi_items(), *params]
        request: dict[str, Any] = {
            "method": op.method,
            "url": url,
            "params": params,
            "headers": headers,
        }
        if call.cookies:  # one Cookie header: httpx deprecates per-request cookie jars
            cookies = "; ".join(
                f"{k}={_serialize_parameter(specs.get(('cookie', k), ParameterSpec(k, 'cookie')), v)}"
                for k, v in call.cookies.items()
            )
            headers["Cookie"] = "; ".join(filter(None, (headers.get("Cookie", ""), cookies)))
        if call.body is not NOT_GIVEN:
            self._encode_body(op, call.body, request)
        return request

    @staticmethod
    def _encode_body(op: OperationSpec, body: Any, request: dict[str, Any]) -> None:
        content_type = op.content_type or "application/json"
        if "json" in content_type:
            request["json"] = to_jsonable(body)
        elif content_type.startswith("multipart/form-data"):
            parts = multipart_parts(body)
            if parts:
                request["files"] = parts  # every part its own, in order: always multipart
            else:  # nothing to send: an empty multipart body still says it is one
                boundary = uuid.uuid4().hex
                request["content"] = f"--{boundary}--\r\n".encode()
                request["headers"]["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif content_type.startswith("application/x-www-form-urlencoded"):
            request["content"] = urlencode(form_pairs(body)).encode("ascii")
            request["headers"]["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            request["content"] = file_content(body)
            request["headers"]["Content-Type"] = content_type

    def _idempotency_header(self, op: OperationSpec) -> str:
        return op.idempotency_header or self.idempotency_header or "Idempotency-Key"

    def _idempotency_key(self, op: OperationSpec) -> str | None:
        """A fresh key for a POST or PATCH when the spec or the client names the header."""
        if op.method not in IDEMPOTENT_METHODS and (
            op.idempotency_header or self.idempotency_header
        ):
            return f"{PACKAGE}-retry-{uuid.uuid4()}"
        return None

    # -- retries and deadlines ----------------------------------------------------------------
    def _limits(self, call: RequestInput) -> tuple[int, float | httpx.Timeout | None]:
        """(retries, timeout) for one call: its own when given, else the client's."""
        retries = self.max_retries if isinstance(call.max_retries, NotGiven) else call.max_retries
        timeout = self.timeout if isinstance(call.timeout, NotGiven) else call.timeout
        return retries, timeout

    def _prepare(self, op: OperationSpec, call: RequestInput, stream: bool = False) -> _Call:
        """Check and build the call once; its deadline starts now."""
        started = time.monotonic()
        retries, timeout = self._limits(call)
        built = self._build(op, call, self._idempotency_key(op))
        if stream and not any(k.lower() == "accept" for k in call.extra_headers or {}):
            built["headers"]["Accept"] = EVENT_STREAM
        key_header = self._idempotency_header(op).lower()
        keyed = any(k.lower() == key_header and v for k, v in built["headers"].items())
        deadline = started + timeout if isinstance(timeout, (int, float)) else None
        return _Call(
            op,
            built,
            retries,
            timeout,
            deadline,
            op.method in IDEMPOTENT_METHODS or keyed,
            stream=stream,
        )

    @staticmethod
    def _phase_timeouts(call: _Call) -> dict[str, float | None]:
        """httpx's per-phase timeouts for the next request: what is left of the deadline."""
        left = _time_left(call.deadline, httpx.ConnectTimeout)
        if left is not None:
            return {"connect": left, "read": left, "write": left, "pool": left}
        return (
            call.timeout if isinstance(call.timeout, httpx.Timeout) else httpx.Timeout(None)
        ).as_dict()

    def _next_delay(
        self,
        call: _Call,
        attempt: int,
        response: httpx.Response | None,
        error: httpx.TransportError | None,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when this outcome is final.

        A request that may have reached the server (a timeout, a reset, a 408/409/429/5xx
        answer) is repeated only when that is safe: an idempotent method, or a POST/PATCH that
        carries an idempotency key. A connection that failed before anything was sent is
        retried for any method. No wait may end past the call's deadline.
        """
        if error is None and (response is None or not self._should_retry(response)):
            return None  # a final answer: nothing to decide
        what = f"HTTP {response.status_code}" if response is not None else type(error).__name__
        why = ""
        delay = self._retry_delay(attempt, response)
        if attempt >= call.retries:
            why = f"no retries left ({call.retries} allowed)"
        elif not (call.retry_sent or isinstance(error, UNSENT_ERRORS)):
            why = _UNSAFE_RETRY
        elif call.deadline is not None and time.monotonic() + delay >= call.deadline:
            why = f"the wait ({delay:.2f} s) would pass the timeout"
        if why:
            logger.debug("%s: not retrying after %s: %s", call.op.name, what, why)
            return None
        logger.info(
            "%s: retrying %s %s in %.2f s after %s (retry %d of %d)",
            call.op.name,
            call.built["method"],
            _log_url(call.sent) if call.sent is not None else "",
            delay,
            what,
            attempt + 1,
            call.retries,
        )
        return delay

    @staticmethod
    def _log_outcome(
        call: _Call,
        response: httpx.Response | None,
        error: httpx.TransportError | None,
        started: float,
    ) -> None:
        """Log one attempt's answer (or failure) at INFO: method, URL, status, seconds."""
        if not logger.isEnabledFor(logging.INFO):
            return
        request = response.request if response is not None else call.sent
        where = _log_url(request) if request is not None else ""
        elapsed = time.monotonic() - started
        if response is not None:
            outcome = f"{response.status_code} {response.reason_phrase}".strip()
        else:
            outcome = f"failed: {type(error).__name__}"
        logger.info(
            "%s: %s %s -> %s (%.3f s)",
            call.op.name,
            request.method if request is not None else call.built["method"],
            where,
            outcome,
            elapsed,
        )

    def _failure(self, call: _Call, error: httpx.HTTPError) -> APIConnectionError:
        """The client's error for a transport failure (raise it `from` the httpx error)."""
        request = self._redacted(call.sent)
        cause = self._scrubbed(str(error)).strip()
        detail = f"{type(error).__name__}: {cause}" if cause else type(error).__name__
        if isinstance(error, httpx.TimeoutException):
            return APITimeoutError(f"Request timed out: {call.op.name}: {detail}", request=request)
        reason = (
            f"the response body could not be decoded ({detail})"
            if isinstance(error, httpx.DecodingError)
            else f"connection error: {detail}"
        )
        return APIConnectionError(f"{call.op.name}: {reason}", request=request)

    @staticmethod
    def _should_retry(response: httpx.Response) -> bool:
        retryable = response.status_code in RETRY_STATUSES or response.status_code >= 500
        # A server may waive a retry, never force one on a status that is not retryable.
        return retryable and response.headers.get("x-should-retry") != "false"

    @staticmethod
    def _retry_delay(attempt: int, response: httpx.Response | None) -> float:
        asked = retry_after(response.headers) if response is not None else None
        if asked is not None:
            return asked
        delay: float = min(INITIAL_RETRY_DELAY * 2.0 ** min(attempt, 32), MAX_RETRY_DELAY)
        return delay * (1 - 0.25 * random.random())

    # -- redirects and bodies ----------------------------------------------------------------
    @staticmethod
    def _redirected(
        call: _Call, request: httpx.Request, response: httpx.Response
    ) -> httpx.Request | None:
        """The next request when `response` redirects (built as httpx would), else None;
        `_authorize` then decides what credentials it carries."""
        location = response.headers.get("location")
        if response.status_code not in REDIRECT_STATUSES or location is None:
            return None
        try:
            url = httpx.URL(location)
            if url.scheme and not url.host:
                url = url.copy_with(host=request.url.host)
            if url.is_relative_url:
                url = request.url.join(url)
        except httpx.InvalidURL as error:
            raise APIConnectionError(f"{call.op.name}: redirect to an invalid URL") from error
        if url.scheme not in ("http", "https"):
            raise APIConnectionError(f"{call.op.name}: redirect to a {url.scheme!r} URL refused")
        if request.url.fragment and not url.fragment:
            url = url.copy_with(fragment=request.url.fragment)
        method, status = request.method, response.status_code
        if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
            method = "GET"
        headers = request.headers.copy()
        headers["Host"] = url.netloc.decode("ascii")
        stream = request.stream
        if method != request.method:
            headers.pop("Content-Length", None)
            headers.pop("Transfer-Encoding", None)
            stream = httpx.ByteStream(b"")
        return httpx.Request(
            method, url, headers=headers, stream=stream, extensions=dict(request.extensions)
        )

    def _check_length(self, call: _Call, response: httpx.Response) -> None:
        """Refuse a body whose announced length is over the cap before reading any of it."""
        length = response.headers.get("content-length", "")
        limit = self.max_response_bytes
        if limit is not None and length.isdigit() and (len(length) > 18 or int(length) > limit):
            raise self._too_large(call, response)

    def _check_progress(self, call: _Call, response: httpx.Response, size: int) -> None:
        """After each chunk: the cap, then the deadline (for clients not bound by it)."""
        if self.max_response_bytes is not None and size > self.max_response_bytes:
            raise self._too_large(call, response)
        if call.deadline is not None and time.monotonic() >= call.deadline:
            raise httpx.ReadTimeout("the call's timeout has passed", request=call.sent)

    def _too_large(self, call: _Call, response: httpx.Response) -> ResponseTooLargeError:
        limit = self.max_response_bytes or 0
        return ResponseTooLargeError(
            f"{call.op.name}: the response body is larger than max_response_bytes "
            f"({limit} bytes); its connection was closed",
            response=response,
            limit=limit,
        )

    # -- responses ---------------------------------------------------------------------------
    def _raise_for_status(self, op: OperationSpec, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        body: Any = None
        try:
            body = response.json()
        except ValueError:
            body = response.text or None
        detail = _error_message(body) or response.reason_phrase
        raise error_for_status(response.status_code)(
            f"{op.name}: HTTP {response.status_code}: {detail}", response=response, body=body
        )

    def _parse(
        self, op: OperationSpec, response: httpx.Response, cast: Any, retries: int
    ) -> RawResponse[Any]:
        self._raise_for_status(op, response)
        status = str(response.status_code)
        schema, kind = (
            op.responses.get(status)
            or op.responses.get(f"{status[0]}XX")
            or op.responses.get("default")
            or ("", _guess_kind(response))
        )
        parsed: Any
        if kind == "empty" or not response.content:
            parsed = None
        elif kind == "text":
            parsed = response.text
        elif kind == "binary":
            parsed = response.content
        else:
            try:
                data = response.json()
            except ValueError as error:
                raise ResponseValidationError(
                    f"{op.name}: response is not JSON: {error}", [], response
                ) from None
            parsed = self._validated(op, response, schema, data, cast)
        return RawResponse(response.status_code, response.headers, parsed, response, retries)

    def _validated(
        self, op: OperationSpec, response: httpx.Response, schema: str, data: Any, cast: Any
    ) -> Any:
        mode = self.response_validation
        if mode != "off" and schema:
            problems = _validation.check_response(schema, data)
            if problems and mode == "strict":
                raise ResponseValidationError(
                    f"{op.name}: response drifts from the spec: {_validation.summary(problems)}",
                    problems,
                    response,
                )
            for problem in problems:
                key = (op.name, problem["pointer"], problem["rule"])
                if key not in self._seen_drift:
                    self._seen_drift.add(key)
                    warnings.warn(
                        f"{op.name}: response drifts from the spec at {problem['pointer'] or '/'}: "
                        f"{problem['message']} ({problem['rule']})",
                        ResponseDriftWarning,
                        stacklevel=_caller_stacklevel(),
                    )
        if cast is None:
            return data
        if mode != "strict":  # every part that fits is typed (objects, lists, maps, scalars)
            return _base_model.build(cast, data)[0]
        try:
            return cast.model_validate(data)
        except pydantic.ValidationError as error:
            raise ResponseValidationError(
                f"{op.name}: response does not fit {cast.__name__}: {error}", [], response
            ) from None

    # -- event streams -----------------------------------------------------------------------
    def _not_a_stream(self, call: _Call, response: httpx.Response) -> APIError:
        """The error for an answer (its body read) that is not the event stream asked for."""
        self._raise_for_status(call.op, response)
        media = response.headers.get("content-type", "").partition(";")[0].strip()
        return APIStreamError(
            f"{call.op.name}: asked for an event stream, got HTTP {response.status_code} "
            f"{media or '(no content type)'}",
            response=response,
            body=response.text[:500] or None,
        )

    def _chunk(
        self, call: _Call, response: httpx.Response, cast: Any, event: ServerSentEvent
    ) -> Any:
        """One event as a chunk (`_NO_CHUNK` for an event without data); an error event, or
        JSON data holding an `error` the chunk does not declare, raises `APIStreamError`."""
        op, spec = call.op, call.op.stream or StreamSpec()
        if event.event == "error":
            raise APIStreamError(
                f"{op.name}: the stream reported an error: {event.data[:500]}",
                response=response,
                body=event.data,
            )
        if spec.kind == "text":
            return event.data
        if not event.data.strip():
            return _NO_CHUNK
        try:
            data = json.loads(event.data)
        except ValueError as error:
            raise ResponseValidationError(
                f"{op.name}: a stream event is not JSON: {error}", [], response
            ) from None
        if isinstance(data, dict) and data.get("error") and not _declares(cast, "error"):
            raise APIStreamError(
                f"{op.name}: the stream reported an error: {_error_message(data) or data}",
                response=response,
                body=data["error"],
            )
        return self._validated(op, response, spec.schema, data, cast)


_UNSAFE_RETRY = (
    "the request may have reached the server and repeating it could repeat its effect "
    "(a POST or PATCH without an idempotency key)"
)


def _log_sending(call: _Call, request: httpx.Request) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: sending %s %s", call.op.name, request.method, _log_url(request))


def _streaming(call: _Call, response: httpx.Response) -> bool:
    """Whether `response` answers a stream call with success: its body is left unread."""
    return call.stream and 200 <= response.status_code < 300


def _event_stream(call: _Call, response: httpx.Response) -> bool:
    """Whether `response` is the event stream `call` asked for (a 2xx answer that is not JSON;
    servers are lax about naming `text/event-stream`)."""
    media = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    return _streaming(call, response) and "json" not in media


def _declares(cast: Any, name: str) -> bool:
    """Whether the model class `cast` has a field called `name` (by name or alias)."""
    fields: Mapping[str, Any] = getattr(cast, "model_fields", {}) or {}
    return any(key == name or getattr(info, "alias", None) == name for key, info in fields.items())


def _error_message(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail")
            return str(message) if message else ""
        return str(error)
    return str(body)[:500] if body else ""


def _guess_kind(response: httpx.Response) -> str:
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        return "json"
    return "text" if content_type.startswith("text/") else "binary"


# -- file uploads and forms ---------------------------------------------------------------------
FileContent: TypeAlias = IO[bytes] | bytes | os.PathLike[str]
"""The bytes of a file: as bytes, an open binary file, or a path (read, and named by it)."""
FileTypes: TypeAlias = (
    FileContent
    | tuple[str | None, FileContent]
    | tuple[str | None, FileContent, str | None]
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
"""A file part: its content, or (filename, content), (filename, content, content type), or
(filename, content, content type, more part headers)."""


def _is_content(value: Any) -> bool:
    return isinstance(value, (bytes, bytearray, memoryview, os.PathLike)) or (
        hasattr(value, "read") and not isinstance(value, str)
    )


def is_file(value: Any) -> bool:
    """Whether `value` is a `FileTypes` (a tuple only when its second item is file content)."""
    if isinstance(value, tuple):
        return (
            2 <= len(value) <= 4
            and (value[0] is None or isinstance(value[0], str))
            and _is_content(value[1])
        )
    return _is_content(value)


def file_content(value: Any) -> Any:
    """The bytes of a raw body: a path or an open file is read; a (filename, content) file
    gives its content."""
    if isinstance(value, tuple) and is_file(value):
        return file_content(value[1])
    if isinstance(value, os.PathLike):
        return pathlib.Path(value).read_bytes()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if hasattr(value, "read"):
        return value.read()
    return value if isinstance(value, (bytes, str)) else str(value)


def file_part(name: str, value: Any) -> tuple[Any, ...]:
    """One file part for httpx: (filename, content, content type[, headers]).

    A path is read and sent under its own name, never as its path string; an open file keeps
    its name (its basename); bare bytes are named after the property. The content type is the
    one given, else guessed from the filename, else `application/octet-stream`.
    """
    filename, content, content_type, headers = None, value, None, None
    if isinstance(value, tuple):
        filename, content = value[0], value[1]
        content_type = value[2] if len(value) > 2 else None
        headers = value[3] if len(value) > 3 else None
    if isinstance(content, os.PathLike):
        path = pathlib.Path(content)
        filename = filename or path.name
        content = path.read_bytes()
    elif isinstance(content, (bytearray, memoryview)):
        content = bytes(content)
    elif not isinstance(content, bytes):
        if isinstance(content, io.TextIOBase):
            raise TypeError(f"{name}: open the file in binary mode ('rb') to upload it")
        given = getattr(content, "name", None)
        filename = filename or (os.path.basename(given) if isinstance(given, str) else None)
    filename = filename or name
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if headers:
        return (filename, content, content_type, dict(headers))
    return (filename, content, content_type)


def form_text(value: Any) -> str:
    """A form field's text: strings as they are, booleans `true`/`false`, null `null`, numbers
    as JSON writes them, objects and arrays as JSON."""
    value = to_jsonable(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def multipart_parts(body: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """A multipart body's parts in order: each property its own part under its own name; files
    as file parts, other values as text fields (objects as JSON parts); a list as one part per
    item, all under the property's name."""
    if not isinstance(body, Mapping):
        raise TypeError("a multipart/form-data body is a mapping of its properties")
    parts: list[tuple[str, tuple[Any, ...]]] = []
    for name, value in body.items():
        values = (
            list(value)
            if isinstance(value, list) or (isinstance(value, tuple) and not is_file(value))
            else [value]
        )
        for item in values:
            if item is NOT_GIVEN:
                continue
            if is_file(item):
                parts.append((str(name), file_part(str(name), item)))
                continue
            plain = to_jsonable(item)
            kind = "application/json" if isinstance(plain, (dict, list)) else None
            parts.append((str(name), (None, form_text(plain), kind)))
    return parts


def form_pairs(body: Any) -> list[tuple[str, str]]:
    """An urlencoded body's fields: each property under its name, a list repeated per item,
    objects as JSON; a file cannot go in such a form."""
    if not isinstance(body, Mapping):
        raise TypeError("an application/x-www-form-urlencoded body is a mapping of its fields")
    pairs: list[tuple[str, str]] = []
    for name, value in body.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if is_file(item):
                raise TypeError(f"{name}: a file cannot be sent in a urlencoded form")
            if item is not NOT_GIVEN:
                pairs.append((str(name), form_text(item)))
    return pairs


def _has_path(value: Any, depth: int = 0) -> bool:
    if isinstance(value, os.PathLike):
        return True
    if isinstance(value, Mapping) and depth < 2:
        return any(_has_path(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)) and depth < 3:
        return any(_has_path(v, depth + 1) for v in value)
    return False


def _read_paths(value: Any, depth: int = 0) -> Any:
    """`value` with every path (a body's property, a list item, a tuple's content) read into a
    (filename, bytes) file, as `file_part` would: for the async client, off the event loop."""
    if isinstance(value, os.PathLike):
        path = pathlib.Path(value)
        return (path.name, path.read_bytes())
    if isinstance(value, Mapping) and depth < 2:
        return {k: _read_paths(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list) and depth < 3:
        return [_read_paths(v, depth + 1) for v in value]
    if isinstance(value, tuple) and is_file(value) and isinstance(value[1], os.PathLike):
        path = pathlib.Path(value[1])
        return (value[0] or path.name, path.read_bytes(), *value[2:])
    return value


# -- server-sent events --------------------------------------------------------------------------
EVENT_STREAM = "text/event-stream"
STREAM_SENTINEL = "[DONE]"  # the data of the event that ends a stream (OpenAI's convention)
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_NO_CHUNK: Any = object()  # what `_chunk` gives for an event that carries no chunk


class APIStreamError(APIError):
    """An event stream reported an error, or the answer to a stream call was no stream."""

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message)
        self.response = response
        self.body = body


class EventTooLargeError(ValueError):
    """An event (or a line) of a stream is longer than the decoder may hold."""


@dataclass(frozen=True)
class ServerSentEvent:
    """One event of a `text/event-stream` body, with the fields of the SSE standard."""

    data: str
    event: str = "message"
    id: str = ""  # the last event id seen so far (it carries over to later events)
    retry: int | None = None  # the last reconnection time (ms) the server asked for

    def json(self) -> Any:
        """The event's data parsed as JSON."""
        return json.loads(self.data)


class SSEDecoder:
    """Bytes of an event stream in, events out, as the WHATWG HTML standard reads them.

    Lines end in CRLF, LF or CR (a CRLF may be split across chunks); the `data` lines of an
    event are joined with line feeds; lines starting with ':' are comments (keep-alives);
    `retry` takes digits only and `id` no NUL; a leading BOM is dropped. An event is
    dispatched at a blank line, so one cut off by the end of the stream is dropped. No event
    or line longer than `max_event_bytes` is held: `EventTooLargeError`.
    """

    def __init__(self, max_event_bytes: int | None = None) -> None:
        self.max_event_bytes = max_event_bytes
        self.last_id = ""
        self.retry: int | None = None
        self._pending = b""
        self._skip_lf = False
        self._started = False
        self._data: list[str] = []
        self._size = 0
        self._event = ""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events that `chunk` completes."""
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            chunk = chunk[1:] if chunk.startswith(b"\n") else chunk
        buffer = self._pending + chunk
        lines = _LINE_BREAK.split(buffer)
        self._pending = lines.pop()
        self._skip_lf = buffer.endswith(b"\r")
        limit = self.max_event_bytes
        if limit is not None and len(self._pending) > limit:
            raise EventTooLargeError(f"a stream line is longer than {limit} bytes")
        events = []
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def _line(self, raw: bytes) -> ServerSentEvent | None:
        line = raw.decode("utf-8", "replace")
        if not self._started:
            self._started = True
            line = line.removeprefix("\ufeff")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
            self._size += len(raw) + 1
            if self.max_event_bytes is not None and self._size > self.max_event_bytes:
                raise EventTooLargeError(
                    f"a stream event is longer than {self.max_event_bytes} bytes"
                )
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self.last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._size, self._event = [], 0, ""
        if not data:
            return None
        return ServerSentEvent("\n".join(data), event or "message", self.last_id, self.retry)


class Stream(Generic[T]):
    """The events of a `text/event-stream` response, each parsed into a chunk.

    Iterate it with `for` (or `next()`); it ends at the `[DONE]` event or the end of the
    body. The connection is closed when it ends, on an error, when a `for` loop over it is
    left early, and by `close()` or leaving `with stream:`.
    """

    def __init__(
        self,
        response: httpx.Response,
        parse: Callable[[ServerSentEvent], T],
        *,
        failure: Callable[[httpx.HTTPError], Exception] | None = None,
        max_event_bytes: int | None = None,
    ) -> None:
        self.response = response
        self._parse = parse
        self._failure = failure
        self._decoder = SSEDecoder(max_event_bytes)
        self._chunks = self._iterate()

    def _iterate(self) -> Generator[T, None, None]:
        try:
            for piece in self.response.iter_bytes():
                for event in _decoded(self._decoder, piece, self.response):
                    if event.data.startswith(STREAM_SENTINEL):
                        return
                    chunk = self._parse(event)
                    if chunk is not _NO_CHUNK:
                        yield chunk
        except (httpx.TransportError, httpx.DecodingError) as error:
            if self._failure is None:
                raise
            raise self._failure(error) from error
        finally:
            self.response.close()

    def __next__(self) -> T:
        return next(self._chunks)

    def __iter__(self) -> Iterator[T]:
        try:
            yield from self._chunks
        finally:
            self.close()

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and release the connection."""
        self._chunks.close()
        self.response.close()


class AsyncStream(Generic[T]):
    """`Stream` for coroutines: `async for chunk in stream`, `async with stream:`.

    A loop left early closes the connection once the event loop finalises the iterator;
    `async with` (or `await stream.close()`) closes it at once.
    """

    def __init__(
        self,
        response: httpx.Response,
        parse: Callable[[ServerSentEvent], T],
        *,
        failure: Callable[[httpx.HTTPError], Exception] | None = None,
        max_event_bytes: int | None = None,
    ) -> None:
        self.response = response
        self._parse = parse
        self._failure = failure
        self._decoder = SSEDecoder(max_event_bytes)
        self._chunks = self._iterate()

    async def _iterate(self) -> AsyncGenerator[T, None]:
        try:
            async for piece in self.response.aiter_bytes():
                for event in _decoded(self._decoder, piece, self.response):
                    if event.data.startswith(STREAM_SENTINEL):
                        return
                    chunk = self._parse(event)
                    if chunk is not _NO_CHUNK:
                        yield chunk
        except (httpx.TransportError, httpx.DecodingError) as error:
            if self._failure is None:
                raise
            raise self._failure(error) from error
        finally:
            await self.response.aclose()

    async def __anext__(self) -> T:
        return await self._chunks.__anext__()

    async def __aiter__(self) -> AsyncIterator[T]:
        try:
            async for chunk in self._chunks:
                yield chunk
        finally:
            await self.close()

    async def __aenter__(self) -> AsyncStream[T]:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop reading and release the connection."""
        await self._chunks.aclose()
        await self.response.aclose()


def _decoded(decoder: SSEDecoder, piece: bytes, response: httpx.Response) -> list[ServerSentEvent]:
    """The events a piece of the body completes; an oversized one closes the stream."""
    try:
        return decoder.feed(piece)
    except EventTooLargeError as error:
        limit = decoder.max_event_bytes or 0
        raise ResponseTooLargeError(
            f"{error} (max_response_bytes); its connection was closed",
            response=response,
            limit=limit,
        ) from None


# -- pagination ---------------------------------------------------------------------------------
DEFAULT_MAX_PAGES = 1000
PageT = TypeVar("PageT")
ItemT = TypeVar("ItemT")


class PaginationError(APIError):
    """A listing stopped: the server gave a cursor, offset or link it had given before (a
    loop), the pages passed `max_pages`, or a next link pointed to another origin."""


def _member(value: Any, name: str) -> Any:
    """The property `name` (its JSON name) of a model, mapping or extra field; None if absent."""
    if isinstance(value, pydantic.BaseModel):
        for key, info in type(value).model_fields.items():
            if (info.alias or key) == name or key == name:
                return getattr(value, key, None)
        return (value.model_extra or {}).get(name)
    if isinstance(value, Mapping):
        return value.get(name)
    return None


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        value = _member(value, name)
    return value


def page_items(spec: PageSpec, page: Any) -> list[Any]:
    """The items of one page (as its model holds them)."""
    found = _at(page, spec.items)
    if isinstance(found, pydantic.RootModel):
        found = found.root
    return list(found) if isinstance(found, (list, tuple)) else []


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or value is NOT_GIVEN:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class _Pages:
    """The walk from one page to the next: what the next request is, and when to stop."""

    def __init__(
        self, op: OperationSpec, call: RequestInput, origin: str, max_pages: int | None
    ) -> None:
        if op.pagination is None:
            raise ValueError(f"{op.name} has no pagination")
        if max_pages is not None and max_pages < 1:
            raise ValueError("max_pages must be >= 1 (or None for no bound)")
        self.op, self.spec, self.call = op, op.pagination, call
        self.origin = _origin(httpx.URL(origin)) if origin else None
        self.max_pages = max_pages
        self.seen: set[Any] = set()
        self.pages = 0

    def request(self, call: RequestInput) -> RequestInput:
        """A copy of `call` for the transport (which changes what it is given)."""
        if self.max_pages is not None and self.pages >= self.max_pages:
            raise PaginationError(
                f"{self.op.name}: stopped after {self.max_pages} pages, the server still "
                "announcing more (pass max_pages=None, or a larger bound, to go on)"
            )
        self.pages += 1
        return dataclasses.replace(call)

    def following(self, call: RequestInput, raw: RawResponse[Any]) -> RequestInput | None:
        """The request for the page after `raw` (answering `call`), or None at the end."""
        spec, response = self.spec, raw.http_response
        try:
            body = response.json()
        except ValueError:
            body = None
        items = page_items(spec, raw.parsed)
        more = _at(body, spec.has_more) if spec.has_more else None
        if more is False:
            return None
        if spec.style == "link":
            return self._linked(call, response)
        if spec.style == "cursor":
            if spec.cursor:
                value = _at(body, spec.cursor)
            else:
                value = _member(items[-1], spec.cursor_item) if items else None
            if value is None or value == "" or (not items and more is not True):
                return None
            return self._next(call, value)
        if not items:
            return None
        current = _count(call.query.get(spec.param))
        total = _count(_at(body, spec.total)) if spec.total else None
        if spec.style == "offset":
            following = (current or 0) + len(items)
            if total is not None and following >= total:
                return None
            return self._next(call, following)
        page = current if current is not None else spec.start
        pages = _count(_at(body, spec.total_pages)) if spec.total_pages else None
        size = _count(call.query.get(spec.page_size)) if spec.page_size else None
        if pages is not None and page - spec.start + 1 >= pages:
            return None
        if total is not None and size and (page - spec.start + 1) * size >= total:
            return None
        return self._next(call, page + 1)

    def _next(self, call: RequestInput, value: Any) -> RequestInput:
        if value in self.seen or value == call.query.get(self.spec.param):
            raise PaginationError(
                f"{self.op.name}: the server gave {self.spec.param}={value!r} again after "
                f"{self.pages} pages; stopped (it would loop)"
            )
        self.seen.add(value)
        return dataclasses.replace(call, query={**call.query, self.spec.param: value})

    def _linked(self, call: RequestInput, response: httpx.Response) -> RequestInput | None:
        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        try:
            url = response.request.url.join(link)
        except httpx.InvalidURL:
            raise PaginationError(f"{self.op.name}: the next page link is not a URL") from None
        here = self.origin or _origin(response.request.url)
        if _origin(url) != here or url.scheme not in ("http", "https"):
            raise PaginationError(
                f"{self.op.name}: the next page link goes to another origin ({url.scheme}://"
                f"{url.host}); not followed, the client's credentials stay with its own"
            )
        if str(url) in self.seen or str(url) == call.url:
            raise PaginationError(
                f"{self.op.name}: the server linked to a page it had given after "
                f"{self.pages} pages; stopped (it would loop)"
            )
        self.seen.add(str(url))
        return dataclasses.replace(call, url=str(url), query={}, extra_query=None)


class SyncPager(Generic[PageT, ItemT]):
    """Every item of a list operation, page after page, fetched as the loop needs them.

    `for item in pager` walks the items; `pager.iter_pages()` the pages (each the operation's
    response model). Each walk starts again from the first page. At most `max_pages` pages are
    fetched (`PaginationError` past them; None: no bound), and a server that gives a cursor,
    offset or link a second time is stopped at once (`PaginationError`).
    """

    def __init__(
        self,
        transport: SyncTransport,
        op: OperationSpec,
        call: RequestInput,
        *,
        max_pages: int | None = DEFAULT_MAX_PAGES,
    ) -> None:
        self._transport, self._op, self._call, self.max_pages = transport, op, call, max_pages
        _Pages(op, call, "", max_pages)  # checks the arguments now

    def iter_pages(self) -> Iterator[PageT]:
        """The pages, one request each."""
        walk = _Pages(
            self._op, self._call, self._op.origin or self._transport.base_url, self.max_pages
        )
        call: RequestInput | None = self._call
        while call is not None:
            raw = self._transport.request(self._op, walk.request(call))
            yield raw.parsed
            call = walk.following(call, raw)

    def __iter__(self) -> Iterator[ItemT]:
        assert self._op.pagination is not None
        for page in self.iter_pages():
            yield from page_items(self._op.pagination, page)


class AsyncPager(Generic[PageT, ItemT]):
    """`SyncPager` for coroutines: `async for item in pager`, and the pages with
    `async for page in pager.iter_pages()`."""

    def __init__(
        self,
        transport: AsyncTransport,
        op: OperationSpec,
        call: RequestInput,
        *,
        max_pages: int | None = DEFAULT_MAX_PAGES,
    ) -> None:
        self._transport, self._op, self._call, self.max_pages = transport, op, call, max_pages
        _Pages(op, call, "", max_pages)

    async def iter_pages(self) -> AsyncIterator[PageT]:
        """The pages, one request each."""
        walk = _Pages(
            self._op, self._call, self._op.origin or self._transport.base_url, self.max_pages
        )
        call: RequestInput | None = self._call
        while call is not None:
            raw = await self._transport.request(self._op, walk.request(call))
            yield raw.parsed
            call = walk.following(call, raw)

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        assert self._op.pagination is not None
        async for page in self.iter_pages():
            for item in page_items(self._op.pagination, page):
                yield item


class SyncTransport(BaseClient):
    """Blocking requests over an `httpx.Client`."""

    def __init__(self, *, http_client: httpx.Client | None, **options: Any) -> None:
        super().__init__(**options)
        if http_client is None:
            http_client = _OwnedClient(timeout=self.timeout, follow_redirects=False)
            http_client.deadline_bound = _bound_by_deadline(http_client)
        self._http = http_client
        # The client's own pools (shared by its copies) end every socket operation by the
        # deadline; a given one is bounded per phase and between body chunks.
        self.deadline_bound = isinstance(http_client, _OwnedClient) and http_client.deadline_bound

    def request(self, op: OperationSpec, call: RequestInput) -> RawResponse[Any]:
        """Send one call (retried, redirected, bounded as configured); its response parsed."""
        cast = _model(op.model)
        plan = self._prepare(op, call)
        response, attempt = self._send(plan)
        return _handed_over(self._parse(op, response, cast, attempt))

    def stream(self, op: OperationSpec, call: RequestInput) -> Stream[Any]:
        """Send one call that answers with an event stream; its events as a `Stream`.

        Retries, redirects and the deadline cover the call until the response head arrives;
        from then on each read waits at most what was left of the timeout.
        """
        cast = _model((op.stream or StreamSpec()).model)
        plan = self._prepare(op, call, stream=True)
        response, attempt = self._send(plan)
        if not _event_stream(plan, response):
            try:
                if _streaming(plan, response):
                    self._read(plan, response)
                raise self._not_a_stream(plan, response)
            finally:
                response.close()
        stream: Stream[Any] = Stream(
            response,
            functools.partial(self._chunk, plan, response, cast),
            failure=functools.partial(self._failure, plan),
            max_event_bytes=self.max_response_bytes,
        )
        _handed_over(RawResponse(response.status_code, response.headers, stream, response, attempt))
        return stream

    def _send(self, plan: _Call) -> tuple[httpx.Response, int]:
        """The final response of a call (retried as allowed) and the retries it took."""
        token = _DEADLINE.set(plan.deadline)
        try:
            attempt = 0
            while True:
                response: httpx.Response | None = None
                error: httpx.TransportError | None = None
                started = time.monotonic()
                try:
                    response = self._attempt(plan)
                except httpx.TransportError as caught:  # timeouts included
                    error = caught
                except httpx.DecodingError as caught:
                    raise self._failure(plan, caught) from caught
                self._log_outcome(plan, response, error, started)
                delay = self._next_delay(plan, attempt, response, error)
                if delay is None:
                    if error is not None:
                        raise self._failure(plan, error) from error
                    assert response is not None
                    return response, attempt
                if response is not None:
                    response.close()
                time.sleep(delay)
                attempt += 1
        finally:
            _DEADLINE.reset(token)

    def _attempt(self, call: _Call) -> httpx.Response:
        """Send once, following redirects; the response comes back with its body read."""
        request = self._http.build_request(**call.built)
        start = _origin(request.url)
        for _ in range(MAX_REDIRECTS + 1):
            self._authorize(request, start, call.op.secured)
            request.extensions["timeout"] = self._phase_timeouts(call)
            call.sent = request
            _log_sending(call, request)
            response = self._http.send(request, stream=True, follow_redirects=False)
            try:
                following = self._redirected(call, request, response)
                if following is None:
                    if not _streaming(call, response):
                        self._read(call, response)
                    return response
            except BaseException:
                response.close()
                raise
            response.close()
            request = following
        raise APIConnectionError(
            f"{call.op.name}: more than {MAX_REDIRECTS} redirects",
            request=self._redacted(call.sent),
        )

    def _read(self, call: _Call, response: httpx.Response) -> None:
        self._check_length(call, response)
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            self._check_progress(call, response, size)
            parts.append(chunk)
        response._content = b"".join(parts)

    def close(self) -> None:
        self._http.close()


class AsyncTransport(BaseClient):
    """Non-blocking requests over an `httpx.AsyncClient`."""

    def __init__(self, *, http_client: httpx.AsyncClient | None, **options: Any) -> None:
        super().__init__(**options)
        self._http = http_client or _OwnedAsyncClient(timeout=self.timeout, follow_redirects=False)

    async def request(self, op: OperationSpec, call: RequestInput) -> RawResponse[Any]:
        """Send one call (retried, redirected, bounded as configured); its response parsed."""
        cast = _model(op.model)
        if _has_path(call.body):  # files named by path are read in a thread
            call.body = await asyncio.to_thread(_read_paths, call.body)
        plan = self._prepare(op, call)
        response, attempt = await self._send(plan)
        return _handed_over(self._parse(op, response, cast, attempt))

    async def stream(self, op: OperationSpec, call: RequestInput) -> AsyncStream[Any]:
        """`SyncTransport.stream` for coroutines: the events as an `AsyncStream`."""
        cast = _model((op.stream or StreamSpec()).model)
        if _has_path(call.body):
            call.body = await asyncio.to_thread(_read_paths, call.body)
        plan = self._prepare(op, call, stream=True)
        response, attempt = await self._send(plan)
        if not _event_stream(plan, response):
            try:
                if _streaming(plan, response):
                    await self._read(plan, response)
                raise self._not_a_stream(plan, response)
            finally:
                await response.aclose()
        stream: AsyncStream[Any] = AsyncStream(
            response,
            functools.partial(self._chunk, plan, response, cast),
            failure=functools.partial(self._failure, plan),
            max_event_bytes=self.max_response_bytes,
        )
        _handed_over(RawResponse(response.status_code, response.headers, stream, response, attempt))
        return stream

    async def _send(self, plan: _Call) -> tuple[httpx.Response, int]:
        """The final response of a call (retried as allowed) and the retries it took."""
        attempt = 0
        while True:
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            started = time.monotonic()
            try:
                response = await self._bounded(plan)
            except httpx.TransportError as caught:  # timeouts included
                error = caught
            except httpx.DecodingError as caught:
                raise self._failure(plan, caught) from caught
            self._log_outcome(plan, response, error, started)
            delay = self._next_delay(plan, attempt, response, error)
            if delay is None:
                if error is not None:
                    raise self._failure(plan, error) from error
                assert response is not None
                return response, attempt
            if response is not None:
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    async def _bounded(self, call: _Call) -> httpx.Response:
        """One attempt, cancelled when the call's deadline passes."""
        left = _time_left(call.deadline, httpx.ConnectTimeout)
        if left is None:
            return await self._attempt(call)
        try:
            return await asyncio.wait_for(self._attempt(call), left)
        except asyncio.TimeoutError:
            raise httpx.ReadTimeout("the call's timeout has passed", request=call.sent) from None

    async def _attempt(self, call: _Call) -> httpx.Response:
        """Send once, following redirects; the response comes back with its body read."""
        request = self._http.build_request(**call.built)
        start = _origin(request.url)
        for _ in range(MAX_REDIRECTS + 1):
            self._authorize(request, start, call.op.secured)
            request.extensions["timeout"] = self._phase_timeouts(call)
            call.sent = request
            _log_sending(call, request)
            response = await self._http.send(request, stream=True, follow_redirects=False)
            try:
                following = self._redirected(call, request, response)
                if following is None:
                    if not _streaming(call, response):
                        await self._read(call, response)
                    return response
            except BaseException:
                await response.aclose()
                raise
            await response.aclose()
            request = following
        raise APIConnectionError(
            f"{call.op.name}: more than {MAX_REDIRECTS} redirects",
            request=self._redacted(call.sent),
        )

    async def _read(self, call: _Call, response: httpx.Response) -> None:
        self._check_length(call, response)
        parts: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            self._check_progress(call, response, size)
            parts.append(chunk)
        response._content = b"".join(parts)

    async def close(self) -> None:
        await self._http.aclose()


__all__ = [
    "DEFAULT_MAX_PAGES",
    "NOT_GIVEN",
    "APIStatusError",
    "APIStreamError",
    "AsyncPager",
    "AsyncStream",
    "FileContent",
    "FileTypes",
    "NotGiven",
    "OperationSpec",
    "PageSpec",
    "PaginationError",
    "ParameterSpec",
    "RawResponse",
    "RequestInput",
    "ServerSentEvent",
    "Stream",
    "StreamSpec",
    "SyncPager",
    "async_raw_response_wrapper",
    "raw_response_wrapper",
    "setup_logging",
]
