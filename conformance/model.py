"""The spec as the mock and the suite see it: normalised document, operations, validators."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import jsonschema_rs

from specforge.conformance.auth import Credential, Placement, requirements
from specforge.conformance.examples import build
from specforge.document.document import load_document
from specforge.document.errors import Finding
from specforge.document.loader import LoadedSpec, resolve_pointer
from specforge.document.schemas import json_types
from specforge.generator.cache import Cache
from specforge.generator.findings import CachedFindings, Validation
from specforge.generator.ir import Api, Operation, Poller, Polling, Resource
from specforge.generator.parse import build_api

SPEC_URI = "urn:specforge:spec"
_SAFE = "/~!$&'()*+,;=:@-._"
FAILURE_STATES = frozenset(
    {"failed", "error", "errored", "cancelled", "canceled", "expired", "rejected"}
)
# Words of a terminal status that say the job did what it was asked (`COMPLETED`, `Ready`).
SUCCESS_STATES = frozenset(
    {"completed", "complete", "succeeded", "success", "successful", "ready", "available"}
    | {"active", "done", "finished", "started"}
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
COMPLETION_NAMES = frozenset({"outputs", "output", "result", "results"})


@dataclass(frozen=True)
class Param:
    """A parameter with the JSON pointer of its schema in the normalised document."""

    name: str
    location: str
    required: bool
    schema_pointer: str
    schema: dict[str, Any]
    example: Any = None  # the parameter's own `example` (or first of `examples`), if any


@dataclass(frozen=True)
class Lifecycle:
    """A resource's jobs as the mock plays them and the suite follows them (from the generator's
    `Polling`): `create` answers with the new job's id at `created_id` (and its status at
    `created_status`, `()` where it has none), `retrieve` takes that id as its last path
    parameter (the others as the create took them) and answers with the status at
    `poller.status_field` and the id at `poller.id_field` ("" where it has none)."""

    poller: Poller
    create: Operation
    retrieve: Operation
    created_id: tuple[str, ...]
    created_status: tuple[str, ...]


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
    _strict: dict[str, Any] = field(default_factory=dict, repr=False)
    _strict_registry: Any = field(default=None, repr=False)
    _response_document: Any = field(default=None, repr=False)
    _response_registry: Any = field(default=None, repr=False)
    _derived: dict[tuple[str, int], Any] = field(default_factory=dict, repr=False)

    def derived(self, kind: str, node: Any, build: Callable[[Any], Any]) -> Any:
        """`build(node)`, computed once per `kind` and schema node of this document (the nodes
        live as long as the model, so their identity is a stable key)."""
        key = (kind, id(node))
        if key not in self._derived:
            self._derived[key] = build(node)
        return self._derived[key]

    # -- schemas -----------------------------------------------------------------------------
    def resolve(self, node: Any, depth: int = 0) -> Any:
        """`node` with `$ref`s followed (a few levels)."""
        return follow_refs(self.document, node, depth)

    def schema_at(self, pointer: str) -> dict[str, Any]:
        """The resolved schema at a JSON pointer of the document ({} when absent)."""
        try:
            found = resolve_pointer(self.document, pointer.lstrip("#"))
        except KeyError:
            return {}
        found = self.resolve(found)
        return found if isinstance(found, dict) else {}

    def validator(self, pointer: str) -> Any:
        """A compiled validator for the schema at `pointer`, as an answer's body is held to it:
        `writeOnly` properties never in it (see `response_view`) (cached)."""
        cached = self._validators.get(pointer)
        if cached is None:
            if self._response_registry is None:
                self._response_registry = jsonschema_rs.Registry(
                    [(SPEC_URI, self.response_document())]
                )
            cached = jsonschema_rs.Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{quote(pointer.lstrip('#'), safe=_SAFE)}"},
                registry=self._response_registry,
                validate_formats=False,
            )
            self._validators[pointer] = cached
        return cached

    def request_validator(self, pointer: str) -> Any:
        """A validator as strict as a typed server: formats asserted (date-time, email, uuid,
        ...) and `int32`/`int64` integers held to their range; as liberal as one reading a
        3.0 habit in a 3.1 document: `nullable: true` admits null (cached)."""
        cached = self._strict.get(pointer)
        if cached is None:
            if self._strict_registry is None:
                strict = server_view(copy.deepcopy(self.document))
                self._strict_registry = jsonschema_rs.Registry([(SPEC_URI, strict)])
            cached = jsonschema_rs.Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{quote(pointer.lstrip('#'), safe=_SAFE)}"},
                registry=self._strict_registry,
                validate_formats=True,
            )
            self._strict[pointer] = cached
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

    def response_document(self) -> dict[str, Any]:
        """The document as answers are read (`response_view` of a copy; made once)."""
        if self._response_document is None:
            self._response_document = response_view(copy.deepcopy(self.document))
        document: dict[str, Any] = self._response_document
        return document

    def response_example(self, pointer: str) -> Any:
        """A deterministic answer body for the schema at `pointer`: no `writeOnly` property."""
        document = self.response_document()

        def resolve(node: Any) -> Any:
            return follow_refs(document, node)

        try:
            schema = resolve(resolve_pointer(document, pointer.lstrip("#")))
        except KeyError:
            return {}
        return build(schema, resolve, full=True, accepts=self.accepts)

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
                example = item.get("example")
                examples = item.get("examples")
                if example is None and isinstance(examples, dict) and examples:
                    first = self.resolve(next(iter(examples.values())))
                    example = first.get("value") if isinstance(first, dict) else None
                found[(location, str(item["name"]))] = Param(
                    name=str(item["name"]),
                    location=location,
                    required=bool(item.get("required")) or location == "path",
                    schema_pointer=schema_pointer,
                    schema=schema,
                    example=example,
                )
        return list(found.values())

    def body_pointer(self, op: Operation) -> str:
        """JSON pointer of the request body schema ('' when the operation has none)."""
        return op.body.schema_pointer.lstrip("#") if op.body and op.body.schema_pointer else ""

    def pollers(self) -> list[tuple[Poller, Operation, Operation]]:
        """(poller, create, retrieve) for each resource with a job lifecycle (`lifecycles`)."""
        return [(job.poller, job.create, job.retrieve) for job in self.lifecycles()]

    def lifecycles(self) -> list[Lifecycle]:
        """Each resource whose jobs the generator polls (`Resource.polling`) and whose create
        names the new job: how it is created and retrieved."""
        found = []
        for root in self.api.resources.values():
            for resource in root.walk():
                if resource.polling is not None and resource.polling.create:
                    job = self._lifecycle(resource, resource.polling)
                    if job is not None:
                        found.append(job)
        return found

    def _lifecycle(self, resource: Resource, polling: Polling) -> Lifecycle | None:
        by_name = {op.method_name: op for op in resource.operations}
        create, retrieve = by_name.get(polling.create), by_name.get(polling.retrieve)
        if (
            create is None
            or retrieve is None
            or not retrieve.path_fields
            or not polling.id_path
            or not create.success
            or not retrieve.success
        ):
            return None

        def strings(pointer: str, path: tuple[str, ...] = ()) -> tuple[dict[str, Any], set[str]]:
            """The properties of the object at `path` in the schema at `pointer`, and which of
            them hold strings."""
            schema = self.schema_at(pointer)
            for name in path:
                schema = self.resolve((schema.get("properties") or {}).get(name, {}))
                schema = schema if isinstance(schema, dict) else {}
            properties = schema.get("properties") or {}
            return properties, {
                str(name)
                for name, prop in properties.items()
                if "string" in json_types(self.resolve(prop) or {})
            }

        _, retrieved = strings(retrieve.success.schema_pointer)
        names = (polling.id_path[-1], retrieve.path_fields[-1].name, "id")
        id_field = next((name for name in names if name in retrieved), "")
        holder, _ = strings(create.success.schema_pointer, polling.id_path[:-1])
        status = holder.get(polling.status)
        created_status = (
            (*polling.id_path[:-1], polling.status)
            if status is not None and self.accepts(status, polling.pending[0])
            else ()
        )
        poller = Poller(
            resource=resource.path,
            create=create.method_name,
            retrieve=retrieve.method_name,
            model=polling.model,
            status_field=polling.status,
            id_field=id_field,
            terminal=polling.terminal,
            pending=polling.pending,
        )
        return Lifecycle(poller, create, retrieve, polling.id_path, created_status)

    def security(self, op: Operation) -> list[list[Credential]] | None:
        """The operation's credential alternatives (None: it needs none)."""
        document = self.raw or self.document
        try:
            raw = resolve_pointer(document, op.pointer)
        except KeyError:
            return None
        return requirements(document, raw if isinstance(raw, dict) else {})

    def credentials(self, op: Operation, key: str) -> Placement:
        """`key` where the operation's first fillable alternative puts it (nothing if none)."""
        alternatives = self.security(op)
        placement = Placement()
        for credential in alternatives[0] if alternatives else []:
            placement = placement.with_value(credential, credential.value(key))
        return placement

    def operation(self, operation_id: str) -> Operation:
        return next(op for op in self.api.operations if op.operation_id == operation_id)


