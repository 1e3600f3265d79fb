"""Server-sent events from the mock, for operations that answer with `text/event-stream`.

A stream is a few events whose data is built from the chunk schema (see
`specforge.generator.detect.chunk_schema`), then `data: [DONE]`. The mock sends one when the
request asks for it: `Accept: text/event-stream`, or the boolean body property that selects
the stream (`"stream": true`); an operation that only streams always answers with one.

`sse_document` gives Schemathesis the stream schemas as SSE carries them: specs that write an
event as `{data: Chunk}` (OpenAI's, Together's) give `data` an object schema, which no event's
`data` (always text) can meet; it becomes a string of `application/json` whose `contentSchema`
is the chunk's, so each event's JSON is checked against it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from specforge.conformance.model import SpecModel
from specforge.document.loader import resolve_pointer
from specforge.document.schemas import json_types
from specforge.generator.detect import is_event_stream
from specforge.generator.ir import Operation

EVENT_STREAM = "text/event-stream"
SENTINEL = b"data: [DONE]\n\n"
EVENTS = 3  # chunks per stream, before the sentinel
FRAME = frozenset({"data", "event", "id", "retry"})
REPAIRS = 32  # fixes tried on an example its schema refuses
_BLANK: dict[str, Any] = {
    "string": "",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "null": None,
    "array": [],
    "object": {},
}


@dataclass(frozen=True)
class StreamPlan:
    """What the mock streams for one operation, encoded once at start-up."""

    selector: str  # body property that asks for the stream ("" : the operation always streams)
    body: bytes  # the whole event stream, sentinel included


def stream_plan(model: SpecModel, op: Operation) -> StreamPlan | None:
    """The event stream of `op`, or None when it answers with none."""
    stream = op.stream
    if stream is None:
        return None
    pointer = stream.chunk_pointer.lstrip("#")
    example = (
        fitted(model.response_example(pointer), model.validator(pointer)) if pointer else "chunk"
    )
    return StreamPlan(stream.selector, encode(chunks(example)))


TEXT_KEYS = frozenset({"content", "text"})  # properties whose strings are numbered per event


def chunks(example: Any) -> list[Any]:
    """`EVENTS` chunks from one example, their text pieces numbered so that the events differ."""
    return [_numbered(copy.deepcopy(example), index, True) for index in range(EVENTS)]


def _numbered(value: Any, index: int, text: bool) -> Any:
    """`value` with the strings of `content`/`text` properties (or itself) suffixed by `index`."""
    if isinstance(value, str):
        return f"{value} {index}" if text else value
    if isinstance(value, list):
        return [_numbered(item, index, False) for item in value]
    if isinstance(value, dict):
        return {k: _numbered(v, index, k in TEXT_KEYS) for k, v in value.items()}
    return value


def encode(items: list[Any]) -> bytes:
    """`items` as `data:` events (JSON unless a plain string), then the `[DONE]` sentinel."""
    events = []
    for index, item in enumerate(items):
        data = item if isinstance(item, str) else json.dumps(item, separators=(",", ":"))
        lines = "".join(f"data: {line}\n" for line in data.split("\n"))
        events.append(f"id: {index}\n{lines}\n".encode())
    return b": specforge mock stream\n\n" + b"".join(events) + SENTINEL


def wanted(plan: StreamPlan, headers: dict[str, str], document: Any) -> bool:
    """Whether the request asks for the stream (or the operation only streams)."""
    if not plan.selector:
        return True
    if EVENT_STREAM in headers.get("accept", "").lower():
        return True
    return isinstance(document, dict) and document.get(plan.selector) is True


def fitted(example: Any, validator: Any) -> Any:
    """`example` with the values its schema (a jsonschema-rs validator) refuses for an enum, a
    const or a type replaced by the first allowed one (the example builder merges the scalars
    of an `allOf` into `{}`)."""
    for _ in range(REPAIRS):
        error = next(iter(validator.iter_errors(example)), None)
        if error is None:
            break
        kind = error.kind
        options, types = getattr(kind, "options", None), getattr(kind, "types", None)
        if isinstance(options, list) and options:
            value = options[0]
        elif hasattr(kind, "expected_value"):
            value = kind.expected_value
        elif isinstance(types, list) and types:
            value = copy.deepcopy(_BLANK.get(str(types[0])))
        else:
            break
        path = list(error.instance_path)
        if not path:
            example = value
            continue
        holder = example
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = value
    return example


# -- the stream schemas as Schemathesis reads them -------------------------------------------------
def sse_document(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (changed in place) with its event-stream schemas written as SSE data."""

    def resolve(node: Any) -> Any:
        for _ in range(32):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                break
            try:
                node = resolve_pointer(document, node["$ref"].lstrip("#"))
            except (KeyError, ValueError):
                return None
        return node

    for item in (document.get("paths") or {}).values():
        for operation in item.values() if isinstance(item, dict) else ():
            responses = operation.get("responses") if isinstance(operation, dict) else None
            for response in responses.values() if isinstance(responses, dict) else ():
                found = resolve(response)
                content = found.get("content") if isinstance(found, dict) else None
                for media_type, media in content.items() if isinstance(content, dict) else ():
                    if (
                        is_event_stream(str(media_type))
                        and isinstance(media, dict)
                        and "schema" in media
                    ):
                        media["schema"] = _as_events(media["schema"], resolve)
    return document


def _as_events(schema: Any, resolve: Callable[[Any], Any], depth: int = 0) -> Any:
    """An event-stream schema as SSE events: `{data: X}` events get `data` as text (JSON text
    for a structured X), and a schema of no event frame is the schema of `data`, with the
    `[DONE]` sentinel beside it (how the generator and the mock read such streams)."""
    target = resolve(schema)
    if not isinstance(target, dict) or depth > 8:
        return schema
    for key in ("oneOf", "anyOf"):
        branches = target.get(key)
        if isinstance(branches, list):
            return {**target, key: [_as_events(b, resolve, depth + 1) for b in branches]}
    properties = target.get("properties")
    if isinstance(properties, dict) and "data" in properties and set(properties) <= FRAME:
        data = _as_text(properties["data"], resolve)
        return {**target, "properties": {**properties, "data": data}}
    sentinel = {"type": "object", "properties": {"data": {"const": "[DONE]"}}}
    event = {"type": "object", "properties": {"data": _as_text(schema, resolve)}}
    return {"anyOf": [event, sentinel]}


def _as_text(schema: Any, resolve: Callable[[Any], Any]) -> Any:
    """The schema of an event's `data`: as it is when it is text, else JSON text of it."""
    data = resolve(schema)
    if not isinstance(data, dict) or "contentMediaType" in data or json_types(data) == ["string"]:
        return schema
    return {"type": "string", "contentMediaType": "application/json", "contentSchema": schema}
