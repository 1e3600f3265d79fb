"""Form bodies (multipart/form-data, application/x-www-form-urlencoded) and flat XML bodies as
JSON documents.

Every field becomes the JSON value its property's schema expects (parsed the way query
parameters are), so the body validator judges a form as it judges JSON; a file part is kept as
text (its bytes as Latin-1), which any `format: binary` string schema accepts. Outside file
parts and binary properties, the text `null` is read as JSON null, as the usual form encoders
write None (so a non-nullable field refuses it). An XML body whose root holds only elements of
text (`<booking><has_dog>true</has_dog></booking>`) gives those elements as its fields; one with
nested elements, attributes or a DTD is not read (None).
"""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl

MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
FORM_MEDIA = frozenset({MULTIPART, URLENCODED})
MAX_PARTS = 1000


def is_xml(media: str) -> bool:
    """Whether `media` is an XML content type (application/xml, text/xml, ...+xml)."""
    return media in ("application/xml", "text/xml") or media.endswith("+xml")


def xml_fields(
    body: bytes, declared: frozenset[str] = frozenset()
) -> tuple[dict[str, list[str]], dict[str, Any]] | str | None:
    """A flat XML body (see the module) as (its text fields, its other elements): an element of
    a property the schema does not declare may nest (it is read as an object of texts, which
    only an `additionalProperties` rule judges); the root's text when it holds only text
    (`<booking>true</booking>`: no object); None when a declared property nests or an element
    has attributes. A body that is no XML at all is a FormError. No DTD is read."""
    upper = body.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise FormError(f"the XML body cannot be parsed: {error}") from None
    if not len(root) and (root.text or "").strip():
        return root.text or ""
    fields: dict[str, list[str]] = {}
    others: dict[str, Any] = {}
    for child in root[:MAX_PARTS]:
        name = str(child.tag)
        if child.attrib or (len(child) and name in declared):
            return None
        if len(child):
            others[name] = _xml_object(child, 1)
        else:
            fields.setdefault(name, []).append(child.text or "")
    return fields, others


def _xml_object(element: ET.Element, depth: int) -> Any:
    """An undeclared element as JSON: its children by tag (texts at the leaves), bounded."""
    if not len(element) or depth > 32:
        return element.text or ""
    return {str(child.tag): _xml_object(child, depth + 1) for child in element[:MAX_PARTS]}


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
    if body.strip() == f"--{boundary}--".encode("latin-1", "replace"):
        return fields  # a form of no part (every field optional): what encoders send for {}
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
