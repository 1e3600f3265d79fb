"""Send a variant's steps and compare answers (used by the corpus' own tests)."""

from __future__ import annotations

import contextlib
import functools
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.fault_corpus.variants import NO_BODY, SpecInfo, Step

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Answer:
    """What came back: status, content type and the body (parsed when it is JSON)."""

    method: str
    path: str
    status: int
    content_type: str
    body: Any
    headers: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        return f"{self.method} {self.path} -> {self.status} {self.content_type} {self.body!r:.300}"


def send(origin: str, spec: SpecInfo, steps: tuple[Step, ...]) -> list[Answer]:
    """Send `steps` in order to `origin`; every answer."""
    values: dict[str, str] = {}
    answers = []
    client = _client()
    for item in steps:
        fill = functools.partial(_PLACEHOLDER.sub, lambda m: values[m.group(1)])
        path = fill(item.path)
        headers = {**spec.headers(item.credential), **{k: fill(v) for k, v in item.headers}}
        url = _with_params(origin + path, spec.params(item.credential))
        kwargs: dict[str, Any] = {}
        if item.json is not NO_BODY:
            kwargs["content"] = json.dumps(item.json).encode()
            headers.setdefault("Content-Type", "application/json")
        elif item.form is not None:
            kwargs["data"] = dict(item.form)
        elif item.content is not None:
            kwargs["content"] = item.content
        if item.content_type:
            headers["Content-Type"] = item.content_type
        response = client.request(item.method, url, headers=headers, **kwargs)
        answer = _answer(item.method, path, response)
        for name, source in item.capture:
            where, _, key = source.partition(":")
            found = answer.body.get(key) if where == "body" else response.headers.get(key)
            values[name] = str(found)
        answers.append(answer)
    return answers


def _with_params(url: str, params: dict[str, str]) -> str:
    """`url` with `params` added to its query (httpx's `params=` would replace the query)."""
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(params)


@functools.cache
def _client() -> httpx.Client:
    """One client for every send (building one costs an SSL context)."""
    return httpx.Client(timeout=10)


def _answer(method: str, path: str, response: httpx.Response) -> Answer:
    kind = response.headers.get("content-type", "").partition(";")[0].strip()
    body: Any = response.text
    if response.content and "json" in kind:
        with contextlib.suppress(ValueError):
            body = json.loads(response.content)
    kept = ("location", "etag", "allow", "www-authenticate")
    headers = tuple((k, v) for k, v in sorted(response.headers.items()) if k.lower() in kept)
    return Answer(method, path, response.status_code, kind, body, headers)
