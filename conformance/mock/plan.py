"""Per-operation plans compiled once at start-up, so the request path walks no spec."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from specforge.conformance.auth import Credential
from specforge.conformance.checks import (
    PLAUSIBLE_SECONDS,
    SAMPLE_SECONDS,
    UNIT_SECONDS,
    time_unit,
)
from specforge.conformance.mock.forms import is_xml
from specforge.conformance.mock.paging import counted, last_cursor_page
from specforge.conformance.mock.sse import StreamPlan, stream_plan
from specforge.conformance.model import (
    Param,
    SpecModel,
    completed_value,
    completion_fields,
    success_state,
)
from specforge.conformance.patterns import pattern_value
from specforge.generator.ir import Operation, Poller, Response

_TEMPLATE_PARAM = re.compile(r"\{([^{}/]+)\}")
_ERROR_NAMES = re.compile(r"error", re.IGNORECASE)
_FINISHED_AT = re.compile(r"(completed|finished|ended|done)_at$", re.IGNORECASE)


@dataclass
class ParamPlan:
    """A parameter with its compiled validator and the JSON type to coerce strings into."""

    name: str
    location: str
    required: bool
    validator: Any
    kinds: tuple[str, ...]


@dataclass
class FieldRule:
    """A top-level body property's enum, bounds and JSON types (used by some fault switches)."""

    name: str
    enum: tuple[Any, ...]
    bounds: dict[str, Any]
    kinds: tuple[str, ...] = ()
    required: bool = False


@dataclass
class JobPlan:
    """How a create or retrieve operation of a job resource answers."""

    role: str  # "create" or "retrieve"
    poller: Poller
    pending_state: str
    done_state: str
    pending: dict[str, Any]
    done: dict[str, Any]
    id_prefix: str
    key: str  # resource key shared by the create and retrieve plans
    id_param: str = ""
    # where this operation's answer holds the job's id and status (`()`: it does not)
    id_path: tuple[str, ...] = ()
    status_path: tuple[str, ...] = ()
    id_pattern: str = ""  # the `pattern` of the created id (ids are shaped to it)
    id_uuid: bool = False  # the created id is a `format: uuid` string


@dataclass
class OperationPlan:
    """Everything the mock needs to answer one operation."""

    op: Operation
    security: list[list[Credential]] | None  # credential alternatives; None: no auth
    params: list[ParamPlan]
    body_media: str
    body_json: bool
    body_required: bool
    body_validator: Any
    deprecated: list[tuple[str, tuple[str, ...]]]
    rules: list[FieldRule]
    status: int
    content_type: str
    kind: str
    template: Any
    encoded: bytes
    echo: list[str]
    response_required: list[str]
    response_typed: list[tuple[str, str]]
    response_enums: list[str]
    response_times: list[tuple[str, str]] = field(default_factory=list)  # (name, unit)
    id_field: str = ""
    id_pattern: str = ""  # the `pattern` of the response's id (ids are shaped to it)
    errors: dict[int, tuple[Any, str, Any]] = field(
        default_factory=dict
    )  # status (0: default) -> body
    job: JobPlan | None = None
    pattern: re.Pattern[str] | None = None
    path_names: list[str] = field(default_factory=list)
    form_binary: frozenset[str] = frozenset()  # body properties of binary content (file parts)
    preferred: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # status -> answer
    stream: StreamPlan | None = None  # its server-sent events, when it streams
    # the headers its documented success response declares, with values their schemas accept
    headers: list[tuple[str, str]] = field(default_factory=list)
    # the other request content types it documents (XML beside JSON...): taken, and those of
    # them that are XML with the same schema read as flat XML and validated (`xml_fields`)
    other_media: frozenset[str] = frozenset()
    xml_media: frozenset[str] = frozenset()


def compile_plans(model: SpecModel) -> list[OperationPlan]:
    """A plan for every operation of the spec."""
    jobs = _job_plans(model)
    return [_plan(model, op, jobs.get(op.operation_id)) for op in model.api.operations]


