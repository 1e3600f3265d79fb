"""Errors raised by the client; every one derives from `APIError`."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "PollingTimeoutError",
    "RateLimitError",
    "RequestValidationError",
    "ResponseDriftWarning",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "UnprocessableEntityError",
]


class APIError(Exception):
    """Base class of every error this client raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingAPIKeyError(APIError):
    """No API key was passed and none is set in the environment."""


class RequestValidationError(APIError, ValueError):
    """A request broke the spec (bounds, enums, required fields) and was not sent."""

    def __init__(self, message: str, errors: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.errors = errors


class ResponseValidationError(APIError):
    """A response broke its documented schema (raised in "strict" response validation)."""

    def __init__(
        self, message: str, errors: list[dict[str, str]], response: httpx.Response
    ) -> None:
        super().__init__(message)
        self.errors = errors
        self.response = response


class ResponseDriftWarning(UserWarning):
    """A response broke its documented schema (emitted once per drift in "warn" mode)."""


class APIConnectionError(APIError):
    """The server could not be reached, or the exchange broke off (too many redirects included).

    The httpx error behind it is its `__cause__` (raised `from` it), and its message ends with
    that error's name and text, the API key taken out; `request` is the last request sent, with
    its credentials masked.
    """

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The call's timeout passed (connecting, sending, waiting or reading), retries included."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


class ResponseTooLargeError(APIError):
    """A response body went over the client's `max_response_bytes`; its connection was closed."""

    def __init__(self, message: str, *, response: httpx.Response, limit: int) -> None:
        super().__init__(message)
        self.response = response
        self.limit = limit


class PollingTimeoutError(APIError):
    """A job did not reach a terminal state within the polling timeout."""

    def __init__(self, message: str, last: Any) -> None:
        super().__init__(message)
        self.last = last


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status."""

    status_code: int

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.request_id = response.headers.get("x-request-id")


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429."""


class InternalServerError(APIStatusError):
    """5xx."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIStatusError]:
    """The exception class for an error status."""
    if status >= 500:
        return InternalServerError
    return _BY_STATUS.get(status, APIStatusError)
