"""The suite's HTTP side: requests as data, a retrying sender with a budget, curl reproducers."""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from specforge.conformance.secrets import scrub

RETRY_STATUSES = frozenset({429, 503})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_RETRIES = 5
MAX_RETRY_WAIT = 5.0
DESCRIBE_WINDOW = 64 * 1024


class BudgetExhausted(Exception):
    """No more requests that can be accepted (paid jobs) may be sent."""


@dataclass
class Budget:
    """Counts 2xx answers to unsafe methods, expected or not (each may be a paid job on a live
    server); once `limit` is reached no unsafe request is sent. `limit` None means unlimited."""

    limit: int | None
    spent: int = 0

    def allow(self, method: str) -> None:
        """Raise BudgetExhausted for an unsafe request once the budget is spent."""
        if method.upper() in UNSAFE and self.limit is not None and self.spent >= self.limit:
            raise BudgetExhausted(f"budget of {self.limit} accepted unsafe request(s) is spent")

    def record(self, method: str, status: int) -> None:
        """Count the answer: every 2xx to an unsafe method spends one."""
        if method.upper() in UNSAFE and 200 <= status < 300:
            self.spent += 1


@dataclass
class Call:
    """One request of the suite, as data (so it can be shown as a curl command)."""

    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    content: bytes | None = None
    paid: bool = False  # the request can be accepted: a paid job on a live server
    placeholder: bool = False  # its path parameters are made up: the resource may not exist

    def body_bytes(self) -> bytes | None:
        if self.content is not None:
            return self.content
        if self.json_body is not None:
            return json.dumps(self.json_body, separators=(",", ":")).encode()
        return None

    def sent_json(self) -> Any:
        """The JSON the request carried: `json_body`, or `content` read as JSON (the engine's
        requests come as bytes); None for none or another body."""
        if self.json_body is not None or self.content is None:
            return self.json_body
        try:
            return json.loads(self.content)
        except ValueError:
            return None


@dataclass
class Exchange:
    """A call and what came back."""

    call: Call
    status: int
    headers: dict[str, str]
    body: bytes
    retries: int = 0

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").partition(";")[0].strip().lower()

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def describe(self, limit: int = 300) -> str:
        """Status, content type and the body's start, without the run's credentials.

        They are scrubbed before the cut, so that no part of one is left at the end, in the
        body's first 64 KiB: far more than the `limit` shown, however many are replaced.
        """
        text = scrub(self.body[:DESCRIBE_WINDOW].decode("utf-8", "replace"))
        text = text if len(text) <= limit else text[:limit] + "..."
        return f"{self.status} {scrub(self.content_type) or '(no content type)'} {text}".strip()


class Sender:
    """Sends calls to one origin with the suite's credentials; retries 429/503 per Retry-After."""

    def __init__(
        self, base_url: str, api_key: str, api_key_env: str, budget: Budget, timeout: float = 30.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.api_key_env = api_key_env
        self.budget = budget
        self.client = httpx.Client(timeout=timeout)
        self.sent = 0
        self.retried = 0

    def close(self) -> None:
        self.client.close()

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def send(self, call: Call) -> Exchange:
        """Send `call`; raises BudgetExhausted for an unsafe one once the budget is spent."""
        self.budget.allow(call.method)
        url = self.base_url + call.path
        retries = 0
        while True:
            self.sent += 1
            response = self.client.request(
                call.method,
                url,
                params=call.query or None,
                headers=call.headers,
                content=call.body_bytes(),
            )
            if response.status_code not in RETRY_STATUSES or retries >= MAX_RETRIES:
                break
            retries += 1
            self.retried += 1
            time.sleep(_retry_after(response.headers.get("retry-after", "")))
        self.budget.record(call.method, response.status_code)
        headers = {key.lower(): value for key, value in response.headers.items()}
        return Exchange(call, response.status_code, headers, response.content, retries)

    def record(self, exchange: Exchange) -> dict[str, Any]:
        """The exchange as a cassette entry: the key shown as `${ENV_VAR}`, bodies as text (at
        most 64 KiB each)."""
        call = exchange.call

        def hide(value: str) -> str:
            if self.api_key and self.api_key in value:
                return value.replace(self.api_key, "${" + self.api_key_env + "}")
            return value

        body = call.body_bytes()
        query = ("?" + urlencode(call.query, doseq=True)) if call.query else ""
        return {
            "request": {
                "method": call.method,
                "uri": hide(self.base_url + call.path + query),
                "headers": {name: hide(value) for name, value in call.headers.items()},
                "body": body[:DESCRIBE_WINDOW].decode("utf-8", "replace") if body else "",
            },
            "response": {
                "status": exchange.status,
                "headers": dict(exchange.headers),
                "body": exchange.body[:DESCRIBE_WINDOW].decode("utf-8", "replace"),
            },
        }

    def curl(self, call: Call) -> str:
        """A curl command reproducing `call`; the key is shown as the env var, never its value."""
        url = (
            self.base_url
            + call.path
            + ("?" + urlencode(call.query, doseq=True) if call.query else "")
        )
        if self.api_key and self.api_key in url:
            # a key sent in the query (where the spec puts it, or where it must not work)
            hidden = _in_double_quotes(url).replace(
                _in_double_quotes(self.api_key), "${" + self.api_key_env + "}"
            )
            shown = f'"{hidden}"'
        else:
            shown = shlex.quote(url)
        parts = ["curl", "-sS", "-X", call.method, shown]
        for name, value in call.headers.items():
            if self.api_key and self.api_key in value:
                value = value.replace(self.api_key, f"${self.api_key_env}")
                parts += ["-H", f'"{name}: {value}"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        body = call.body_bytes()
        if body is not None:
            text = scrub(body.decode("utf-8", "replace"))
            if len(text) > 2000:
                text = text[:2000] + "...(truncated)"
            parts += ["--data-raw", shlex.quote(text)]
        return scrub(" ".join(parts))


def _in_double_quotes(text: str) -> str:
    """`text` escaped for a double-quoted shell word (only the variable put in is expanded)."""
    for char in ("\\", '"', "`", "$"):
        text = text.replace(char, "\\" + char)
    return text


def _retry_after(value: str) -> float:
    try:
        return min(max(float(value), 0.0), MAX_RETRY_WAIT)
    except ValueError:
        return 1.0
