"""Request bodies as a production server reads them: JSON, urlencoded forms, multipart forms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from tests.fault_corpus.server import HttpError, Request

BOUNDARY = "corpus-boundary-7f3a91c2"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_json(request: Request, media: str = "application/json") -> Any:
    """The JSON body: 415 for another content type, 400 when it is not JSON."""
    if request.content_type != media:
        raise HttpError(415, "unsupported_media_type", f"send {media}")
    try:
        text = request.body.decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HttpError(400, "invalid_json", "the body is not valid JSON") from None


def read_form(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body (the first value of each field)."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise HttpError(415, "unsupported_media_type", "send application/x-www-form-urlencoded")
    try:
        text = request.body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
        form: dict[str, str] = {}
        for key, value in pairs:
            form.setdefault(key, value)
        return form
    except (UnicodeDecodeError, ValueError):
        raise HttpError(400, "invalid_form", "the body is not a urlencoded form") from None


@dataclass(frozen=True)
class Part:
    """One part of a multipart form."""

    name: str
    filename: str | None
    content_type: str
    data: bytes


def read_multipart(request: Request) -> dict[str, Part]:
    """A `multipart/form-data` body by field name (400 when it cannot be parsed)."""
    if request.content_type != "multipart/form-data":
        raise HttpError(415, "unsupported_media_type", "send multipart/form-data")
    header = request.headers.get("content-type", "")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + header.encode("latin-1") + b"\r\n\r\n" + request.body
    )
    if not message.is_multipart() or message.defects:
        raise HttpError(400, "invalid_multipart", "the body is not a multipart form")
    parts: dict[str, Part] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise HttpError(400, "invalid_multipart", "a part has no name")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        parts.setdefault(name, Part(name, part.get_filename(), part.get_content_type(), data))
    return parts


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
) -> tuple[bytes, str]:
    """A multipart body and its content type (for steps that need one httpx would not build)."""
    boundary = BOUNDARY
    chunks = []
    for name, value in fields.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, (filename, data, kind) in files.items():
        chunks.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
