"""The spec as the mock and the suite see it: normalised document, operations, validators."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs

from specforge.conformance.examples import build
from specforge.document.document import load_document
from specforge.document.errors import Finding
from specforge.document.loader import resolve_pointer
from specforge.generator.ir import Api, Operation, Poller
from specforge.generator.parse import build_api

SPEC_URI = "urn:specforge:spec"
_SAFE = "/~!$&'()*+,;=:@-._"
FAILURE_STATES = frozenset(
    {"failed", "error", "errored", "cancelled", "canceled", "expired", "rejected"}
)
COMPLETION_NAMES = frozenset({"outputs", "output", "result", "results"})


@dataclass(frozen=True)
class Param:
    """A parameter with the JSON pointer of its schema in the normalised document."""

    name: str
    location: str
    required: bool
    schema_pointer: str
    schema: dict[str, Any]


@dataclass
class SpecModel:
    """A loaded, validated (or leniently accepted) and normalised spec."""

    source: str
    document: dict[str, Any]
    api: Api
    findings: list[Finding]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    registry: Any = field(repr=False, default=None)
    _validators: dict[str, Any] = field(default_factory=dict, repr=False)
    _inline: dict[int, tuple[Any, Any]] = field(default_factory=dict, repr=False)

    # -- schemas -----------------------------------------------------------------------------
    def resolve(self, node: Any, depth: int = 0) -> Any:
        """`node` with `$ref`s followed (a few levels)."""
        while isinstance(node, dict) and "$ref" in node and depth < 32:
            ref = str(node["$ref"])
            try:
                node = resolve_pointer(self.document, ref[1:]) if ref.startswith("#") else {}
            except KeyError:
                return {}
            depth += 1
        return node

    def schema_at(self, pointer: str) -> dict[str, Any]:
        """The resolved schema at a JSON pointer of the document ({} when absent)."""
        try:
            found = resolve_pointer(self.document, pointer.lstrip("#"))
        except KeyError:
            return {}
        found = self.resolve(found)
        return found if isinstance(found, dict) else {}

    def validator(self, pointer: str) -> Any:
        """A compiled validator for the schema at `pointer` (cached)."""
        cached = self._validators.get(pointer)
        if cached is None:
            cached = jsonschema_rs.Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{quote(pointer.lstrip('#'), safe=_SAFE)}"},
                registry=self.registry,
                validate_formats=False,
            )
            self._validators[pointer] = cached
        return cached

    def accepts(self, schema: Any, value: Any) -> bool:
        """Whether `value` is valid under the (inline) `schema`, local `$ref`s included."""
        key = id(schema)
        cached = self._inline.get(key)
        if cached is None:
            cached = (
                schema,
                jsonschema_rs.Draft202012Validator(
                    _absolute_refs(schema),
                    registry=self.registry,
                    validate_formats=False,
                ),
            )
            self._inline[key] = cached
        return bool(cached[1].is_valid(value))

    def example(self, pointer: str, *, full: bool = True) -> Any:
        """A deterministic value valid (where possible) for the schema at `pointer`."""
        return build(self.schema_at(pointer), self.resolve, full=full, accepts=self.accepts)

    def example_for(self, schema: Any, *, full: bool = True) -> Any:
        """A deterministic value for an inline schema of the document."""
        return build(schema, self.resolve, full=full, accepts=self.accepts)

    # -- operations --------------------------------------------------------------------------
    def params(self, op: Operation) -> list[Param]:
        """The operation's parameters, each with its schema pointer."""
        found: dict[tuple[str, str], Param] = {}
        path_item = "/" + op.pointer.lstrip("/").rsplit("/", 1)[0]
        for base in (path_item, op.pointer):
            try:
                raw = resolve_pointer(self.document, base + "/parameters")
            except KeyError:
                continue
            for index, item in enumerate(raw if isinstance(raw, list) else []):
                pointer = f"{base}/parameters/{index}"
                if isinstance(item, dict) and isinstance(item.get("$ref"), str):
                    pointer = item["$ref"].lstrip("#")
                    item = self.resolve(item)
                if not isinstance(item, dict) or "name" not in item or "in" not in item:
                    continue
                schema_pointer = pointer + "/schema"
                if not isinstance(item.get("schema"), dict):
                    content = item.get("content") or {}
                    media = next(iter(content), "")
                    schema_pointer = f"{pointer}/content/{_escape(media)}/schema" if media else ""
                schema = self.schema_at(schema_pointer) if schema_pointer else {}
                location = str(item["in"])
                found[(location, str(item["name"]))] = Param(
                    name=str(item["name"]),
                    location=location,
                    required=bool(item.get("required")) or location == "path",
                    schema_pointer=schema_pointer,
                    schema=schema,
                )
        return list(found.values())

    def body_pointer(self, op: Operation) -> str:
        """JSON pointer of the request body schema ('' when the operation has none)."""
        return op.body.schema_pointer.lstrip("#") if op.body and op.body.schema_pointer else ""

    def pollers(self) -> list[tuple[Poller, Operation, Operation]]:
        """(poller, create, retrieve) for each resource with a create/retrieve job pair."""
        found = []
        for root in self.api.resources.values():
            for resource in root.walk():
                poller = resource.poller
                if poller is None:
                    continue
                by_name = {op.method_name: op for op in resource.operations}
                found.append((poller, by_name[poller.create], by_name[poller.retrieve]))
        return found

    def operation(self, operation_id: str) -> Operation:
        return next(op for op in self.api.operations if op.operation_id == operation_id)


def success_state(poller: Poller) -> str:
    """The terminal state that means success (e.g. `completed`)."""
    good = [state for state in poller.terminal if state.lower() not in FAILURE_STATES]
    return good[0] if good else poller.terminal[0]


def completion_fields(schema: dict[str, Any]) -> list[str]:
    """Properties a finished job must carry (`outputs`, or those described as such)."""
    properties = schema.get("properties") or {}
    found = []
    for name, prop in properties.items():
        text = str(prop.get("description", "")).lower() if isinstance(prop, dict) else ""
        if name.lower() in COMPLETION_NAMES or "upon completion" in text:
            found.append(str(name))
    return found


def load_model(path: Path, *, lenient: bool = False) -> SpecModel:
    """Load, validate and normalise the spec at `path`; invalid specs need `lenient`."""
    loaded = load_document(
        path, lenient=lenient, warn=lenient, hint="pass --lenient to serve it anyway"
    )
    spec, findings = loaded.spec, list(loaded.findings)
    api = build_api(loaded.normalized)
    # Served and checked against the model's schemas: the components plus the inline request
    # and response schemas the model named.
    components = loaded.normalized.get("components")
    document = {
        **loaded.normalized,
        "components": {
            **(components if isinstance(components, dict) else {}),
            "schemas": api.schemas,
        },
    }
    registry = jsonschema_rs.Registry([(SPEC_URI, document)])
    return SpecModel(
        source=spec.source,
        document=document,
        api=api,
        findings=findings,
        raw=spec.document,
        registry=registry,
    )


def _absolute_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                SPEC_URI + quote(value, safe=_SAFE + "#")
                if key == "$ref" and isinstance(value, str) and value.startswith("#")
                else _absolute_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(item) for item in node]
    return node


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