def _plan(model: SpecModel, op: Operation, job: JobPlan | None) -> OperationPlan:
    params = [_param_plan(model, p) for p in model.params(op)]
    body_pointer = model.body_pointer(op)
    success = op.success or next((r for r in op.responses if r.status[:1] == "3"), None)
    status = int(success.status) if success and success.status.isdigit() else 200
    if success is None and any(r.status.startswith("1") for r in op.responses):
        status = 426  # a protocol switch (e.g. a WebSocket) that plain HTTP cannot answer
    schema = model.schema_at(success.schema_pointer) if success and success.schema_pointer else {}
    template: Any = None
    kind = success.kind if success else "empty"
    if success and kind == "json":
        template = _response_example(model, op, success)
    body_props = {f.name for f in op.body.properties} if op.body else set()
    properties = schema.get("properties") or {}
    echo = [name for name in properties if name in body_props and name != "id"]
    required = [str(name) for name in schema.get("required") or [] if name in properties]
    typed = [(str(name), _first_type(model.resolve(prop))) for name, prop in properties.items()]
    enums = [str(name) for name, prop in properties.items() if "enum" in model.resolve(prop)]
    times = [
        (str(name), unit)
        for name, prop in properties.items()
        if (unit := time_unit(str(name), model.resolve(prop)))
    ]
    template = plausible_times(fit_patterns(model, schema, template), times)
    if op.pagination and success and success.schema_pointer and kind == "json":
        validator = model.validator(success.schema_pointer.lstrip("#"))
        template = last_cursor_page(op.pagination, template, validator.is_valid)
        template = counted(op.pagination, template, validator.is_valid)
    encoded = _encode(kind, template)
    pattern = None
    names: list[str] = []
    if "{" in op.full_path:
        names = _TEMPLATE_PARAM.findall(op.full_path)
        pieces = _TEMPLATE_PARAM.split(op.full_path)[::2]
        pattern = re.compile("^" + "([^/]+)".join(re.escape(piece) for piece in pieces) + "$")
    other_media = _other_media(model, op)
    return OperationPlan(
        op=op,
        security=model.security(op),
        params=params,
        body_media=op.body.content_type if op.body else "",
        other_media=frozenset(other_media),
        xml_media=frozenset(media for media, same in other_media.items() if same and is_xml(media)),
        body_json=bool(op.body and "json" in op.body.content_type),
        body_required=bool(op.body and op.body.required),
        body_validator=model.request_validator(body_pointer) if body_pointer else None,
        deprecated=[
            (f.name, tuple(f.replaced_by.split(".")))
            for f in (op.body.properties if op.body else ())
            if f.deprecated
        ],
        rules=[
            FieldRule(
                f.name, f.enum, dict(f.bounds), tuple(_kinds(model.resolve(f.schema))), f.required
            )
            for f in (op.body.properties if op.body else ())
        ],
        status=status,
        content_type=success.content_type if success else "",
        kind=kind,
        template=template,
        encoded=encoded,
        echo=echo,
        response_required=required,
        response_typed=[(n, t) for n, t in typed if t],
        response_enums=enums,
        response_times=times,
        id_field="id"
        if op.body and _first_type(model.resolve(properties.get("id"))) == "string"
        else "",
        id_pattern=str(model.resolve(properties.get("id") or {}).get("pattern", "")),
        errors=_error_templates(model, op),
        job=job,
        pattern=pattern,
        path_names=names,
        preferred=_preferred(model, op),
        form_binary=frozenset(
            f.name
            for f in (op.body.properties if op.body else ())
            if _binary(model.resolve(f.schema))
        ),
        stream=stream_plan(model, op),
        headers=response_headers(model, op, status),
    )


# Headers the transport sets itself: a spec that documents them gets the transport's values.
_TRANSPORT_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding", "date"})


def response_headers(model: SpecModel, op: Operation, status: int) -> list[tuple[str, str]]:
    """The documented headers of `op`'s `status` answer, each with its example or a value built
    from its schema (what the spec lets a client rely on, `required` or not)."""
    response = model.resolve(model.schema_at(f"{op.pointer}/responses/{status}"))
    headers = response.get("headers") if isinstance(response, dict) else None
    found: list[tuple[str, str]] = []
    for name, header in (headers or {}).items() if isinstance(headers, dict) else ():
        header = model.resolve(header)
        if not isinstance(header, dict) or str(name).lower() in _TRANSPORT_HEADERS:
            continue
        schema = model.resolve(header.get("schema") or {"type": "string"})
        value = header.get("example", schema.get("example") if isinstance(schema, dict) else None)
        if value is None or not model.accepts(schema, value):
            value = model.example_for(schema)
        text = _header_text(value)
        if text is not None:
            found.append((str(name), text))
    return found


