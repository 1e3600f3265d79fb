"""The mock's request handling: route, auth, content type, validation, answer, faults."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from specforge.conformance.faults import Faults
from specforge.conformance.mock.jobs import JobStore
from specforge.conformance.mock.plan import OperationPlan, ParamPlan, compile_plans, path_values
from specforge.conformance.model import SpecModel

JSON = "application/json"
UNLISTED = "unlisted_value"
_WRONG = {
    "string": 12345,
    "integer": "not-an-integer",
    "number": "not-a-number",
    "boolean": "yes",
    "array": "not-an-array",
    "object": "not-an-object",
}
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


@dataclass
class Reply:
    """An HTTP response: status, headers and encoded body."""

    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)


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
        self.count = 0
        self.static: dict[tuple[str, str], OperationPlan] = {}
        self.dynamic: list[OperationPlan] = []
        for plan in compile_plans(model):
            if plan.pattern is None:
                self.static[(plan.op.method, plan.op.full_path)] = plan
            else:
                self.dynamic.append(plan)
        self.dynamic.sort(key=lambda p: p.op.full_path.count("{"))
        self._f = self.faults.active

    # -- entry point ---------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        """The reply to `request`; never raises."""
        try:
            self.count += 1
            if self._f:
                self._throttle()
            plan, path_params = self._route(request.method, request.path)
        except _Refused as refused:
            return refused.reply
        try:
            reply = self._handle(plan, path_params, request)
        except _Refused as refused:
            reply = refused.reply
        if reply.status >= 400 and plan.errors:
            return _documented_error(plan, reply)
        return reply

    def _handle(self, plan: OperationPlan, path_params: dict[str, str], request: Request) -> Reply:
        faults = self._f
        if plan.auth and "no-auth-check" not in faults:
            self._authenticate(plan, request.headers)
        document = self._body(plan, request)
        if "server-error-on-input" in faults and zlib.crc32(request.body + request.query) % 3 == 0:
            return error_reply(500, "internal error (fault: server-error-on-input)", "server_error")
        if "accept-invalid-body" not in faults:
            self._check_params(plan, request, path_params)
        if plan.body_validator is not None and document is not ABSENT:
            document = self._check_body(plan, document)
        if document is ABSENT:
            document = None
        return self._answer(plan, document, path_params)

    # -- steps ---------------------------------------------------------------------------------
    def _throttle(self) -> None:
        for name, status in (("rate-limit", 429), ("unavailable", 503)):
            if name in self._f and self.count % self.faults.value(name) == 0:
                reply = error_reply(
                    status,
                    f"try again later (fault: {name})",
                    "rate_limit" if status == 429 else "unavailable",
                )
                reply.headers.append(("retry-after", str(self.retry_after)))
                raise _Refused(reply)

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
        allowed += [m for (m, p) in self.static if p == path]
        if allowed:
            reply = error_reply(405, f"method {method} not allowed on {path}", "method_not_allowed")
            reply.headers.append(("allow", ", ".join(sorted(set(allowed)))))
            raise _Refused(reply)
        raise _Refused(error_reply(404, f"no operation at {method} {path}", "not_found"))

    def _authenticate(self, plan: OperationPlan, headers: dict[str, str]) -> None:
        if plan.auth == "bearer":
            scheme, _, token = headers.get("authorization", "").partition(" ")
            ok = scheme.lower() == "bearer" and bool(token.strip())
        else:
            token = headers.get(plan.auth.partition(":")[2].lower(), "")
            ok = bool(token.strip())
        if ok and self.api_key and token.strip() != self.api_key:
            raise _Refused(error_reply(403, "the API key is not valid", "invalid_api_key"))
        if not ok:
            expected = (
                "an 'Authorization: Bearer <key>' header"
                if plan.auth == "bearer"
                else f"a '{plan.auth.partition(':')[2]}' header"
            )
            reply = error_reply(
                401, f"missing or malformed credentials: send {expected}", "unauthorized"
            )
            if plan.auth == "bearer":
                reply.headers.append(("www-authenticate", "Bearer"))
            raise _Refused(reply)

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
        if media != plan.body_media.lower() and not (plan.body_json and media.endswith("+json")):
            raise _Refused(
                error_reply(
                    415,
                    f"content type {media or '(none)'!r} is not accepted: send {plan.body_media}",
                    "unsupported_media_type",
                )
            )
        if not plan.body_json:
            return ABSENT
        return parse_json(request.body)

    def _check_params(
        self, plan: OperationPlan, request: Request, path_params: dict[str, str]
    ) -> None:
        if not plan.params:
            return
        query: dict[str, list[str]] = {}
        if request.query:
            for key, value in parse_qsl(request.query.decode("latin-1"), keep_blank_values=True):
                query.setdefault(key, []).append(value)
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
        faults = self._f
        if faults and isinstance(document, dict) and plan.rules:
            document = self._bend_rules(plan, document)
        if "accept-invalid-body" not in faults:
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
        """The request-side fault switches on enums and bounds."""
        faults = self._f
        document = dict(document)
        for rule in plan.rules:
            if rule.name not in document:
                continue
            value = document[rule.name]
            if rule.enum and isinstance(value, str):
                if "reject-valid-enum-value" in faults and value == rule.enum[-1]:
                    raise _Refused(
                        error_reply(
                            400,
                            f"{rule.name}: {value!r} is not supported",
                            "invalid_request_error",
                            param=rule.name,
                            rule="enum",
                        )
                    )
                if "accept-enum-other-case" in faults:
                    document[rule.name] = next(
                        (e for e in rule.enum if isinstance(e, str) and e.lower() == value.lower()),
                        value,
                    )
            if rule.bounds:
                document[rule.name] = _bend_bounds(rule.name, value, rule.bounds, faults)
        return document

    def _fallback(self, plan: OperationPlan, document: dict[str, Any]) -> dict[str, Any]:
        """Deprecated fields moved to their replacement; the replacement wins when both are given."""
        effective = copy.deepcopy(document)
        for name, target in plan.deprecated:
            if name not in effective:
                continue
            value = effective.pop(name)
            if "ignore-deprecated-field" in self._f or not target or not target[0]:
                continue
            holder = effective
            for part in target[:-1]:
                child = holder.get(part)
                if not isinstance(child, dict):
                    child = holder[part] = {}
                holder = child
            if target[-1] in holder:
                if "deprecated-conflict-500" in self._f:
                    raise _Refused(
                        error_reply(
                            500, "internal error (fault: deprecated-conflict-500)", "server_error"
                        )
                    )
                continue
            holder[target[-1]] = value
        return effective

    # -- answers -------------------------------------------------------------------------------
    def _answer(self, plan: OperationPlan, document: Any, path_params: dict[str, str]) -> Reply:
        job = plan.job
        if job is None:
            if not self._f and not (plan.id_field or plan.echo):
                return Reply(plan.status, plan.encoded, plan.content_type or JSON)
            body = copy.deepcopy(plan.template)
            if isinstance(body, dict) and isinstance(document, dict):
                _echo(plan, body, document)
                if plan.id_field:
                    body[plan.id_field] = _digest(document)
            return self._finish(plan, body)
        if job.role == "create":
            job_id = job.id_prefix + _digest(document)
            self.jobs.create(job_id)
            return self._finish(plan, self._job_body(plan, job_id, done=False, document=document))
        job_id = path_params.get(job.id_param, "")
        state = self.jobs.get(job_id)
        if state is None:
            if "unknown-id-found" in self._f:
                return self._finish(plan, self._job_body(plan, job_id, done=True, document=None))
            return error_reply(404, f"no job with id {job_id!r}", "not_found", param=job.id_param)
        done = self.jobs.advance(state)
        if "status-regression" in self._f and done and state.reported_done:
            state.reported_done, done = False, False
            state.retrieves = 0
        elif done:
            state.reported_done = True
        return self._finish(plan, self._job_body(plan, job_id, done=done, document=None))

    def _job_body(
        self, plan: OperationPlan, job_id: str, *, done: bool, document: Any
    ) -> dict[str, Any]:
        job = plan.job
        assert job is not None
        body = copy.deepcopy(job.done if done else job.pending)
        if done and "missing-outputs-on-completed" in self._f:
            for name in set(job.done) - set(job.pending):
                body.pop(name, None)
        body[job.poller.id_field] = job_id
        body[job.poller.status_field] = job.done_state if done else job.pending_state
        if isinstance(document, dict):
            _echo(plan, body, document)
        return body

    def _finish(self, plan: OperationPlan, body: Any) -> Reply:
        faults = self._f
        status, content_type = plan.status, plan.content_type or JSON
        if faults and isinstance(body, dict):
            body = self._break_response(plan, body)
            if "undocumented-content-type" in faults:
                content_type = "text/plain"
            if "undocumented-status" in faults:
                status = 202 if status != 202 else 200
        encoded = (
            json.dumps(body, separators=(",", ":")).encode()
            if plan.kind == "json"
            else plan.encoded
        )
        return Reply(status, encoded, content_type)

    def _break_response(self, plan: OperationPlan, body: dict[str, Any]) -> dict[str, Any]:
        faults = self._f
        id_field = plan.job.poller.id_field if plan.job else "id"
        if "missing-required-field" in faults:
            candidates = [name for name in plan.response_required if name != id_field]
            if candidates:
                body.pop(candidates[-1], None)
        if "wrong-type" in faults:
            typed = [(n, t) for n, t in plan.response_typed if n != id_field and n in body]
            if typed:
                name, kind = next(
                    ((n, t) for n, t in typed if t in ("number", "integer", "boolean")), typed[0]
                )
                body[name] = _WRONG[kind]
        if "unlisted-enum-value" in faults and plan.response_enums:
            body[plan.response_enums[0]] = UNLISTED
        return body


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
    body = _with_message(copy.deepcopy(template), message)
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


def _echo(plan: OperationPlan, body: dict[str, Any], document: dict[str, Any]) -> None:
    """Response properties named like request properties take the request's value."""
    for name in plan.echo:
        if name in document and isinstance(document[name], type(body.get(name))):
            body[name] = document[name]


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


def _bend_bounds(name: str, value: Any, bounds: dict[str, Any], faults: frozenset[str]) -> Any:
    """Bounds one step looser (clamp values one past the edge) or tighter (refuse the edge)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        measure, low, high = value, bounds.get("minimum"), bounds.get("maximum")
    elif isinstance(value, (str, list)):
        measure, low, high = (
            len(value),
            bounds.get("minLength", bounds.get("minItems")),
            bounds.get("maxLength", bounds.get("maxItems")),
        )
    else:
        return value
    if "boundary-edge-rejected" in faults and measure in (low, high):
        raise _Refused(
            error_reply(
                400,
                f"{name}: {measure} is out of range",
                "invalid_request_error",
                param=name,
                rule="range",
            )
        )
    if "boundary-off-by-one" in faults:
        if high is not None and measure == high + 1:
            return high if isinstance(value, (int, float)) else value[:high]
        if low is not None and measure == low - 1:
            return (
                low
                if isinstance(value, (int, float))
                else (value + "x" * low if isinstance(value, str) else value)
            )
    return value
