"""Form bodies (multipart/form-data, application/x-www-form-urlencoded) as JSON documents.

Every field becomes the JSON value its property's schema expects (parsed the way query
parameters are), so the body validator judges a form as it judges JSON; a file part is kept as
text (its bytes as Latin-1), which any `format: binary` string schema accepts. Outside file
parts and binary properties, the text `null` is read as JSON null, as the usual form encoders
write None (so a non-nullable field refuses it).
"""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
from typing import Any
from urllib.parse import parse_qsl

MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
FORM_MEDIA = frozenset({MULTIPART, URLENCODED})
MAX_PARTS = 1000


class FilePart(str):
    """The content of a file part, as text (its bytes as Latin-1)."""


class FormError(ValueError):
    """A form body that cannot be parsed (the mock answers 400)."""


def form_fields(content_type: str, body: bytes) -> dict[str, list[str]]:
    """The fields of a form body, each with its values in order."""
    header = email.message.Message()
    header["content-type"] = content_type
    media = header.get_content_type()
    fields: dict[str, list[str]] = {}
    if media.lower() == URLENCODED:
        try:
            pairs = parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_PARTS
            )
        except (UnicodeDecodeError, ValueError) as error:
            raise FormError(f"the form body cannot be parsed: {error}") from None
        for name, value in pairs:
            fields.setdefault(name, []).append(value)
        return fields
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise FormError("a multipart body needs a boundary parameter in its Content-Type")
    head = f'Content-Type: {MULTIPART}; boundary="{boundary}"\r\n\r\n'.encode("latin-1", "replace")
    message = email.message_from_bytes(head + body, policy=email.policy.HTTP)
    if not message.is_multipart() or message.defects:
        raise FormError("the multipart body cannot be parsed (no part between its boundaries)")
    for count, part in enumerate(message.iter_parts()):
        if count >= MAX_PARTS:
            raise FormError(f"a multipart body of more than {MAX_PARTS} parts is refused")
        param = part.get_param("name", header="content-disposition")
        field = email.utils.collapse_rfc2231_value(param) if isinstance(param, tuple) else param
        if not isinstance(field, str):
            raise FormError("a part has no name in its Content-Disposition")
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is None:
            fields.setdefault(field, []).append(content.decode("utf-8", "replace"))
        else:
            fields.setdefault(field, []).append(FilePart(content.decode("latin-1")))
    return fields


def form_document(
    fields: dict[str, list[str]],
    kinds: dict[str, tuple[str, ...]],
    binary: frozenset[str],
    coerce: Any,
) -> dict[str, Any]:
    """The fields as a JSON object: `coerce(values, kinds)` for each (arrays keep every value,
    binary properties and file parts their text)."""
    document: dict[str, Any] = {}
    for name, values in fields.items():
        wanted = kinds.get(name, ("string",))
        if name in binary or isinstance(values[0], FilePart):
            texts = [str(value) for value in values]  # plain str: validators refuse subclasses
            document[name] = texts[0] if len(texts) == 1 else texts
        elif values == ["null"]:
            document[name] = None
        elif "array" in wanted:
            document[name] = list(values)
        else:
            document[name] = coerce(values, wanted)
    return document