def _header_text(value: Any) -> str | None:
    """A header's value as it travels (simple style), or None for one that cannot travel."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        text = str(value)
    elif isinstance(value, list) and all(isinstance(v, int | float | str) for v in value):
        text = ",".join(str(v) for v in value)
    else:
        return None
    return text if text.isprintable() and "\r" not in text and "\n" not in text else None


def _binary(schema: Any) -> bool:
    """Whether a property holds file content (`format: binary`/`byte`, or a content media type)."""
    if not isinstance(schema, dict):
        return False
    return schema.get("format") in ("binary", "byte") or "contentMediaType" in schema


def _error_templates(model: SpecModel, op: Operation) -> dict[int, tuple[Any, str, Any]]:
    """Documented JSON error responses: (example body, content type, validator) by status."""
    found: dict[int, tuple[Any, str, Any]] = {}
    for response in op.responses:
        if response.kind != "json" or not response.schema_pointer:
            continue
        numeric = response.status.isdigit() and response.status[:1] in ("4", "5")
        if not numeric and response.status != "default":
            continue
        status = int(response.status) if numeric else 0
        pointer = response.schema_pointer.lstrip("#")
        found[status] = (
            model.response_example(pointer),
            response.content_type,
            model.validator(pointer),
        )
    return found


def _other_media(model: SpecModel, op: Operation) -> dict[str, bool]:
    """The request body's documented content types besides the one the plan validates, each
    with whether its schema is the same as that one's."""
    if op.body is None:
        return {}
    body = model.resolve(model.schema_at(f"{op.pointer}/requestBody"))
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict):
        return {}
    chosen = op.body.content_type.lower()
    schemas = {
        str(media).lower(): item.get("schema") if isinstance(item, dict) else None
        for media, item in content.items()
    }
    return {media: schemas[media] == schemas.get(chosen) for media in schemas if media != chosen}


def _response_example(model: SpecModel, op: Operation, response: Response) -> Any:
    """The spec's example for the response if it validates, else one built from the schema."""
    pointer, status, content_type = response.schema_pointer, response.status, response.content_type
    media_pointer = f"{op.pointer}/responses/{status}/content/{content_type.replace('/', '~1')}"
    try:
        media = model.schema_at(media_pointer)
    except KeyError:  # pragma: no cover - schema_at never raises
        media = {}
    candidates: list[Any] = []
    if "example" in media:
        candidates.append(media["example"])
    for example in (media.get("examples") or {}).values():
        example = model.resolve(example)
        if isinstance(example, dict) and "value" in example:
            candidates.append(example["value"])
    validator = model.validator(pointer.lstrip("#")) if pointer else None
    for candidate in candidates:
        if validator is None or validator.is_valid(candidate):
            return candidate
    return model.response_example(pointer) if pointer else {}


def _preferred(model: SpecModel, op: Operation) -> dict[str, tuple[bytes, str]]:
    """Each documented numeric status's answer (its example, or one built from its schema), for
    `Prefer: code=<status>`."""
    found: dict[str, tuple[bytes, str]] = {}
    for response in op.responses:
        if not response.status.isdigit() or response.status.startswith("1"):
            continue
        if response.kind == "json" and response.schema_pointer:
            body = fit_patterns(
                model,
                model.schema_at(response.schema_pointer),
                _response_example(model, op, response),
            )
            found[response.status] = (
                _encode("json", body),
                response.content_type or "application/json",
            )
        elif response.kind == "empty" or not response.content_type:
            found[response.status] = (b"", "")
    return found


def _param_plan(model: SpecModel, param: Param) -> ParamPlan:
    from specforge.document.schemas import json_types

    kinds = tuple(json_types(param.schema))
    validator = model.request_validator(param.schema_pointer) if param.schema_pointer else None
    return ParamPlan(param.name, param.location, param.required, validator, kinds)


def _kinds(schema: Any) -> list[str]:
    from specforge.document.schemas import json_types

    return json_types(schema) if isinstance(schema, dict) else []


