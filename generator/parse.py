"""Build the intermediate model (operations, resources, schema names) from a loaded document."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit

from specforge.document.errors import SpecforgeError, pointer_from_path
from specforge.document.keywords import HTTP_METHODS
from specforge.document.limits import Limits, phase
from specforge.document.schemas import (
    COMPONENT_PREFIX,
    bounds_of,
    enum_of,
    json_types,
    ref_name,
    repair_defaults,
    replacement_of,
)
from specforge.generator import detect, naming
from specforge.generator.ir import (
    Api,
    Auth,
    EventStream,
    Field,
    Operation,
    Pagination,
    Polling,
    RequestBody,
    Resource,
    Response,
    Server,
    Warning_,
)
from specforge.generator.models import TYPED_STRING_FORMATS
from specforge.generator.type_hints import TypeHints

PENDING_STATES = frozenset(
    {
        "queued",
        "pending",
        "in_progress",
        "running",
        "processing",
        "created",
        "starting",
        "scheduled",
        "submitted",
        "waiting",
        "validating",
        "uploading",
        "started",
        "initializing",
        "compressing",
        "in_queue",
        "cancel_requested",
        "cancelling",
        "finalizing",
    }
)
# Properties that hold a job's status, in the order they are looked for.
STATUS_FIELDS = ("status", "state")
# Status values that are neither on the way nor final (protobuf's zero value, for one).
UNKNOWN_STATES = frozenset({"unspecified", "unknown"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_ID_SUFFIX = re.compile(r"(?:_id|Id|ID)$")


def job_states(values: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A status enum's (pending, terminal) values.

    A value is pending when it names a state on the way (`PENDING_STATES`) or starts with a
    word in progress (`Running...`, `WaitingFor...`, `*_CREATING`), once the prefix every value
    shares (`TRAINING_STATUS_`) is set aside; `started` and `created` are final where `starting`
    and `creating` are listed too. `unspecified` and `unknown` are neither.
    """
    words = [[w.lower() for w in _WORD.findall(v)] or [v.lower()] for v in values]
    shared = 0
    while len(values) > 1 and all(len(w) > shared + 1 for w in words):
        if len({w[shared] for w in words}) != 1:
            break
        shared += 1
    keys = ["_".join(w[shared:]) for w in words]
    pending, terminal = [], []
    for value, key, rest in zip(values, keys, (w[shared:] for w in words), strict=True):
        if key in UNKNOWN_STATES:
            continue
        progressive = rest[0].endswith("ing") and len(rest[0]) > 4
        reached = key in ("started", "created") and f"{key[:-2]}ing" in keys
        if not reached and (key in PENDING_STATES or rest[0] in PENDING_STATES or progressive):
            pending.append(value)
        else:
            terminal.append(value)
    return tuple(pending), tuple(terminal)


# Names a resource may not take on a client, and a method may not take on a resource.
CLIENT_ATTRIBUTES = frozenset(
    {"close", "base_url", "with_options", "api_key", "timeout", "max_retries"}
)
_PARAM = re.compile(r"^\{.*\}$")
_VERSION = re.compile(r"^v\d+(\.\d+)?$")
# Trailing path segments that name an action rather than a collection (`/files/upload`).
ACTION_WORDS = frozenset(
    {
        "cancel",
        "upload",
        "download",
        "execute",
        "submit",
        "stop",
        "start",
        "restart",
        "estimate",
        "generate",
        "validate",
        "search",
        "query",
        "export",
        "import",
        "publish",
        "archive",
        "approve",
        "reject",
        "retry",
        "resume",
        "pause",
        "refresh",
        "reset",
        "run",
        "trigger",
        "invoke",
        "verify",
        "sync",
        "close",
        "open",
        "complete",
        "confirm",
        "send",
        "apply",
        "test",
        "preview",
        "count",
    }
)


def build_api(
    document: dict[str, Any],
    *,
    idempotency_header: str = "",
    limits: Limits | None = None,
    pagination: Mapping[str, Any] | None = None,
) -> Api:
    """The intermediate model of `document` (already normalised to 2020-12 schemas).

    `pagination` overrides detected pagination per operation (`[tool.specforge.pagination]`:
    keys `resource.method` or the operationId, values a table or false, see
    `detect.pagination_override`).
    """
    with phase("build", limits):
        return _Builder(document, idempotency_header, pagination).build()


