"""The mock's request handling: route, auth, content type, validation, answer, faults.

Fault switches act through the hooks of their `specforge.conformance.faults.Fault` entry, which
the handler calls at each stage of a request; it never tests a fault's name.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from specforge.conformance.auth import Credential
from specforge.conformance.faults import DROP, Answer, Faults, Refusal
from specforge.conformance.mock.forms import (
    FORM_MEDIA,
    FormError,
    form_document,
    form_fields,
    xml_fields,
)
from specforge.conformance.mock.jobs import JobStore
from specforge.conformance.mock.paging import emptied, later_page
from specforge.conformance.mock.plan import (
    JobPlan,
    OperationPlan,
    ParamPlan,
    compile_plans,
    path_values,
    shaped,
)
from specforge.conformance.mock.resources import DeletedPaths
from specforge.conformance.mock.sse import EVENT_STREAM
from specforge.conformance.mock.sse import wanted as wants_stream
from specforge.conformance.mock.values import copy_json
from specforge.conformance.model import SpecModel
from specforge.generator.ir import Operation

JSON = "application/json"
ABSENT = object()
_IGNORED_HEADERS = frozenset({"authorization", "content-type", "accept"})
MAX_DEPTH = 64  # JSON nesting the mock parses; deeper bodies get a 400
_TOO_DEEP = object()


@dataclass
class Request:
    """An HTTP request as the handler sees it (header names in lower case)."""

    method: str
    path: str
    query: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @functools.cached_property
    def query_params(self) -> dict[str, list[str]]:
        """The query string's values by name, in order (parsed once, for auth and parameters)."""
        found: dict[str, list[str]] = {}
        for name, value in parse_qsl(self.query.decode("latin-1"), keep_blank_values=True):
            found.setdefault(name, []).append(value)
        return found


@dataclass
class Reply:
    """An HTTP response: status, headers and encoded body."""

    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    documented: bool = False  # already the spec's documented answer (e.g. one `Prefer` asked for)
    value: Any = None  # the JSON value `body` encodes, where the handler built it (None: parse it)


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def error_reply(status: int, message: str, kind: str, **details: Any) -> Reply:
    """A JSON error body in the usual `{"error": {...}}` shape."""
    error = {
        "message": message,
        "type": kind,
        **{k: v for k, v in details.items() if v is not None},
    }
    return Reply(status, json.dumps({"error": error}).encode())


