"""Per-API settings of the client (neutral defaults; each generated package has its own)."""

from __future__ import annotations

__all__ = [
    "API_KEY_ENV",
    "AUTH_KIND",
    "AUTH_NAME",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "LOG_ENV",
    "PACKAGE",
    "SDK_NAME",
    "VERSION",
]

SDK_NAME = "API"
PACKAGE = "specforge_client"
VERSION = "0.0.0"
DEFAULT_BASE_URL = ""
API_KEY_ENV = "API_KEY"
BASE_URL_ENV = "API_BASE_URL"
# "debug" or "info" in this variable logs each request to stderr (see `_runtime.setup_logging`).
LOG_ENV = "API_LOG"
# How the key travels: "bearer" or "basic" (Authorization header), "header", "query" or
# "cookie" (named AUTH_NAME), or "" when the spec declares no usable scheme.
AUTH_KIND = "bearer"
AUTH_NAME = "Authorization"