def _split_url(url: str) -> SplitResult:
    """The parts of a server URL; one that cannot be parsed has no origin, only a path."""
    try:
        return urlsplit(url)
    except ValueError:
        return SplitResult("", "", "", "", "")


class _Builder:
    def __init__(
        self,
        document: dict[str, Any],
        idempotency_header: str,
        pagination: Mapping[str, Any] | None = None,
    ) -> None:
        # The caller's document stays as it is: defaults are repaired in a copy of the schemas.
        found = document.get("components")
        components = dict(found) if isinstance(found, dict) else {}
        schemas = components.get("schemas")
        components["schemas"] = copy.deepcopy(schemas) if isinstance(schemas, dict) else {}
        self.document = {**document, "components": components}
        document = self.document
        self.warnings: list[Warning_] = []
        self.idempotency_header = idempotency_header or str(
            document.get("x-idempotency-header", "")
        )
        self.components: dict[str, Any] = components["schemas"]
        self.classes: dict[str, str] = {}
        self._taken_classes: set[str] = set()
        self._base_classes = frozenset(naming.class_name(name) for name in self.components)
        for name in sorted(self.components):
            self.classes[name] = naming.unique_class(
                naming.class_name(name), self._taken_classes, self._base_classes
            )
        self.enums = {
            name
            for name, schema in self.components.items()
            if isinstance(schema, dict) and ("enum" in schema) and not schema.get("properties")
        }
        self.hints = TypeHints(document, self.classes, self.enums)
        self._operation_names: set[str] = set()
        self._pagination_overrides = dict(pagination or {})
        self._overridden: set[str] = set()  # the override keys that named an operation
        # Operation pointer -> (status, schema) of a `text/event-stream` success response.
        self._event_streams: dict[str, tuple[str, Any]] = {}
        for name in sorted(self.components):
            self._repair(self.components[name], pointer_from_path(["components", "schemas", name]))
        self._warn_unsupported()

    def _repair(self, schema: Any, pointer: str) -> None:
        """Fit defaults to their types (see `repair_defaults`), reporting each change."""
        resolve = lambda ref: self._deref({"$ref": ref})  # noqa: E731
        for where, message in repair_defaults(schema, pointer, resolve, TYPED_STRING_FORMATS):
            self.warnings.append(Warning_(where, message))

    def _warn_unsupported(self) -> None:
        """Report document-level constructs the client does not cover."""
        webhooks = self.document.get("webhooks")
        for name in sorted(webhooks) if isinstance(webhooks, dict) else ():
            self.warnings.append(
                Warning_(
                    pointer_from_path(["webhooks", name]),
                    "webhooks are received, not called; no method generated",
                )
            )

    # -- document level -------------------------------------------------------------------------
    def build(self) -> Api:
        info = self.document.get("info", {}) if isinstance(self.document.get("info"), dict) else {}
        document_server = self._server(self.document.get("servers"), None)
        operations = self._operations(document_server)
        resources = self._resources(operations)
        auth = self._security_scheme()
        return Api(
            title=str(info.get("title", "API")),
            version=str(info.get("version", "")),
            description=str(info.get("description", "")),
            default_origin=document_server.origin,
            operations=operations,
            resources=resources,
            schema_classes=dict(self.classes),
            secured_scheme=auth.legacy if auth else "",
            warnings=self.warnings,
            schemas=self.components,
            auth=auth,
        )

    def _security_scheme(self) -> Auth | None:
        """The scheme the client sends its key with: the first usable one, those the document's
        security requirements name coming before the others (sorted by name)."""
        schemes = self.document.get("components", {}).get("securitySchemes", {}) or {}
        if not isinstance(schemes, dict):
            return None
        named: list[Any] = []
        requirements = [self.document.get("security")]
        for item in (self.document.get("paths") or {}).values():
            for operation in item.values() if isinstance(item, dict) else ():
                if isinstance(operation, dict):
                    requirements.append(operation.get("security"))
        for requirement in requirements:
            for alternative in requirement if isinstance(requirement, list) else ():
                if isinstance(alternative, dict):
                    named += [n for n in alternative if n in schemes and n not in named]
        for name in [*named, *sorted((n for n in schemes if n not in named), key=str)]:
            scheme = schemes[name]
            if not isinstance(scheme, dict):
                continue
            kind, where = scheme.get("type"), scheme.get("in")
            http = str(scheme.get("scheme", "")).lower()
            if kind in ("oauth2", "openIdConnect") or (kind == "http" and http == "bearer"):
                return Auth("bearer", "Authorization", str(name))
            if kind == "http" and http == "basic":
                return Auth("basic", "Authorization", str(name))
            key_name = str(scheme.get("name") or ("Authorization" if where == "header" else ""))
            if kind == "apiKey" and where in ("header", "query", "cookie") and key_name:
                return Auth(where, key_name, str(name))
            detail = f" (scheme {http!r})" if kind == "http" else ""
            self.warnings.append(
                Warning_(
                    pointer_from_path(["components", "securitySchemes", name]),
                    f"security scheme type {kind!r}{detail} is not generated; send it with extra_headers",
                )
            )
        return None

    def _server(self, servers: Any, fallback: Server | None) -> Server:
        if isinstance(servers, list) and servers and isinstance(servers[0], dict):
            server = servers[0]
            url = str(server.get("url", "/"))
            for name, variable in (server.get("variables") or {}).items():
                if isinstance(variable, dict):
                    url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
            parts = _split_url(url)
            origin = (
                f"{parts.scheme}://{parts.netloc}"
                if parts.scheme in ("http", "https") and parts.netloc
                else ""
            )
            if not origin and fallback is not None:
                origin = fallback.origin
            return Server(url=url, origin=origin, base_path=parts.path.rstrip("/"))
        if fallback is not None:
            return fallback
        return Server(url="/", origin="", base_path="")

    # -- operations ----------------------------------------------------------------------------
    def _operations(self, document_server: Server) -> list[Operation]:
        paths = self.document.get("paths") or {}
        found: list[Operation] = []
        for path in sorted(paths):
            item = paths[path]
            if not isinstance(item, dict):
                continue
            if "$ref" in item:  # a path item elsewhere (3.1: `#/components/pathItems/...`)
                target = self._deref(item)
                if not isinstance(target, dict):
                    self.warnings.append(
                        Warning_(
                            pointer_from_path(["paths", path, "$ref"]),
                            "path item $ref cannot be resolved; operations skipped",
                        )
                    )
                    continue
                item = {**target, **{k: v for k, v in item.items() if k != "$ref"}}
            path_server = self._server(item.get("servers"), document_server)
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    found.append(self._operation(path, method, item, path_server))
        self._name_methods(found)
        found = [self._paged(op, paths) for op in found]
        unused = sorted(set(self._pagination_overrides) - self._overridden)
        if unused:
            raise SpecforgeError(
                f"[tool.specforge.pagination] names no operation: {', '.join(unused)} "
                "(use resource.method, e.g. projects.list, or the operationId)"
            )
        return sorted(found, key=lambda op: (op.resource, op.method_name))

    def _operation(
        self, path: str, method: str, item: dict[str, Any], path_server: Server
    ) -> Operation:
        raw = item[method]
        pointer = pointer_from_path(["paths", path, method])
        server = self._server(raw.get("servers"), path_server)
        operation_id = str(raw.get("operationId") or "")
        python_id = naming.unique(
            naming.snake(operation_id or f"{method}_{path}"), self._operation_names
        )
        parameters = self._parameters(item.get("parameters"), raw.get("parameters"), pointer)
        body = self._body(
            raw.get("requestBody"), pointer, python_id, {p.python_name for p in parameters}
        )
        responses = self._responses(raw.get("responses") or {}, pointer, python_id)
        success = next((r for r in responses if r.status.startswith("2")), None)
        if success is None:  # only a `default` response: it describes success too
            success = next((r for r in responses if r.status == "default"), None)
        stream = self._event_stream(pointer, python_id, success, body)
        if raw.get("callbacks"):
            self.warnings.append(Warning_(f"{pointer}/callbacks", "callbacks are not generated"))
        security = raw.get("security", self.document.get("security"))
        secured = bool(security) and not any(req == {} for req in security if isinstance(req, dict))
        header = self.idempotency_header
        if not header:
            header = next(
                (
                    p.name
                    for p in parameters
                    if p.location == "header"
                    and p.name.lower() in ("idempotency-key", "x-idempotency-key")
                ),
                "",
            )
        return Operation(
            pointer=pointer,
            operation_id=python_id,
            method=method.upper(),
            path=path,
            server=server,
            full_path=server.base_path + path,
            resource=(),
            method_name="",
            summary=str(raw.get("summary", "")),
            description=str(raw.get("description", "")),
            deprecated=bool(raw.get("deprecated", False)),
            tags=tuple(str(tag) for tag in raw.get("tags", []) or []),
            secured=secured,
            parameters=parameters,
            body=body,
            responses=responses,
            success=success,
            idempotency_header=header if method == "post" else "",
            stream=stream,
        )

    def _deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            ref = str(node["$ref"])
            target: Any = self.document
            for token in ref.lstrip("#/").split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                target = target.get(token) if isinstance(target, dict) else None
            node, seen = target, seen + 1
        return node

    def _parameters(self, shared: Any, own: Any, pointer: str) -> tuple[Field, ...]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for key, group in (("", shared or []), (pointer.rsplit("/", 1)[-1], own or [])):
            for index, raw in enumerate(group):
                parameter = self._deref(raw)
                if isinstance(parameter, dict) and "name" in parameter and "in" in parameter:
                    merged[(str(parameter["in"]), str(parameter["name"]))] = parameter
                else:
                    where = pointer.rsplit("/", 1)[0] if not key else pointer
                    self.warnings.append(
                        Warning_(
                            f"{where}/parameters/{index}",
                            "parameter without name and in (or unresolvable); skipped",
                        )
                    )
        taken: set[str] = set()
        fields: list[Field] = []
        for (location, name), parameter in merged.items():
            if location not in ("path", "query", "header", "cookie"):
                self.warnings.append(
                    Warning_(pointer, f"parameter {name!r} in {location!r} is not generated")
                )
                continue
            schema = parameter.get("schema")
            if not isinstance(schema, dict):
                content = parameter.get("content") or {}
                schema = (
                    next((m.get("schema") for m in content.values() if isinstance(m, dict)), {})
                    or {}
                )
            fields.append(
                self._field(
                    name,
                    location,
                    schema,
                    taken,
                    required=bool(parameter.get("required")) or location == "path",
                    description=str(parameter.get("description", "")),
                    deprecated=bool(parameter.get("deprecated")),
                    style=str(parameter.get("style", "")),
                    explode=parameter.get("explode"),
                )
            )
        return tuple(fields)

    def _field(
        self,
        name: str,
        location: str,
        schema: dict[str, Any],
        taken: set[str],
        *,
        required: bool,
        description: str = "",
        deprecated: bool = False,
        style: str = "",
        explode: Any = None,
    ) -> Field:
        resolved = self._deref(schema) if isinstance(schema, dict) else {}
        resolved = resolved if isinstance(resolved, dict) else {}
        description = description or str(
            schema.get("description", "") or resolved.get("description", "")
        )
        deprecated = deprecated or bool(schema.get("deprecated") or resolved.get("deprecated"))
        default_style = "form" if location in ("query", "cookie") else "simple"
        return Field(
            name=name,
            python_name=naming.unique(naming.snake(name), taken),
            location=location,
            required=required,
            type_hint=self.hints.hint(schema),
            schema=schema,
            description=description,
            deprecated=deprecated,
            replaced_by=(
                replacement_of({**resolved, **schema, "description": description})
                if deprecated
                else ""
            ),
            style=style or default_style,
            explode=bool(explode) if explode is not None else (style or default_style) == "form",
            enum=enum_of(resolved),
            bounds=bounds_of(resolved),
        )

    def _synthetic(self, schema: dict[str, Any], name: str, origin: str) -> str:
        """Register a copy of an inline schema (found at `origin`) as a component; its name."""
        schema = copy.deepcopy(schema)
        self._repair(schema, origin)
        base = naming.pascal(name)
        component = base
        counter = 2
        while component in self.components:
            component = f"{base}{counter}"
            counter += 1
        self.components[component] = schema
        self.classes[component] = naming.unique_class(
            naming.class_name(component), self._taken_classes, self._base_classes
        )
        return component

    def _model_for(self, schema: Any, name: str, origin: str) -> tuple[str, str]:
        """(component pointer, class name) for a request/response schema; inline ones registered."""
        if not isinstance(schema, dict) or not schema:
            return "", ""
        component = (
            ref_name(str(schema.get("$ref", ""))) if set(schema) <= {"$ref", "description"} else ""
        )
        if not component:
            component = self._synthetic(schema, name, origin)
        return COMPONENT_PREFIX + component, self.classes.get(component, "")

    def _body(
        self, raw: Any, pointer: str, python_id: str, taken_names: set[str]
    ) -> RequestBody | None:
        body = self._deref(raw)
        if not isinstance(body, dict):
            return None
        content = body.get("content") or {}
        if not content:
            return None
        content_type = self._media_type(content, f"{pointer}/requestBody/content")
        media = content[content_type] if isinstance(content[content_type], dict) else {}
        schema = media.get("schema") or {}
        origin = pointer_from_path(
            [*_tokens(pointer), "requestBody", "content", content_type, "schema"]
        )
        schema_pointer, model = self._model_for(schema, f"{python_id}_request", origin)
        resolved = self._deref(schema) if isinstance(schema, dict) else {}
        properties = resolved.get("properties") if isinstance(resolved, dict) else None
        exploded = (
            isinstance(properties, dict)
            and bool(properties)
            and "object" in (json_types(resolved) or ["object"])
            and not resolved.get("oneOf")
            and not resolved.get("anyOf")
        )
        fields: list[Field] = []
        if exploded and isinstance(properties, dict):
            required = set(resolved.get("required") or [])
            taken = set(taken_names)
            for name in properties:
                prop = properties[name] if isinstance(properties[name], dict) else {}
                fields.append(
                    self._field(str(name), "body", prop, taken, required=name in required)
                )
        hint = self.hints.hint(schema)
        if "octet-stream" in content_type or (
            content_type.startswith(("image/", "audio/", "video/"))
        ):
            hint = "bytes"
        return RequestBody(
            content_type=content_type,
            schema_pointer=schema_pointer,
            required=bool(body.get("required")),
            model=model,
            properties=tuple(fields),
            exploded=exploded,
            type_hint=hint,
        )

    def _media_type(self, content: dict[str, Any], pointer: str) -> str:
        """The media type generated for a body (JSON first); the others are reported."""
        chosen = next((t for t in content if "json" in t), next(iter(sorted(content))))
        others = sorted(t for t in content if t != chosen)
        if others:
            hint = (
                "read them from with_raw_response"
                if "/responses/" in pointer
                else "send them with extra_headers"
            )
            self.warnings.append(
                Warning_(
                    pointer,
                    f"several media types; {chosen} is typed, {', '.join(others)} not ({hint})",
                )
            )
        return chosen

    def _responses(
        self, responses: dict[Any, Any], pointer: str, python_id: str
    ) -> tuple[Response, ...]:
        found: list[Response] = []
        by_status = {str(code): value for code, value in responses.items()}
        for status in sorted(by_status):
            response = self._deref(by_status[status])
            if not isinstance(response, dict):
                continue
            content = response.get("content") or {}
            if not content:
                found.append(Response(status, "", "", "", "empty"))
                continue
            where = [*_tokens(pointer), "responses", status, "content"]
            streamed = next((t for t in content if detect.is_event_stream(str(t))), None)
            if streamed is not None and status.startswith("2"):
                media = content[streamed] if isinstance(content[streamed], dict) else {}
                self._event_streams[pointer] = (status, media.get("schema"))
                if len(content) > 1:  # the other media type is the response; the stream aside
                    content = {t: m for t, m in content.items() if t != streamed}
            content_type = self._media_type(content, pointer_from_path(where))
            media = content[content_type] if isinstance(content[content_type], dict) else {}
            schema = media.get("schema")
            if "json" in content_type:
                suffix = "response" if status.startswith("2") else f"error_{status}"
                origin = pointer_from_path([*where, content_type, "schema"])
                schema_pointer, model = self._model_for(schema, f"{python_id}_{suffix}", origin)
                found.append(Response(status, content_type, schema_pointer, model, "json"))
            elif content_type.startswith("text/"):
                found.append(Response(status, content_type, "", "", "text"))
            else:
                found.append(Response(status, content_type, "", "", "binary"))
        return tuple(found)

    # -- streams and pages ---------------------------------------------------------------------
    def _event_stream(
        self, pointer: str, python_id: str, success: Response | None, body: RequestBody | None
    ) -> EventStream | None:
        """The operation's event stream: always (the success response is only a stream), or
        when a boolean `stream` body property asks for it; else the stream is reported."""
        found = self._event_streams.get(pointer)
        if found is None or success is None or success.status != found[0]:
            return None
        status, schema = found
        always = detect.is_event_stream(success.content_type)
        selector = None
        if not always:
            fields = body.properties if body and body.exploded else ()
            selector = detect.stream_selector(fields, self._deref)
            if selector is None:
                where = pointer_from_path([*_tokens(pointer), "responses", status, "content"])
                self.warnings.append(
                    Warning_(
                        where,
                        f"several media types; {success.content_type} is typed, "
                        f"{detect.EVENT_STREAM} not (no boolean `stream` body property asks "
                        "for it; read it from with_raw_response)",
                    )
                )
                return None
        chunk = detect.chunk_schema(schema, self._deref) if isinstance(schema, dict) else {}
        if detect.plain_text(chunk, self._deref):
            chunk_pointer, model, hint = "", "", "str"
        else:
            origin = pointer_from_path(
                [*_tokens(pointer), "responses", status, "content", detect.EVENT_STREAM, "schema"]
            )
            chunk_pointer, model = self._model_for(chunk, f"{python_id}_chunk", origin)
            hint = model or "Any"
        return EventStream(
            chunk_pointer=chunk_pointer,
            chunk_model=model,
            chunk_hint=hint,
            selector=selector.name if selector else "",
            selector_python=selector.python_name if selector else "",
        )

    def _item_class(self, schema: Any) -> str:
        """The class of a list's items when they are a named schema, else ""."""
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            return self.classes.get(ref_name(schema["$ref"]), "")
        return ""

    def _paged(self, op: Operation, paths: Any) -> Operation:
        """`op` with its pagination: detected (GET operations with a JSON body), or overridden."""
        key = ".".join((*op.resource, op.method_name))
        raw_id = ""
        item = self._deref(paths.get(op.path)) if isinstance(paths, dict) else None
        raw = item.get(op.method.lower()) if isinstance(item, dict) else None
        if isinstance(raw, dict):
            raw_id = str(raw.get("operationId") or "")
        override_key = next(
            (k for k in (key, raw_id, op.operation_id) if k and k in self._pagination_overrides),
            "",
        )
        if override_key:
            self._overridden.add(override_key)
        if op.success is None or op.success.kind != "json" or not op.success.schema_pointer:
            if override_key:
                raise SpecforgeError(
                    f"[tool.specforge.pagination] {override_key}: the operation has no JSON "
                    "success body to page through"
                )
            return op
        schema = {"$ref": op.success.schema_pointer}
        detected = None
        if op.method == "GET":
            detected = detect.detect_pagination(
                op.parameters, schema, self._deref, self._item_class, self._links(raw, op)
            )
        found: Pagination | None = detected
        if override_key:
            listed = detect.ResponseBody(schema, self._deref).items()
            found = detect.pagination_override(
                self._pagination_overrides[override_key],
                f"[tool.specforge.pagination] {override_key}",
                self._item_class(listed[1]) if listed else "",
                listed[0] if listed else ("data",),
            )
        return _replace(op, pagination=found) if found else op

    def _links(self, raw: Any, op: Operation) -> bool:
        """Whether the success response documents a `Link` header."""
        if not isinstance(raw, dict) or op.success is None:
            return False
        responses = raw.get("responses")
        response = (
            self._deref(responses.get(op.success.status)) if isinstance(responses, dict) else None
        )
        headers = response.get("headers") if isinstance(response, dict) else None
        return isinstance(headers, dict) and any(str(h).lower() == "link" for h in headers)

    # -- resources and method names ------------------------------------------------------------
    def _name_methods(self, operations: list[Operation]) -> None:
        names: dict[tuple[str, ...], set[str]] = {}
        paths = [(op.path, op.method) for op in operations]
        layout = _Layout(
            paths,
            {_statics(op.path) for op in operations if op.method == "GET" and _is_item(op.path)},
        )
        for index, op in enumerate(operations):
            resource, method_name = self._place(op, layout)
            # `client.timeout` is the client's own: such a resource is `client.timeout_`, and
            # the operation's name says so too.
            resource = tuple(p if p not in CLIENT_ATTRIBUTES else p + "_" for p in resource)
            taken = names.setdefault(resource, set())
            if method_name in taken:
                method_name = (
                    op.operation_id
                    if op.operation_id not in taken
                    else f"{op.method.lower()}_{method_name}"
                )
            method_name = naming.unique(method_name, taken)
            operations[index] = _replace(op, resource=resource, method_name=method_name)
        # A method must not hide a sub-resource of the same name.
        for index, op in enumerate(operations):
            children = {
                r[len(op.resource)]
                for r in names
                if len(r) > len(op.resource) and r[: len(op.resource)] == op.resource
            }
            if op.method_name in children:
                taken = names[op.resource]
                operations[index] = _replace(
                    op, method_name=naming.unique(op.method_name + "_", taken)
                )

    def _place(self, op: Operation, layout: _Layout) -> tuple[tuple[str, ...], str]:
        """(resource path, method name) for an operation, from its path and method.

        `/videos` POST is `videos.create`, `/videos/{id}` GET `videos.retrieve`, a segment after
        the last parameter an action on the resource (`/files/{id}/content` GET is
        `files.retrieve_content`), and so is a single trailing static segment that is no
        collection (`/files/upload` POST is `files.upload`).
        """
        segments = [s for s in op.path.split("/") if s]
        while len(segments) > 1 and _VERSION.match(segments[0]):
            segments = segments[1:]  # `/v1/pets` names like `/pets` under a `/v1` server
        statics = [naming.snake(s) for s in segments if not _PARAM.match(s)]
        last_param = max((i for i, s in enumerate(segments) if _PARAM.match(s)), default=-1)
        trailing = [naming.snake(s) for s in segments[last_param + 1 :]] if last_param >= 0 else []
        listy = self._returns_list(op)
        method = op.method.lower()
        if not statics:
            return ("root",), naming.snake(op.operation_id or method)
        if trailing and len(trailing) == 1 and len(statics) > 1:
            return tuple(statics[:-1]), _action_name(method, trailing[0], listy)
        if (
            last_param < 0
            and len(statics) > 1
            and layout.is_leaf(op.path)
            and not _plural(statics[-1])
        ):
            return tuple(statics[:-1]), _action_name(method, statics[-1], listy)
        resource = tuple(statics)
        item = last_param >= 0 and not trailing
        if method == "get":
            verb = (
                "retrieve"
                if item
                else ("list" if listy or resource in layout.item_resources else "retrieve")
            )
        elif method == "post":
            verb = "update" if item else "create"
        elif method == "put" and "PATCH" in layout.methods.get(op.path, set()):
            verb = "replace"  # PATCH on the same path is `update`
        else:
            verb = {"put": "update", "patch": "update", "delete": "delete"}.get(method, method)
        return resource, verb

    def _returns_list(self, op: Operation) -> bool:
        if op.success is None or not op.success.schema_pointer:
            return False
        schema = self._deref({"$ref": op.success.schema_pointer})
        if not isinstance(schema, dict):
            return False
        if "array" in json_types(schema):
            return True
        data = (schema.get("properties") or {}).get("data")
        return isinstance(data, dict) and "array" in json_types(self._deref(data) or {})

    def _resources(self, operations: list[Operation]) -> dict[str, Resource]:
        roots: dict[str, Resource] = {}
        for op in operations:
            path = op.resource
            node = roots.setdefault(path[0], Resource(path=(path[0],)))
            for depth in range(1, len(path)):
                node = node.children.setdefault(path[depth], Resource(path=path[: depth + 1]))
            node.operations.append(op)
        for root in roots.values():
            for resource in root.walk():
                resource.polling = self._polling(resource)
        return roots

    def _properties(self, pointer: str) -> tuple[dict[str, Any], set[str]]:
        """The (resolved) properties of the object schema at `pointer`, and the required ones."""
        schema = self._deref({"$ref": pointer}) if pointer else None
        if not isinstance(schema, dict):
            return {}, set()
        found = schema.get("properties")
        properties = {
            str(name): self._deref(value)
            for name, value in (found.items() if isinstance(found, dict) else ())
        }
        required = schema.get("required")
        return properties, set(required) if isinstance(required, list) else set()

    def _polling(self, resource: Resource) -> Polling | None:
        """`poll` for a resource whose `retrieve` answers with a status enum that has pending
        and terminal values; `create_and_poll` too when `create` names the new job's id."""
        by_name = {op.method_name: op for op in resource.operations}
        retrieve = by_name.get("retrieve")
        if (
            retrieve is None
            or {"poll", "create_and_poll"} & set(by_name)
            or retrieve.method != "GET"
            or not retrieve.path_fields
            or retrieve.success is None
            or retrieve.success.kind != "json"
            or not retrieve.success.model
            or retrieve.stream is not None
            or any(f.required for f in retrieve.keyword_fields)
        ):
            return None
        properties, _ = self._properties(retrieve.success.schema_pointer)
        for status in STATUS_FIELDS:
            schema = properties.get(status)
            values = (
                [v for v in enum_of(schema) if isinstance(v, str)]
                if isinstance(schema, dict)
                else []
            )
            pending, terminal = job_states(values)
            if pending and terminal:
                break
        else:
            return None
        create = by_name.get("create")
        id_path = self._created_id(create, retrieve) if create is not None else ()
        return Polling(
            retrieve="retrieve",
            model=retrieve.success.model,
            status=status,
            terminal=terminal,
            pending=pending,
            create="create" if id_path else "",
            id_path=id_path,
        )

    def _created_id(self, create: Operation, retrieve: Operation) -> tuple[str, ...]:
        """Where a create answer holds the id the retrieve takes last (`()`: nowhere found).

        The create takes the retrieve's other path parameters (and may answer with a stream
        when an optional flag asks for one: `create_and_poll` leaves it out); its answer has the
        id as the retrieve's parameter name, as `id`, inside a wrapper object (`job.id`), or as
        its only `*_id` property.
        """
        *parents, last = retrieve.path_fields
        selector = next(
            (
                f
                for f in create.keyword_fields
                if create.stream and f.name == create.stream.selector
            ),
            None,
        )
        if (
            create.success is None
            or create.success.kind != "json"
            or (create.stream is not None and (selector is None or selector.required))
            or last.type_hint != "str"
            or [f.name for f in create.path_fields] != [f.name for f in parents]
        ):
            return ()
        properties, _ = self._properties(create.success.schema_pointer)

        def text(schema: Any) -> bool:
            return isinstance(schema, dict) and "string" in json_types(schema)

        for name in (last.name, "id"):
            if text(properties.get(name)):
                return (name,)
        for name, schema in properties.items():
            inner = schema.get("properties") if isinstance(schema, dict) else None
            if isinstance(inner, dict) and text(self._deref(inner.get("id"))):
                return (name, "id")
        ids = [
            name for name, schema in properties.items() if _ID_SUFFIX.search(name) and text(schema)
        ]
        return (ids[0],) if len(ids) == 1 else ()


