"""Credentials as the spec asks for them: every security scheme type, per operation.

An operation's `security` (else the document's) lists alternatives; the suite sends the run's
key in the first alternative it can fill: http bearer (and oauth2 / openIdConnect, whose tokens
are bearer tokens), http basic (the key as `user:password`), or an apiKey in a header, a query
parameter or a cookie. The mock checks the same placements.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["bearer", "basic", "apikey"]
Location = Literal["header", "query", "cookie"]


@dataclass(frozen=True)
class Credential:
    """Where and how one security scheme carries the key."""

    scheme: str  # its name under components.securitySchemes
    kind: Kind
    location: Location
    name: str  # the header, query parameter or cookie name

    def place(self, key: str) -> Placement:
        """The key in this scheme's place."""
        return Placement().with_value(self, self.value(key))

    def value(self, key: str) -> str:
        """What is sent: `Bearer <key>`, `Basic <base64 of user:password>`, or the key."""
        if self.kind == "bearer":
            return f"Bearer {key}"
        if self.kind == "basic":
            user, _, password = key.partition(":")
            return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return key

    def describe(self) -> str:
        if self.kind == "bearer":
            return "an 'Authorization: Bearer <key>' header"
        if self.kind == "basic":
            return "an 'Authorization: Basic <user:password>' header"
        return f"a {self.name!r} {self.location}" + (
            " parameter" if self.location == "query" else ""
        )

    def read(self, headers: dict[str, str], query: dict[str, list[str]]) -> str | None:
        """The raw value a request carries in this scheme's place (None: absent)."""
        if self.location == "query":
            values = query.get(self.name)
            return values[-1] if values else None
        if self.location == "cookie":
            return cookies(headers.get("cookie", "")).get(self.name)
        return headers.get(self.name.lower())

    def token(self, raw: str | None) -> str | None:
        """The key a raw value carries (None: nothing of this scheme's shape): the bearer
        token, the decoded `user:password` of basic, or an API key's value."""
        if raw is None or not raw.strip():
            return None
        if self.kind == "apikey":
            return raw.strip()
        scheme, _, token = raw.strip().partition(" ")
        if scheme.lower() != self.kind or not token.strip():
            return None
        if self.kind == "bearer":
            return token.strip()
        try:
            return base64.b64decode(token.strip(), validate=True).decode()
        except ValueError:
            return None

    def expected(self, key: str) -> str:
        """The token that carries `key` (`user:` for a basic key without a password)."""
        return key if self.kind != "basic" or ":" in key else f"{key}:"


@dataclass
class Placement:
    """Headers, query parameters and cookies that carry a credential."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def with_value(self, credential: Credential, value: str) -> Placement:
        """A copy with `value` in `credential`'s place."""
        placed = Placement(dict(self.headers), dict(self.query), dict(self.cookies))
        if credential.location == "query":
            placed.query[credential.name] = value
        elif credential.location == "cookie":
            placed.cookies[credential.name] = value
        else:
            placed.headers["Authorization" if credential.kind != "apikey" else credential.name] = (
                value
            )
        return placed

    def all_headers(self) -> dict[str, str]:
        """The headers, with cookies as one `Cookie` header."""
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers


def credential_of(scheme_name: str, scheme: Any) -> Credential | None:
    """The credential of one security scheme object (None for a type the suite cannot fill)."""
    if not isinstance(scheme, dict):
        return None
    kind = str(scheme.get("type", "")).lower()
    if kind == "apikey":
        location = str(scheme.get("in", "header")).lower()
        name = str(scheme.get("name", ""))
        if location in ("header", "query", "cookie") and name:
            return Credential(scheme_name, "apikey", location, name)  # type: ignore[arg-type]
        return None
    if kind == "http":
        http = str(scheme.get("scheme", "")).lower()
        if http == "basic":
            return Credential(scheme_name, "basic", "header", "Authorization")
        if http == "bearer":
            return Credential(scheme_name, "bearer", "header", "Authorization")
        return None
    if kind in ("oauth2", "openidconnect"):
        return Credential(scheme_name, "bearer", "header", "Authorization")
    return None


def requirements(
    document: dict[str, Any], operation: dict[str, Any]
) -> list[list[Credential]] | None:
    """The operation's alternatives, each the credentials sent together; None when it needs none
    (no requirement, or an empty one among the alternatives)."""
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    schemes = schemes if isinstance(schemes, dict) else {}
    security = operation.get("security", document.get("security"))
    if not isinstance(security, list) or not security:
        return None
    alternatives: list[list[Credential]] = []
    for requirement in security:
        if not isinstance(requirement, dict):
            continue
        if not requirement:
            return None  # anonymous access is one of the alternatives
        found = [credential_of(str(name), schemes.get(name)) for name in requirement]
        if all(c is not None for c in found):
            alternatives.append([c for c in found if c is not None])
    return alternatives or None


def cookies(header: str) -> dict[str, str]:
    """A `Cookie` header's pairs."""
    pairs: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            pairs[name] = value
    return pairs