class MockHandler:
    """Answers requests for every operation of a spec (see `handle`)."""

    def __init__(
        self,
        model: SpecModel,
        faults: Faults | None = None,
        *,
        api_key: str = "",
        max_body_bytes: int = 1 << 20,
        retry_after: int = 1,
        complete_after: int = 2,
        complete_seconds: float = 5.0,
    ) -> None:
        self.faults = faults or Faults()
        self.api_key = api_key
        self.max_body_bytes = max_body_bytes
        self.retry_after = retry_after
        self.jobs = JobStore(complete_after, complete_seconds)
        self.deleted = DeletedPaths()
        self.count = 0
        self.static: dict[tuple[str, str], OperationPlan] = {}
        self.dynamic: list[OperationPlan] = []
        for plan in compile_plans(model):
            if plan.pattern is None:
                self.static[(plan.op.method, plan.op.full_path)] = plan
            else:
                self.dynamic.append(plan)
        self.dynamic.sort(key=lambda p: p.op.full_path.count("{"))
        chosen = self.faults.selected()
        self._on_arrival = [
            (f.on_arrival, self.faults.value(f.name)) for f in chosen if f.on_arrival
        ]
        self._checks_auth = not any(f.skips_auth for f in chosen)
        self._accepts_key = [f.accepts_key for f in chosen if f.accepts_key]
        self._on_input = [f.on_input for f in chosen if f.on_input]
        self._validates = not any(f.skips_validation for f in chosen)
        self._on_field = [f.on_field for f in chosen if f.on_field]
        self._drops_deprecated = any(f.drops_deprecated for f in chosen)
        self._on_conflict = [f.on_conflict for f in chosen if f.on_conflict]
        self._finds_unknown_ids = any(f.finds_unknown_ids for f in chosen)
        self._on_retrieve = [f.on_retrieve for f in chosen if f.on_retrieve]
        self._on_completed = [f.on_completed for f in chosen if f.on_completed]
        self._on_answer = [f.on_answer for f in chosen if f.on_answer]

    # -- entry point ---------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        """The reply to `request`; never raises."""
        try:
            self.count += 1
            for arrival, every in self._on_arrival:
                arrival(self.count, every)
            plan, path_params = self._route(request.method, request.path)
        except _Refused as refused:
            return refused.reply
        except Refusal as refusal:
            return self._refusal(refusal)
        try:
            reply = self._handle(plan, path_params, request)
        except _Refused as refused:
            reply = refused.reply
        except Refusal as refusal:
            reply = self._refusal(refusal)
        if reply.status >= 400 and plan.errors and not reply.documented:
            return _documented_error(plan, reply)
        return reply

    def _refusal(self, refusal: Refusal) -> Reply:
        """The error reply a fault's hook asked for."""
        reply = error_reply(refusal.status, refusal.message, refusal.kind, **refusal.details)
        if refusal.retry:
            reply.headers.append(("retry-after", str(self.retry_after)))
        return reply

    def _handle(self, plan: OperationPlan, path_params: dict[str, str], request: Request) -> Reply:
        if plan.security and self._checks_auth:
            self._authenticate(plan.op, plan.security, request)
        preferred = _preferred_code(request.headers.get("prefer", ""))
        if preferred:
            return _prefer(plan, preferred)
        document = self._body(plan, request)
        for on_input in self._on_input:
            on_input(request.body + request.query)
        if self._validates:
            self._check_params(plan, request, path_params)
        if plan.body_validator is not None and document is not ABSENT:
            document = self._check_body(plan, document)
        if document is ABSENT:
            document = None
        if path_params and self.deleted and self.deleted.gone(request.path):
            raise _Refused(error_reply(404, f"{request.path} was deleted", "not_found"))
        if plan.stream and wants_stream(plan.stream, request.headers, document):
            return Reply(plan.status, plan.stream.body, EVENT_STREAM)
        reply = self._answer(plan, document, path_params)
        pagination = plan.op.pagination
        if (
            pagination
            and 200 <= reply.status < 300
            and later_page(pagination, request.query_params)
        ):
            reply.body = emptied(pagination, reply.body) or reply.body
        if 200 <= reply.status < 300:
            self._remember(plan, request, reply)
        return reply

    def _remember(self, plan: OperationPlan, request: Request, reply: Reply) -> None:
        """A deleted resource is gone from then on; one created again is back."""
        if plan.op.method == "DELETE" and plan.pattern is not None:
            self.deleted.add(request.path)
        elif plan.op.method == "POST" and reply.body and self.deleted:
            created = reply.value
            if created is None:
                try:
                    created = json.loads(reply.body)
                except ValueError:
                    return
            # what the create answered with may be the new resource's identifier (an `id`, a
            # `slug`, in an allOf part or under `data`): a deleted path ending in one is back
            self.deleted.revive(*_identifiers(created))

    # -- steps ---------------------------------------------------------------------------------
    def _route(self, method: str, path: str) -> tuple[OperationPlan, dict[str, str]]:
        plan = self.static.get((method, path))
        if plan is not None:
            return plan, {}
        allowed = []
        for candidate in self.dynamic:
            match = candidate.pattern.match(path) if candidate.pattern else None
            if match:
                if candidate.op.method == method:
                    return candidate, path_values(candidate, match)
                allowed.append(candidate.op.method)
        static = [m for (m, p) in self.static if p == path]
        allowed = static or allowed  # a literal path is its own resource, not a template's
        if allowed:
            reply = error_reply(405, f"method {method} not allowed on {path}", "method_not_allowed")
            reply.headers.append(("allow", ", ".join(sorted(set(allowed)))))
            raise _Refused(reply)
        raise _Refused(error_reply(404, f"no operation at {method} {path}", "not_found"))

    def _authenticate(
        self, op: Operation, alternatives: list[list[Credential]], request: Request
    ) -> None:
        """Pass when one alternative's credentials all carry the key; a credential of the right
        shape with another key gets 401 (403 where the operation documents it); a missing or
        malformed one 401."""
        # the query is parsed only for a scheme that reads it
        query = (
            request.query_params
            if any(c.location == "query" for a in alternatives for c in a)
            else {}
        )
        wrong = False
        for alternative in alternatives:
            verdicts = [self._carries_key(c, c.read(request.headers, query)) for c in alternative]
            if all(verdict is True for verdict in verdicts):
                return
            wrong = wrong or any(verdict is False for verdict in verdicts)
        if wrong:
            status = 403 if any(r.status == "403" for r in op.responses) else 401
            raise _Refused(error_reply(status, "the API key is not valid", "invalid_api_key"))
        expected = " and ".join(c.describe() for c in alternatives[0])
        reply = error_reply(
            401, f"missing or malformed credentials: send {expected}", "unauthorized"
        )
        challenges = sorted(
            {c.kind.capitalize() for a in alternatives for c in a if c.kind != "apikey"}
        )
        if challenges:
            reply.headers.append(("www-authenticate", ", ".join(challenges)))
        raise _Refused(reply)

    def _carries_key(self, credential: Credential, raw: str | None) -> bool | None:
        """True: the configured key (or any key, when none is configured); False: another
        key of the right shape; None: nothing of the scheme's shape."""
        token = credential.token(raw)
        if token is None:
            return None
        if not self.api_key:
            return True
        expected = credential.expected(self.api_key)
        return token == expected or any(accepts(expected, token) for accepts in self._accepts_key)

    def _body(self, plan: OperationPlan, request: Request) -> Any:
        """The parsed JSON body; ABSENT when there is none (or it is not JSON)."""
        if not plan.body_media:
            return ABSENT
        if len(request.body) > self.max_body_bytes:
            raise _Refused(
                error_reply(413, f"body over {self.max_body_bytes} bytes", "payload_too_large")
            )
        if not request.body:
            if plan.body_required:
                raise _Refused(
                    error_reply(
                        400, "a request body is required", "invalid_request_error", rule="required"
                    )
                )
            return ABSENT
        media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        chosen = media == plan.body_media.lower() or (plan.body_json and media.endswith("+json"))
        if not chosen and media not in plan.other_media:
            raise _Refused(
                error_reply(
                    415,
                    f"content type {media or '(none)'!r} is not accepted: send {plan.body_media}",
                    "unsupported_media_type",
                )
            )
        if chosen and plan.body_json:
            return parse_json(request.body)
        kinds = {rule.name: rule.kinds for rule in plan.rules}
        if not chosen and media in plan.xml_media:
            try:
                read = xml_fields(request.body, frozenset(kinds))
            except FormError as error:
                raise _Refused(
                    error_reply(400, str(error), "invalid_request_error", rule="xml")
                ) from None
            if read is None:
                return ABSENT
            if isinstance(read, str):
                return read  # text where the schema's object is due: the validator refuses it
            fields, others = read
            return {**others, **form_document(fields, kinds, frozenset(), coerce)}
        if not chosen and media not in FORM_MEDIA:
            return ABSENT  # another documented type, in a syntax the mock does not read
        if media in FORM_MEDIA:
            try:
                fields = form_fields(request.headers.get("content-type", ""), request.body)
            except FormError as error:
                raise _Refused(
                    error_reply(400, str(error), "invalid_request_error", rule="form")
                ) from None
            return form_document(fields, kinds, plan.form_binary, coerce)
        return ABSENT

    def _check_params(
        self, plan: OperationPlan, request: Request, path_params: dict[str, str]
    ) -> None:
        if not plan.params:
            return
        query = request.query_params
        for param in plan.params:
            if param.location == "path":
                raw: list[str] | None = (
                    [path_params[param.name]] if param.name in path_params else None
                )
            elif param.location == "query":
                raw = query.get(param.name)
            elif param.location == "header" and param.name.lower() not in _IGNORED_HEADERS:
                header = request.headers.get(param.name.lower())
                raw = [header] if header is not None else None
            else:
                continue
            if raw is None:
                if param.required:
                    raise _Refused(
                        error_reply(
                            400,
                            f"{param.location} parameter {param.name!r} is required",
                            "invalid_request_error",
                            param=param.name,
                            rule="required",
                        )
                    )
                continue
            self._check_value(param, raw)

    @staticmethod
    def _check_value(param: ParamPlan, raw: list[str]) -> None:
        if param.validator is None:
            return
        value = coerce(raw, param.kinds)
        for error in param.validator.iter_errors(value):
            rule = str(error.schema_path[-1]) if error.schema_path else "schema"
            raise _Refused(
                error_reply(
                    400,
                    f"{param.location} parameter {param.name!r}: {error.message}",
                    "invalid_request_error",
                    param=param.name,
                    rule=rule,
                )
            )

    def _check_body(self, plan: OperationPlan, document: Any) -> Any:
        if self._on_field and isinstance(document, dict) and plan.rules:
            document = self._bend_rules(plan, document)
        if self._validates:
            for error in _errors(plan.body_validator, document):
                path = list(error.instance_path)
                rule = str(error.schema_path[-1]) if error.schema_path else "schema"
                pointer = "".join(f"/{part}" for part in path)
                raise _Refused(
                    error_reply(
                        400,
                        f"body{pointer or ''}: {error.message}",
                        "invalid_request_error",
                        param=str(path[0]) if path else None,
                        pointer=pointer or "/",
                        rule=rule,
                    )
                )
        if isinstance(document, dict) and plan.deprecated:
            document = self._fallback(plan, document)
        return document

    def _bend_rules(self, plan: OperationPlan, document: dict[str, Any]) -> dict[str, Any]:
        """The faults' `on_field` hooks on each top-level body property."""
        document = dict(document)
        for rule in plan.rules:
            if rule.name not in document:
                continue
            value = document[rule.name]
            for on_field in self._on_field:
                value = on_field(rule, value)
                if value is DROP:
                    break
            if value is DROP:
                del document[rule.name]
            else:
                document[rule.name] = value
        return document

    def _fallback(self, plan: OperationPlan, document: dict[str, Any]) -> dict[str, Any]:
        """Deprecated fields moved to their replacement; the replacement wins when both are given."""
        effective = copy_json(document)
        for name, target in plan.deprecated:
            if name not in effective:
                continue
            value = effective.pop(name)
            if self._drops_deprecated or not target or not target[0]:
                continue
            holder = effective
            for part in target[:-1]:
                child = holder.get(part)
                if not isinstance(child, dict):
                    child = holder[part] = {}
                holder = child
            if target[-1] in holder:
                for on_conflict in self._on_conflict:
                    on_conflict(name)
                continue
            holder[target[-1]] = value
        return effective

    # -- answers -------------------------------------------------------------------------------
    def _answer(self, plan: OperationPlan, document: Any, path_params: dict[str, str]) -> Reply:
        job = plan.job
        if job is None:
            if not self._on_answer and not (plan.id_field or plan.echo):
                return Reply(
                    plan.status, plan.encoded, plan.content_type or JSON, list(plan.headers)
                )
            body = copy_json(plan.template)
            if isinstance(body, dict) and isinstance(document, dict):
                _echo(plan, body, document)
                if plan.id_field:
                    body[plan.id_field] = shaped(_digest(document), plan.id_pattern)
            return self._finish(plan, body, document)
        if job.role == "create":
            job_id = _job_id(job, _digest(document))
            self.jobs.create(job_id)
            return self._finish(
                plan, self._job_body(plan, job_id, done=False, document=document), document
            )
        job_id = path_params.get(job.id_param, "")
        state = self.jobs.get(job_id)
        if state is None:
            if self._finds_unknown_ids:
                return self._finish(plan, self._job_body(plan, job_id, done=True, document=None))
            return error_reply(404, f"no job with id {job_id!r}", "not_found", param=job.id_param)
        done = self.jobs.advance(state)
        for on_retrieve in self._on_retrieve:
            done = on_retrieve(state, done)
        if done:
            state.reported_done = True
        return self._finish(plan, self._job_body(plan, job_id, done=done, document=None))

    def _job_body(
        self, plan: OperationPlan, job_id: str, *, done: bool, document: Any
    ) -> dict[str, Any]:
        job = plan.job
        assert job is not None
        body = copy_json(job.done if done else job.pending)
        if done:
            for on_completed in self._on_completed:
                on_completed(job, body)
        _put(body, job.id_path, job_id)
        _put(body, job.status_path, job.done_state if done else job.pending_state)
        if isinstance(document, dict):
            _echo(plan, body, document)
        return body

    def _finish(self, plan: OperationPlan, body: Any, document: Any = None) -> Reply:
        status, content_type = plan.status, plan.content_type or JSON
        if self._on_answer and isinstance(body, dict):
            answer = Answer(status, content_type, body, document)
            for on_answer in self._on_answer:
                on_answer(plan, answer)
            status, content_type, body = answer.status, answer.content_type, answer.body
        encoded = (
            json.dumps(body, separators=(",", ":")).encode()
            if plan.kind == "json"
            else plan.encoded
        )
        return Reply(
            status,
            encoded,
            content_type,
            list(plan.headers) if status == plan.status else [],
            value=body if plan.kind == "json" else None,
        )