def success_state(poller: Poller | Polling) -> str:
    """The terminal state that means success: the first whose words say so (`completed`,
    `Ready`, `TRAINING_OPERATION_STATUS_COMPLETED`), else the first that names no failure."""

    def words(state: str) -> set[str]:
        return {word.lower() for word in _WORD.findall(state)} or {state.lower()}

    good = [state for state in poller.terminal if not words(state) & FAILURE_STATES]
    best = [state for state in good if words(state) & SUCCESS_STATES]
    return (best or good or list(poller.terminal))[0]


def completion_fields(schema: dict[str, Any]) -> list[str]:
    """Properties a finished job must carry (`outputs`, or those described as such)."""
    properties = schema.get("properties") or {}
    found = []
    for name, prop in properties.items():
        text = str(prop.get("description", "")).lower() if isinstance(prop, dict) else ""
        if name.lower() in COMPLETION_NAMES or "upon completion" in text:
            found.append(str(name))
    return found


def completed_value(model: SpecModel, schema: Any) -> Any:
    """A value the outputs property `schema` (one of `completion_fields`) holds for a finished
    job that counts as outputs (not null, {} or []): built from the schema, else from the first
    of its `oneOf`/`anyOf` alternatives that gives one it accepts; None when it admits none (a
    nullable `oneOf` whose alternatives all match any object admits only null)."""
    resolved = model.resolve(schema)
    if not isinstance(resolved, dict):
        return None
    alternatives = [*(resolved.get("oneOf") or []), *(resolved.get("anyOf") or [])]
    for candidate in (resolved, *alternatives):
        value = model.example_for(candidate)
        if value not in (None, {}, []) and model.accepts(schema, value):
            return value
    return None