def plausible_times(body: Any, times: list[tuple[str, str]]) -> Any:
    """`body` with Unix-time properties that hold no plausible instant set to 2024-01-01."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    for name, unit in times:
        value = body.get(name)
        if (
            unit in ("s", "ms")
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and not PLAUSIBLE_SECONDS[0] < value / UNIT_SECONDS[unit] < PLAUSIBLE_SECONDS[1]
        ):
            body[name] = type(value)(SAMPLE_SECONDS * UNIT_SECONDS[unit])
    return body


_SIMPLE_PATTERN = re.compile(
    r"\^((?:[A-Za-z0-9_:/.-]|\\.)*)\[([^\]\\^]+)\](\{(\d+)(?:,(\d*))?\}|\+|\*)?\$"
)


def shaped(seed: str, pattern: str) -> str:
    """`seed` (hex digits) as a string matching `pattern`: varied by the seed when the pattern
    is a literal prefix and one character class (`^prj_[a-z0-9]{8}$`), else the simplest string
    it matches; `seed` itself when neither is found."""
    if not pattern or re.search(pattern, seed):
        return seed
    match = _SIMPLE_PATTERN.fullmatch(pattern)
    if match is None:  # the simplest string the pattern matches (the same for every seed)
        return pattern_value(pattern) or seed
    prefix = re.sub(r"\\(.)", r"\1", match.group(1))
    chars = "".join(
        "".join(chr(c) for c in range(ord(a), ord(b) + 1)) if b else a
        for a, b in re.findall(r"(.)(?:-(.))?", match.group(2))
    )
    count = int(match.group(4)) if match.group(4) else 8 if match.group(3) else 1
    digits = (seed * (count // max(len(seed), 1) + 1))[:count]
    value = prefix + "".join(chars[int(d, 16) % len(chars)] for d in digits)
    return value if re.search(pattern, value) else seed


def fit_patterns(model: SpecModel, schema: Any, value: Any, pointer: str = "") -> Any:
    """`value` with strings that break their schema's `pattern` replaced by ones that match."""
    schema = model.resolve(schema)
    if not isinstance(schema, dict):
        return value
    if isinstance(value, str) and isinstance(schema.get("pattern"), str):
        seed = hashlib.sha256(pointer.encode()).hexdigest()
        return value if re.search(schema["pattern"], value) else shaped(seed, schema["pattern"])
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [
            fit_patterns(model, schema["items"], v, f"{pointer}/{i}") for i, v in enumerate(value)
        ]
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        return {
            k: fit_patterns(model, properties[k], v, f"{pointer}/{k}") if k in properties else v
            for k, v in value.items()
        }
    return value


def _first_type(schema: Any) -> str:
    from specforge.document.schemas import json_types

    kinds = json_types(schema) if isinstance(schema, dict) else []
    return next((k for k in kinds if k != "null"), "")


def _encode(kind: str, template: Any) -> bytes:
    if kind == "json":
        return json.dumps(template, separators=(",", ":")).encode()
    if kind == "text":
        return b"ok"
    return b""