def parse_json(body: bytes) -> Any:
    """A JSON request body, or a 400 naming what is wrong (syntax, encoding, nesting)."""
    try:
        document = json.loads(body)
    except RecursionError:
        document = _TOO_DEEP
    except (ValueError, UnicodeDecodeError) as error:
        raise _Refused(
            error_reply(400, f"malformed JSON body: {error}", "invalid_request_error", rule="json")
        ) from None
    if document is _TOO_DEEP or _too_deep(document, MAX_DEPTH):
        raise _Refused(
            error_reply(
                400,
                f"JSON body nested deeper than {MAX_DEPTH} levels",
                "invalid_request_error",
                rule="maxDepth",
            )
        )
    return document


def _too_deep(document: Any, limit: int) -> bool:
    """Whether arrays and objects in `document` nest deeper than `limit` (no recursion)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _errors(validator: Any, document: Any) -> Any:
    """The validator's first error (if any); a validator that gives up is a 400 too."""
    try:
        return list(itertools.islice(validator.iter_errors(document), 1))
    except (ValueError, RecursionError) as error:
        raise _Refused(
            error_reply(
                400, f"body cannot be validated: {error}", "invalid_request_error", rule="schema"
            )
        ) from None


def _preferred_code(header: str) -> str:
    """The status a `Prefer: code=<status>` header asks for ('' when none)."""
    for token in header.replace(";", ",").split(","):
        name, _, value = token.strip().partition("=")
        if name.strip().lower() == "code":
            return value.strip().strip('"')
    return ""


