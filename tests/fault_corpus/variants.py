"""The corpus' registry types: a spec's facts, a request step, and a typed `Variant` entry."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tests.fault_corpus.server import App, Clock, serve

Kind = Literal["fault", "conformant"]
Credential = Literal["valid", "none", "similar", "query", "bearer"]
CredentialIn = Literal["header", "query"]
NO_BODY: Any = object()


@dataclass(frozen=True)
class Step:
    """One request of a trigger or a valid sequence.

    `path` may hold `{name}` placeholders, filled from what earlier steps captured: `capture`
    maps a name to `body:<key>` (a top-level property of the JSON answer) or `header:<name>`.
    `credential` says how the spec's key is sent: valid, none, similar (right shape, wrong
    value), query (in a place the spec does not document: as `?api_key=`, or, for a spec whose
    key does travel in the query, in the headers its `SpecInfo.misplaced` names) or bearer (as
    `Authorization: Bearer` where the spec wants another scheme).
    """

    method: str
    path: str
    json: Any = NO_BODY
    form: tuple[tuple[str, str], ...] | None = None
    content: bytes | None = None
    content_type: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    credential: Credential = "valid"
    capture: tuple[tuple[str, str], ...] = ()


def step(method: str, path: str, **options: Any) -> Step:
    """A `Step` with tuples made from the dicts given for `form`, `headers` and `capture`."""
    for name in ("form", "headers", "capture"):
        if isinstance(options.get(name), dict):
            options[name] = tuple(options[name].items())
    return Step(method, path, **options)


def similar_key(key: str) -> str:
    """`key` with its last two characters changed, keeping their character classes."""
    swapped = {c: chr(ord(c) + 1) if c not in "9zZ" else chr(ord(c) - 1) for c in key[-2:]}
    return key[:-2] + "".join(swapped[c] for c in key[-2:])


@dataclass(frozen=True)
class SpecInfo:
    """What a client needs to know of one spec's servers.

    `auth` turns a key into the pairs that carry it: headers, or query parameters when
    `credential_in` is "query" (a spec whose key travels as `?name=`). Such a spec names in
    `misplaced` the headers that carry its key where it does not document it (the "query"
    credential); for the others that credential is `?api_key=`.
    """

    name: str
    path: Path
    base_path: str  # the servers' base path, which plain Schemathesis needs in --url
    key: str  # the credential: a bearer token, an API key, or `user:password` for basic
    auth: Callable[[str], dict[str, str]]  # credential -> headers (or query parameters)
    similar_key: str  # the key with its last characters changed (same length and classes)
    valid: tuple[Step, ...]  # a documented valid sequence (each answer a documented 2xx)
    credential_in: CredentialIn = "header"  # where the pairs `auth` makes go
    misplaced: Callable[[str], dict[str, str]] | None = None  # a query key's undocumented place

    def __post_init__(self) -> None:
        if self.credential_in == "query" and self.misplaced is None:
            raise ValueError(f"{self.name}: a key sent in the query needs `misplaced` headers")

    def headers(self, credential: Credential) -> dict[str, str]:
        """The headers a step with `credential` sends."""
        if credential == "bearer":
            return {"Authorization": f"Bearer {self.key}"}
        if credential == "query":
            return self.misplaced(self.key) if self.misplaced is not None else {}
        return self._carried(credential) if self.credential_in == "header" else {}

    def params(self, credential: Credential) -> dict[str, str]:
        """The query parameters a step with `credential` sends."""
        if credential == "query":
            return {"api_key": self.key} if self.credential_in == "header" else {}
        return self._carried(credential) if self.credential_in == "query" else {}

    def _carried(self, credential: Credential) -> dict[str, str]:
        if credential == "valid":
            return self.auth(self.key)
        if credential == "similar":
            return self.auth(self.similar_key)
        return {}

    def auth_header(self) -> str:
        """The auth header as `Name: value` (for `schemathesis run -H`; header keys only)."""
        if self.credential_in != "header":
            raise ValueError(f"{self.name}: the key travels in the query, not in a header")
        name, value = next(iter(self.auth(self.key).items()))
        return f"{name}: {value}"


@dataclass(frozen=True)
class Variant:
    """One server of the corpus: a spec's base implementation with one switch on."""

    name: str
    spec: SpecInfo
    kind: Kind
    description: str
    switch: str  # "" for the base; else the switch its base implementation tests in one place
    app: type[App]
    trigger: tuple[Step, ...] = field(default=())  # for faults: whose last answer differs

    @contextmanager
    def running(self, clock: Clock = time.time) -> Iterator[str]:
        """Start this variant on 127.0.0.1 (ephemeral port); yields its origin; stops it."""
        with serve(self.app(self.switch, clock)) as origin:
            yield origin
