"""HTTP machinery shared by `Client` and `AsyncClient`: auth, retries, errors, validation."""

from __future__ import annotations

import asyncio
import email.utils
import enum
import os
import random
import time
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx
import pydantic

from . import _validation
from ._config import (
    API_KEY_ENV,
    AUTH_SCHEME,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    PACKAGE,
    VERSION,
)
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    MissingAPIKeyError,
    RequestValidationError,
    ResponseDriftWarning,
    ResponseValidationError,
    error_for_status,
)

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
RETRY_AFTER_CAP = 60.0
RETRY_STATUSES = frozenset({408, 409, 429})

ResponseValidation = Literal["strict", "warn", "off"]
T = TypeVar("T")


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


@dataclass(frozen=True)
class RawResponse(Generic[T]):
    """A response with its status, headers and parsed body."""

    status_code: int
    headers: httpx.Headers
    parsed: T
    http_response: httpx.Response
    retries_taken: int = 0


@dataclass
class RequestInput:
    """The pieces of one call before it becomes an HTTP request."""

    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    cookies: dict[str, Any] = field(default_factory=dict)
    body: Any = NOT_GIVEN
    timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None


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


def warn_deprecated(name: str, replacement: str, stacklevel: int = 4) -> None:
    """Tell the caller that `name` is deprecated and what to use instead."""
    instead = f"; use {replacement} instead" if replacement else ""
    warnings.warn(f"{name} is deprecated{instead}", DeprecationWarning, stacklevel=stacklevel)


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
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if not key:
            raise MissingAPIKeyError(
                f"No API key given: pass api_key=... or set the {API_KEY_ENV} environment variable."
            )
        if response_validation not in ("strict", "warn", "off"):
            raise ValueError(
                f"response_validation must be 'strict', 'warn' or 'off', not {response_validation!r}"
            )
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.__api_key = key
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

    # -- building requests -------------------------------------------------------------------
    def _auth_headers(self, op: OperationSpec) -> dict[str, str]:
        if not op.secured or not AUTH_SCHEME:
            return {}
        if AUTH_SCHEME == "bearer":
            return {"Authorization": f"Bearer {self.__api_key}"}
        return {AUTH_SCHEME.partition(":")[2]: self.__api_key}

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
        for spec in op.parameters:
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
        headers.update(self._auth_headers(op))
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
        if idempotency_key and op.method == "POST":
            headers.setdefault(
                op.idempotency_header or self.idempotency_header or "Idempotency-Key",
                idempotency_key,
            )
        headers.update(call.extra_headers or {})
        request: dict[str, Any] = {
            "method": op.method,
            "url": (op.origin or self.base_url) + path,
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
        elif content_type == "multipart/form-data":
            files = {
                k: v
                for k, v in body.items()
                if isinstance(v, (bytes, bytearray, tuple)) or hasattr(v, "read")
            }
            request["files"] = files or None
            request["data"] = {k: to_jsonable(v) for k, v in body.items() if k not in files}
        elif content_type == "application/x-www-form-urlencoded":
            request["data"] = {k: to_jsonable(v) for k, v in body.items()}
        else:
            request["content"] = body if isinstance(body, (bytes, bytearray, str)) else str(body)
            request["headers"]["Content-Type"] = content_type

    def _idempotency_key(self, op: OperationSpec) -> str | None:
        if op.method == "POST" and (op.idempotency_header or self.idempotency_header):
            return f"{PACKAGE}-retry-{uuid.uuid4()}"
        return None

    # -- retries -----------------------------------------------------------------------------
    def _limits(self, call: RequestInput) -> tuple[int, float | httpx.Timeout | None]:
        """(retries, timeout) for one call: its own when given, else the client's."""
        retries = self.max_retries if isinstance(call.max_retries, NotGiven) else call.max_retries
        timeout = self.timeout if isinstance(call.timeout, NotGiven) else call.timeout
        return retries, timeout

    @staticmethod
    def _raise_when_final(
        op: OperationSpec, error: httpx.TransportError, attempt: int, retries: int
    ) -> None:
        """Turn a transport error into the client's error once no retry is left."""
        if attempt < retries:
            return
        if isinstance(error, httpx.TimeoutException):
            raise APITimeoutError(request=error.request) from None
        raise APIConnectionError(
            f"{op.name}: connection error: {type(error).__name__}", request=error.request
        ) from None

    @staticmethod
    def _should_retry(response: httpx.Response) -> bool:
        retryable = response.status_code in RETRY_STATUSES or response.status_code >= 500
        # A server may waive a retry, never force one on a status that is not retryable.
        return retryable and response.headers.get("x-should-retry") != "false"

    @staticmethod
    def _retry_delay(attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            header_ms = response.headers.get("retry-after-ms")
            header = response.headers.get("retry-after")
            try:
                if header_ms is not None:
                    return min(max(float(header_ms) / 1000, 0.0), RETRY_AFTER_CAP)
                if header is not None:
                    text = str(header).strip()
                    if text.replace(".", "", 1).isdigit():
                        return min(float(text), RETRY_AFTER_CAP)
                    parsed = email.utils.parsedate_to_datetime(text)
                    return min(max(parsed.timestamp() - time.time(), 0.0), RETRY_AFTER_CAP)
            except (TypeError, ValueError, OverflowError):
                pass
        delay: float = min(INITIAL_RETRY_DELAY * 2.0**attempt, MAX_RETRY_DELAY)
        return delay * (1 - 0.25 * random.random())

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
                        stacklevel=5,
                    )
        if cast is None:
            return data
        try:
            return cast.model_validate(data)
        except pydantic.ValidationError as error:
            if mode == "strict":
                raise ResponseValidationError(
                    f"{op.name}: response does not fit {cast.__name__}: {error}", [], response
                ) from None
            if isinstance(data, dict):
                return cast.model_construct(**data)
            return data


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


class SyncTransport(BaseClient):
    """Blocking requests over an `httpx.Client`."""

    def __init__(self, *, http_client: httpx.Client | None, **options: Any) -> None:
        super().__init__(**options)
        self._http = http_client or httpx.Client(timeout=self.timeout, follow_redirects=True)

    def request(self, op: OperationSpec, call: RequestInput, cast: Any) -> RawResponse[Any]:
        retries, timeout = self._limits(call)
        built = self._build(op, call, self._idempotency_key(op))
        attempt = 0
        while True:
            try:
                response = self._http.request(**built, timeout=timeout)
            except httpx.TransportError as error:  # timeouts included
                self._raise_when_final(op, error, attempt, retries)
                response = None
            if response is not None and (attempt >= retries or not self._should_retry(response)):
                return self._parse(op, response, cast, attempt)
            delay = self._retry_delay(attempt, response)
            if response is not None:
                response.close()
            time.sleep(delay)
            attempt += 1

    def close(self) -> None:
        self._http.close()


class AsyncTransport(BaseClient):
    """Non-blocking requests over an `httpx.AsyncClient`."""

    def __init__(self, *, http_client: httpx.AsyncClient | None, **options: Any) -> None:
        super().__init__(**options)
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout, follow_redirects=True)

    async def request(self, op: OperationSpec, call: RequestInput, cast: Any) -> RawResponse[Any]:
        retries, timeout = self._limits(call)
        built = self._build(op, call, self._idempotency_key(op))
        attempt = 0
        while True:
            try:
                response = await self._http.request(**built, timeout=timeout)
            except httpx.TransportError as error:  # timeouts included
                self._raise_when_final(op, error, attempt, retries)
                response = None
            if response is not None and (attempt >= retries or not self._should_retry(response)):
                await response.aread()
                return self._parse(op, response, cast, attempt)
            delay = self._retry_delay(attempt, response)
            if response is not None:
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    async def close(self) -> None:
        await self._http.aclose()


__all__ = [
    "NOT_GIVEN",
    "APIStatusError",
    "NotGiven",
    "OperationSpec",
    "ParameterSpec",
    "RawResponse",
    "RequestInput",
]