class _Layout:
    """Which paths are leaves (one path, nothing below) and which resources have items."""

    def __init__(self, paths: list[tuple[str, str]], item_resources: set[tuple[str, ...]]) -> None:
        self.counts: dict[str, int] = {}
        self.methods: dict[str, set[str]] = {}
        for path, method in paths:
            self.counts[path] = self.counts.get(path, 0) + 1
            self.methods.setdefault(path, set()).add(method)
        self.item_resources = item_resources

    def is_leaf(self, path: str) -> bool:
        """One operation at `path` and no path below it."""
        prefix = path.rstrip("/") + "/"
        return self.counts.get(path) == 1 and not any(
            other.startswith(prefix) for other in self.counts
        )


def _statics(path: str) -> tuple[str, ...]:
    return tuple(naming.snake(s) for s in path.split("/") if s and not _PARAM.match(s))


def _is_item(path: str) -> bool:
    """Whether the path ends in a parameter (`/videos/{id}`)."""
    segments = [s for s in path.split("/") if s]
    return bool(segments) and bool(_PARAM.match(segments[-1]))


def _plural(name: str) -> bool:
    """Whether a snake_case segment reads as a collection (`completions`, `availability_zones`)."""
    last = name.rsplit("_", 1)[-1]
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


def _action_name(method: str, segment: str, listy: bool) -> str:
    """A method name for a trailing segment: the action itself (`cancel`), else verb plus noun."""
    if segment.split("_", 1)[0] in ACTION_WORDS:
        return segment
    verb = {
        "get": "list" if listy else "retrieve",
        "post": "create",
        "delete": "delete",
        "put": "update",
        "patch": "update",
    }.get(method, method)
    return f"{verb}_{segment}"


def _tokens(pointer: str) -> list[str]:
    """The unescaped reference tokens of a JSON pointer."""
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _replace(op: Operation, **changes: Any) -> Operation:
    from dataclasses import replace

    return replace(op, **changes)
