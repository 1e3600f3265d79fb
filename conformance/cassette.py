"""Failures as a cassette (VCR-style YAML, as Schemathesis records them), and their replay.

Every violation (and, under --strict, every spec gap) that has its request and answer is one
interaction: check, operation, case, request (the key shown as `${ENV_VAR}`) and the answer
recorded. `replay` sends each request again, to the origin the user names, with the key from the
environment, and says whether the answer's status is the recorded one (reproduced).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import yaml

from specforge.conformance.results import Outcome
from specforge.document.errors import ConfigError

VERSION = 1
MAX_INTERACTIONS = 10_000


def cassette(outcomes: list[Outcome], *, strict: bool, command: str = "") -> dict[str, Any]:
    """The failures of a run that carry their exchange, as one cassette document."""
    interactions: list[dict[str, Any]] = []
    for outcome in outcomes:
        failing = outcome.kind == "violation" or (strict and outcome.kind == "gap")
        if not failing or outcome.exchange is None:
            continue
        interactions.append(
            {
                "id": str(len(interactions) + 1),
                "check": outcome.check,
                "kind": outcome.kind,
                "operation": outcome.operation,
                "case": outcome.case,
                "expected": outcome.expected,
                **outcome.exchange,
            }
        )
    return {"version": VERSION, "command": command, "http_interactions": interactions}


def write_cassette(path: Path, outcomes: list[Outcome], *, strict: bool, command: str = "") -> int:
    """Write the cassette; returns how many interactions it holds."""
    document = cassette(outcomes, strict=strict, command=command)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return len(document["http_interactions"])


@dataclass(frozen=True)
class Replayed:
    """One interaction sent again."""

    id: str
    check: str
    method: str
    uri: str
    recorded: int
    now: int | None  # None: no answer (the error is in `error`)
    error: str = ""

    @property
    def reproduced(self) -> bool:
        return self.now == self.recorded


def load_cassette(path: Path) -> list[dict[str, Any]]:
    """The interactions of a cassette; ConfigError (exit 2) for anything else."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: not a readable cassette ({error})") from None
    items = document.get("http_interactions") if isinstance(document, dict) else None
    if not isinstance(items, list) or len(items) > MAX_INTERACTIONS:
        raise ConfigError(
            f"{path}#/http_interactions: a cassette of `specforge conform --cassette` is "
            f"expected (a list of at most {MAX_INTERACTIONS} interactions)"
        )
    for index, item in enumerate(items):
        request = item.get("request") if isinstance(item, dict) else None
        if not isinstance(request, dict) or not {"method", "uri"} <= set(request):
            raise ConfigError(f"{path}#/http_interactions/{index}: no request method and uri")
    return items


def replay(path: Path, *, base_url: str, api_key_env: str, timeout: float = 30.0) -> list[Replayed]:
    """Send every interaction of the cassette again, to `base_url` (always the origin named by
    the user, never one the cassette names: the key goes nowhere else); `${api_key_env}` in a
    request is that variable's value."""
    items = load_cassette(path)
    done = []
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for item in items:
            request = item["request"]
            uri = _rebase(str(request["uri"]), base_url)
            headers = {
                str(k): _fill(str(v), api_key_env)
                for k, v in (request.get("headers") or {}).items()
            }
            body = str(request.get("body") or "").encode()
            recorded = int((item.get("response") or {}).get("status") or 0)
            try:
                answer = client.request(
                    str(request["method"]),
                    _fill(uri, api_key_env),
                    headers=headers,
                    content=body or None,
                )
                now, error = answer.status_code, ""
            except httpx.HTTPError as failure:
                now, error = None, f"{type(failure).__name__}: {failure}"
            done.append(
                Replayed(
                    str(item.get("id", "")),
                    str(item.get("check", "")),
                    str(request["method"]),
                    uri,
                    recorded,
                    now,
                    error,
                )
            )
    return done


def _rebase(uri: str, base_url: str) -> str:
    """`uri` on the origin `base_url` (scheme and host), its path and query kept."""
    origin, parts = urlsplit(base_url), urlsplit(uri)
    return urlunsplit((origin.scheme, origin.netloc, parts.path, parts.query, ""))


def _fill(text: str, api_key_env: str) -> str:
    """`${VAR}` placeholders replaced by the environment's values (only `api_key_env`'s when
    one is named, so a cassette cannot read other variables)."""
    if not api_key_env:
        return text
    return text.replace("${" + api_key_env + "}", os.environ.get(api_key_env, ""))