class LoadSettings(Protocol):
    """What `conform` and `mock` options say about loading the spec."""

    @property
    def spec(self) -> Path: ...
    @property
    def lenient(self) -> bool: ...
    @property
    def allow_external_refs(self) -> bool: ...
    @property
    def cache_dir(self) -> Path | None: ...
    @property
    def pagination(self) -> tuple[tuple[str, Any], ...]: ...


def load_model_for(settings: LoadSettings) -> SpecModel:
    """`load_model` with the loading settings of `conform` or `mock` options."""
    return load_model(
        settings.spec,
        lenient=settings.lenient,
        allow_external_refs=settings.allow_external_refs,
        cache_dir=settings.cache_dir,
        pagination=dict(settings.pagination) or None,
    )


def load_model(
    path: Path,
    *,
    lenient: bool = False,
    allow_external_refs: bool = False,
    cache_dir: Path | None = None,
    pagination: Mapping[str, Any] | None = None,
) -> SpecModel:
    """Load, validate and normalise the spec at `path`; invalid specs need `lenient`. With
    `cache_dir`, the validator's findings come from the generation cache when it has them.
    `pagination` overrides the pagination found per operation, as for the generator
    (`[tool.specforge.pagination]`, `Config.pagination`: see `generator.parse.build_api`)."""
    cache = Cache(cache_dir) if cache_dir is not None else None

    def validate(spec: LoadedSpec) -> Validation:
        return CachedFindings(spec, cache, allow_external_refs=allow_external_refs).result()

    loaded = load_document(
        path,
        lenient=lenient,
        allow_external_refs=allow_external_refs,
        warn=lenient,
        hint="pass --lenient to serve it anyway",
        validate=validate,
    )
    spec, findings = loaded.spec, list(loaded.findings)
    api = build_api(loaded.normalized, pagination=pagination)
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


_COMPOSED = frozenset({"$ref", "allOf", "oneOf", "anyOf"})
INTEGER_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
}