def _prefer(plan: OperationPlan, code: str) -> Reply:
    """The documented answer for `code`, or a 400 listing the statuses that can be asked for."""
    answer = plan.preferred.get(code)
    if answer is None:
        listed = ", ".join(sorted(plan.preferred)) or "none"
        return error_reply(
            400,
            f"Prefer: code={code} names no documented response of this operation "
            f"(documented: {listed})",
            "invalid_prefer",
        )
    body, content_type = answer
    return Reply(int(code), body, content_type or JSON, documented=True)


def _documented_error(plan: OperationPlan, reply: Reply) -> Reply:
    """An error reply in the shape the spec documents for its status, when it documents one."""
    documented = plan.errors.get(reply.status) or plan.errors.get(0)
    if documented is None:
        return reply
    template, content_type, validator = documented
    try:
        message = str(json.loads(reply.body)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = reply.body.decode("utf-8", "replace")
    body = _with_message(copy_json(template), message)
    if not validator.is_valid(body):
        body = template
    return Reply(reply.status, json.dumps(body).encode(), content_type or JSON, reply.headers)


def _with_message(body: Any, message: str) -> Any:
    """`body` with its message-like string properties (`message`, `error`, `detail`) set to `message`."""
    if not isinstance(body, dict):
        return body
    for key in ("message", "error", "detail", "error_message"):
        if isinstance(body.get(key), str):
            body[key] = message
        elif isinstance(body.get(key), dict):
            body[key] = _with_message(body[key], message)
    return body


def _digest(document: Any) -> str:
    """A short stable digest of a request body (same body, same id)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()[:24]


def _job_id(job: JobPlan, digest: str) -> str:
    """A new job's id from its request's digest: shaped to the id's pattern, a UUID where the
    id is one, else the resource's prefix and the digest (`video_3f2a...`)."""
    if job.id_pattern:
        return shaped(digest, job.id_pattern)
    if job.id_uuid:
        return str(uuid.UUID(hashlib.sha256(digest.encode()).hexdigest()[:32]))
    return job.id_prefix + digest


def _put(body: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """`value` at `path` in `body`, where the objects on the way are there."""
    holder: Any = body
    for name in path[:-1]:
        holder = holder.get(name) if isinstance(holder, dict) else None
    if path and isinstance(holder, dict):
        holder[path[-1]] = value


def _echo(plan: OperationPlan, body: dict[str, Any], document: dict[str, Any]) -> None:
    """Response properties named like request properties take the request's value."""
    for name in plan.echo:
        if name in document and isinstance(document[name], type(body.get(name))):
            body[name] = document[name]


def _identifiers(created: Any) -> list[str]:
    """The scalar values of a create's answer (and of its `data` object) as text."""
    found: list[str] = []
    for holder in (created, created.get("data") if isinstance(created, dict) else None):
        if isinstance(holder, dict):
            found.extend(
                str(value)
                for value in holder.values()
                if isinstance(value, (str, int)) and not isinstance(value, bool)
            )
    return found


def coerce(raw: list[str], kinds: tuple[str, ...]) -> Any:
    """Parameter strings as the JSON value their schema expects (left as text when they don't fit)."""
    if "array" in kinds:
        items = (
            raw if len(raw) > 1 else [part for part in raw[0].split(",") if part] if raw[0] else []
        )
        return items
    value = raw[-1]
    for kind in kinds:
        if kind == "integer":
            try:
                return int(value)
            except ValueError:
                continue
        if kind == "number":
            try:
                return float(value)
            except ValueError:
                continue
        if kind == "boolean" and value in ("true", "false"):
            return value == "true"
        if kind == "string":
            return value
    return value
