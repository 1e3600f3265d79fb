"""Per-API settings of the client (neutral defaults; each generated package has its own)."""

from __future__ import annotations

__all__ = [
    "API_KEY_ENV",
    "AUTH_SCHEME",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
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
AUTH_SCHEME = "bearer"