def follow_refs(document: Any, node: Any, depth: int = 0) -> Any:
    """`node` with the local `$ref`s of `document` followed (at most 32 levels; {} for a
    reference that names nothing there or lies outside it)."""
    while isinstance(node, dict) and "$ref" in node and depth < 32:
        ref = str(node["$ref"])
        try:
            node = resolve_pointer(document, ref[1:]) if ref.startswith("#") else {}
        except KeyError:
            return {}
        depth += 1
    return node


def response_view(node: Any) -> Any:
    """`node` (changed in place) as an answer is read: in every object schema, each `writeOnly`
    property is forbidden (`{"not": {}}`) and no longer required, as OpenAPI says and as
    Schemathesis validates answers (iteratively: documents may nest deeply)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            properties = item.get("properties")
            if isinstance(properties, dict):
                for name, prop in list(properties.items()):
                    if isinstance(prop, dict) and prop.get("writeOnly") is True:
                        properties[name] = {"not": {}}
                        required = item.get("required")
                        if isinstance(required, list) and name in required:
                            item["required"] = [r for r in required if r != name]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return node


def _directed(document: Any, item: dict[str, Any]) -> None:
    """A `oneOf`/`anyOf` with a discriminator as a server reads it (changed in place): the
    property must hold one of the branches' values, and the body is held to the branch (or
    branches) that value names, not to "exactly one" of them. A branch's values: the mapping's
    keys that point to it, its schema name, and the property's own const/enum in it. Left as it
    is when a branch has no value (nothing can direct to it)."""
    discriminator = item.get("discriminator")
    key = next((k for k in ("oneOf", "anyOf") if isinstance(item.get(k), list)), None)
    if not isinstance(discriminator, dict) or key is None:
        return
    name = discriminator.get("propertyName")
    found = discriminator.get("mapping")
    mapping: dict[str, Any] = found if isinstance(found, dict) else {}
    if not isinstance(name, str):
        return
    cases: list[tuple[list[str], Any]] = []
    for branch in item[key]:
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        values = {value for value, target in mapping.items() if target == ref} if ref else set()
        if isinstance(ref, str):
            values.add(ref.rsplit("/", 1)[-1])
        branch_schema = follow_refs(document, branch)
        own = (
            (branch_schema.get("properties") or {}).get(name)
            if isinstance(branch_schema, dict)
            else None
        )
        if isinstance(own, dict):
            values.update(
                v for v in ([own["const"]] if "const" in own else []) if isinstance(v, str)
            )
            values.update(v for v in own.get("enum") or [] if isinstance(v, str))
        if not values:
            return
        cases.append((sorted(values), branch))
    every = sorted({value for values, _ in cases for value in values})
    directed: dict[str, Any] = {
        "properties": {name: {"enum": every}},
        "required": [name],
        "allOf": [
            {"if": {"properties": {name: {"enum": values}}, "required": [name]}, "then": branch}
            for values, branch in cases
        ],
    }
    del item[key]
    item.pop("discriminator")
    item["allOf"] = [*(item.get("allOf") or []), directed]


def server_view(node: Any) -> Any:
    """`node` (changed in place) as a typed server reads it: each `int32`/`int64` integer schema
    given its range as `minimum`/`maximum` where it states none, a `type` with
    `nullable: true` beside it admitting null, and a `oneOf`/`anyOf` with a discriminator
    judged by the one branch its value names (`_directed`) (iteratively: documents may nest
    deeply)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            _directed(node, item)
            low_high = INTEGER_RANGES.get(str(item.get("format", "")))
            types = item.get("type")
            integer = types == "integer" or (isinstance(types, list) and "integer" in types)
            if low_high and integer:
                item.setdefault("minimum", low_high[0])
                item.setdefault("maximum", low_high[1])
            if item.get("nullable") is True and isinstance(types, (str, list)):
                listed = [types] if isinstance(types, str) else list(types)
                item["type"] = listed if "null" in listed else [*listed, "null"]
                if isinstance(item.get("enum"), list) and None not in item["enum"]:
                    item["enum"] = [*item["enum"], None]
            if item.get("nullable") is True and _COMPOSED.intersection(item):
                inner = {key: item.pop(key) for key in list(item) if key in _COMPOSED}
                item["anyOf"] = [inner, {"type": "null"}]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return node


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