def _required_kept(
    model: SpecModel, schema: dict[str, Any], full: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """`body` with the required properties it left out (an error, a finish time) back: `null`
    where the schema allows it (the job has not failed, or not finished), else the example's."""
    properties = schema.get("properties") or {}
    body = dict(body)
    for name in schema.get("required") or []:
        if name in body or name not in full:
            continue
        body[name] = None if model.accepts(properties.get(name, {}), None) else full[name]
    return body


def _job_plans(model: SpecModel) -> dict[str, JobPlan]:
    """The create and retrieve plans of each resource whose jobs the generator polls: the
    create's answer says the first pending status, the retrieve's a later one; each answer is
    built from its own operation's schema (a create may answer with a wrapper or a summary)."""
    plans: dict[str, JobPlan] = {}
    for lifecycle in model.lifecycles():
        poller, create, retrieve = lifecycle.poller, lifecycle.create, lifecycle.retrieve
        key = "/".join(poller.resource)
        prefix = poller.resource[-1].rstrip("s") + "_"
        # the id as the create and the retrieve answer it and as the retrieve takes it
        id_schemas = [
            _job_id_schema(model, create, lifecycle.created_id),
            _job_id_schema(model, retrieve, (poller.id_field,)) if poller.id_field else {},
            next(
                (
                    p.schema
                    for p in model.params(retrieve)
                    if p.location == "path" and p.name == retrieve.path_fields[-1].name
                ),
                {},
            ),
        ]
        id_pattern = next((str(i["pattern"]) for i in id_schemas if i.get("pattern")), "")
        retrieved = ((poller.id_field,) if poller.id_field else (), (poller.status_field,))
        for role, op, id_param, (id_path, status_path) in (
            ("create", create, "", (lifecycle.created_id, lifecycle.created_status)),
            ("retrieve", retrieve, retrieve.path_fields[-1].name, retrieved),
        ):
            templates = _job_templates(model, op, id_path[:-1])
            if templates is None:
                break
            plans[op.operation_id] = JobPlan(
                role=role,
                poller=poller,
                pending_state=poller.pending[0],
                done_state=success_state(poller),
                pending=templates[0],
                done=templates[1],
                id_prefix=prefix,
                key=key,
                id_param=id_param,
                id_path=id_path,
                status_path=status_path,
                id_pattern=id_pattern,
                id_uuid=any(i.get("format") == "uuid" for i in id_schemas),
            )
        else:
            continue
        plans.pop(create.operation_id, None)  # both operations play the job, or neither
    return plans


def _job_id_schema(model: SpecModel, op: Operation, path: tuple[str, ...]) -> dict[str, Any]:
    """The schema of the property at `path` in `op`'s success answer ({} when absent)."""
    schema = model.schema_at(op.success.schema_pointer) if op.success else {}
    for name in path:
        found = model.resolve((schema.get("properties") or {}).get(name, {}))
        if not isinstance(found, dict):
            return {}
        schema = found
    return schema


def _job_templates(
    model: SpecModel, op: Operation, holder: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """`op`'s answer for a pending and for a finished job (None when it is no JSON object):
    the job's object (the answer, or the one at `holder` in it) leaves out its error while
    pending and finished, and its outputs and finish time while pending."""
    pointer = op.success.schema_pointer if op.success else ""
    schema = model.schema_at(pointer)
    full = model.response_example(pointer)
    if not isinstance(full, dict):
        return None
    full = _fitted(model, schema, full)
    if not holder:
        return _job_states(model, schema, full)
    inner_schema, inner = schema, full
    for name in holder:
        inner_schema = model.resolve((inner_schema.get("properties") or {}).get(name, {}))
        inner = inner.get(name) if isinstance(inner, dict) else None
    if not isinstance(inner_schema, dict) or not isinstance(inner, dict):
        return full, copy.deepcopy(full)
    pending, done = _job_states(model, inner_schema, _fitted(model, inner_schema, inner))
    return _placed(full, holder, pending), _placed(full, holder, done)


def _fitted(model: SpecModel, schema: dict[str, Any], value: dict[str, Any]) -> Any:
    times = [
        (str(name), unit)
        for name, prop in (schema.get("properties") or {}).items()
        if (unit := time_unit(str(name), model.resolve(prop)))
    ]
    return plausible_times(fit_patterns(model, schema, value), times)


def _job_states(
    model: SpecModel, schema: dict[str, Any], full: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    done = {k: v for k, v in full.items() if not _ERROR_NAMES.search(k)}
    finishing = completion_fields(schema)
    for name in finishing:
        if done.get(name) in (None, {}, []):
            value = completed_value(model, (schema.get("properties") or {}).get(name))
            if value is not None:
                done[name] = value
    pending = {k: v for k, v in done.items() if k not in finishing and not _FINISHED_AT.search(k)}
    return _required_kept(model, schema, full, pending), _required_kept(model, schema, full, done)


def _placed(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `body` with `value` at `path` (whose objects `body` has)."""
    body = copy.deepcopy(body)
    holder = body
    for name in path[:-1]:
        holder = holder[name]
    holder[path[-1]] = value
    return body


def path_values(plan: OperationPlan, match: re.Match[str]) -> dict[str, str]:
    """Path parameter values of a matched request path."""
    return {
        name: unquote(value) for name, value in zip(plan.path_names, match.groups(), strict=False)
    }
