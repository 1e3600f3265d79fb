"""Schemathesis' engine under the suite, through its public API.

Every phase runs (examples, coverage, fuzzing, stateful from `links` and inferred links), with
every built-in check on, Schemathesis' `status_code_conformance` excepted: each answer the engine
gets also goes through the suite's response checks (`checks.RESPONSE_CHECKS`), whose
`status_code_documented` splits spec gaps (an undocumented 4xx) from violations (an undocumented
2xx or 3xx). On a live server, every 2xx to an unsafe method spends the budget, expected or not;
once it is spent, no unsafe request is sent (safe ones go on). A 429 with Retry-After is waited
out and retried; a 429 or 503 with Retry-After is never judged (the server asks to come back).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

from specforge.conformance import checks
from specforge.conformance.auth import Credential
from specforge.conformance.http import RETRY_STATUSES, BudgetExhausted, Call, Exchange
from specforge.conformance.results import Kind, Outcome
from specforge.conformance.runtime import Run
from specforge.conformance.schemathesis_schema import schemathesis_document
from specforge.generator.ir import Operation

SEED = 20240101
OFF_CHECKS = ("status_code_conformance",)  # answered by checks.status_code_documented
STATEFUL = "stateful"


@dataclass
class EngineResults:
    """What the engine found, by operation id ("" for what belongs to none)."""

    findings: dict[str, list[Outcome]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    stopped_by_budget: bool = False

    def add(self, outcome: Outcome) -> None:
        self.findings.setdefault(outcome.operation, []).append(outcome)


def auth_schemes(document: dict[str, Any], key: str) -> dict[str, dict[str, str]]:
    """The run's key for every security scheme of the document, as Schemathesis takes it.

    apiKey schemes (header, query or cookie) get the key; http basic gets `user:password` split
    at the first colon (the whole key as user when it has none); http bearer, oauth2 and
    openIdConnect get it as a bearer token.
    """
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    found: dict[str, dict[str, str]] = {}
    for name, scheme in (schemes or {}).items():
        if not isinstance(scheme, dict):
            continue
        kind = str(scheme.get("type", "")).lower()
        if kind == "apikey":
            found[name] = {"api_key": key}
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            user, _, password = key.partition(":")
            found[name] = {"username": user, "password": password}
        elif kind in ("http", "oauth2", "openidconnect"):
            found[name] = {"bearer": key}
    return found


def basic_header(document: dict[str, Any], key: str) -> dict[str, str]:
    """`Authorization: Basic ...` when every security scheme of the document is http basic (the
    engine then sends it as a header, as `schemathesis run -H` does: its scheme-based basic
    auth costs milliseconds a request), else nothing."""
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    if not isinstance(schemes, dict) or not schemes:
        return {}
    for scheme in schemes.values():
        if not isinstance(scheme, dict) or str(scheme.get("type", "")).lower() != "http":
            return {}
        if str(scheme.get("scheme", "")).lower() != "basic":
            return {}
    credential = Credential("basic", "basic", "header", "Authorization")
    return {"Authorization": credential.value(key)}


def engine_config(run: Run) -> SchemathesisConfig:
    """The engine's configuration for the run: origin, credentials, examples, a fixed seed."""
    header = basic_header(run.model.raw, run.sender.api_key)
    auth = {} if header else auth_schemes(run.model.raw, run.sender.api_key)
    return SchemathesisConfig.from_dict(
        {
            **({"headers": header} if header else {}),
            "base-url": run.settings.base_url.rstrip("/"),
            "workers": 1,
            # as `schemathesis run` by default: an operation's first failure ends its
            # generation (the examples after it cost a faulty operation seconds)
            "continue-on-failure": run.settings.continue_on_failure,
            "rate-limit": "auto",  # a 429 with Retry-After is waited out and retried
            "seed": SEED,
            # Hypothesis' health checks generate extra data before each test and end it on a
            # slow or filtered strategy: they judge generation, not the server under test.
            "suppress-health-check": ["all"],
            "auth": {**({"openapi": auth} if auth else {}), "auto-signup": False},
            "generation": {"max-examples": run.settings.max_examples, "database": "none"},
            "checks": {name: {"enabled": False} for name in OFF_CHECKS},
        }
    )


class EngineRun:
    """One execution of the engine for a suite run; outcomes go to the run's recorder."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.results = EngineResults()
        self.operations = {(op.method, op.full_path): op for op in run.model.api.operations}
        self._stream: Any = None
        self._seen: set[tuple[str, ...]] = set()

    def execute(self) -> EngineResults:
        """Run every phase once; never raises for what the server or the spec does."""
        document = schemathesis_document(self.run.model, self.run.settings.base_url)
        schema = schemathesis.openapi.from_dict(document, config=engine_config(self.run))
        schema.hooks.register_hook_with_name(self._after_call, "after_call")
        before_call = self._before_call  # `before_call` hooks are global only: removed at the end
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(before_call, "before_call")
        try:
            self._stream = from_schema(schema).execute()
            for event in self._events():
                if isinstance(event, events.ScenarioFinished):
                    self._scenario(event)
                elif isinstance(event, events.NonFatalError):
                    self._error(event)
                elif isinstance(event, events.Interrupted):
                    raise KeyboardInterrupt  # Ctrl-C inside the engine ends the suite as well
                elif isinstance(event, events.FatalError):
                    error = event.exception
                    self.results.errors.append(f"{type(error).__name__}: {error}")
        finally:
            GLOBAL_HOOK_DISPATCHER.unregister(before_call)
        return self.results

    def _events(self) -> Iterator[Any]:
        try:
            yield from self._stream
        except BudgetExhausted:
            self.results.stopped_by_budget = True

    # -- hooks ---------------------------------------------------------------------------------
    def _before_call(self, context: Any, case: Any, kwargs: Any = None) -> None:
        if self._stream is None:
            return
        try:
            self.run.sender.budget.allow(str(case.method))
        except BudgetExhausted:
            self.results.stopped_by_budget = True  # the request is not sent; safe ones go on
            raise

    def _after_call(self, context: Any, case: Any, response: Any) -> None:
        self.results.requests += 1
        self.run.sender.sent += 1
        method = str(case.method).upper()
        self.run.sender.budget.record(method, response.status_code)
        op = self.operations.get((method, case.operation.path))
        if op is None or _transient(response):
            return
        exchange = _exchange(response)
        label = f"{_phase(case)}: generated request"
        for check in checks.RESPONSE_CHECKS:
            verdict = check(self.run.model, op, exchange)
            if verdict is None:
                continue
            detail = "" if verdict.kind == "pass" else verdict.got
            if self._first(check.name, op.operation_id, verdict.kind, detail):
                self.run.judge(check, op, label, verdict, exchange.call, exchange)
                self.results.add(self.run.recorder.outcomes[-1])

    def _first(self, *key: Any) -> bool:
        """Whether `key` is new (so that one finding is reported once, not once per example)."""
        item = tuple(str(part) for part in key)
        if item in self._seen:
            return False
        self._seen.add(item)
        return True

    # -- events --------------------------------------------------------------------------------
    def _scenario(self, event: Any) -> None:
        recorder = event.recorder
        phase = str(getattr(event.phase, "value", event.phase))
        if event.skip_reason and not recorder.checks:
            op = self._operation_of_label(recorder.label)
            if op is not None:
                self.results.skipped[op.operation_id] = str(event.skip_reason)
            return
        for case_id, nodes in recorder.checks.items():
            node = recorder.cases.get(case_id)
            op = self._operation_of_case(node.value) if node is not None else None
            operation = op.operation_id if op else ""
            for check in nodes:
                info = check.failure_info
                if info is None:
                    if self._first("pass", check.name, operation):
                        self._record(Outcome(check.name, "pass", operation, phase))
                    continue
                failure = info.failure
                if op is not None and _protocol_switch(op):
                    if self._first("switch", check.name, operation):
                        reason = "a protocol switch (101 only): not answerable over plain HTTP"
                        self._record(Outcome(check.name, "skip", operation, phase, "", reason))
                    continue
                interaction = recorder.interactions.get(case_id)
                if getattr(failure, "status_code", None) in RETRY_STATUSES or _transient(
                    getattr(interaction, "response", None)
                ):
                    continue  # a 429/503 answer: ours (`no_server_error`) judges it if persistent
                excuse = _state_answer(check.name, str(failure.message or ""), interaction)
                if excuse:
                    if self._first("state", check.name, operation, excuse):
                        self._record(Outcome(check.name, "skip", operation, phase, "", excuse))
                    continue
                message = " ".join(str(failure.message or "").split())[:400]
                answer = _answered(interaction)
                if not self._first("fail", check.name, operation, failure.title, message):
                    continue
                kind: Kind = "violation"
                if op is not None and self._spec_gap(op, str(failure.title), interaction):
                    kind = "gap"
                    message += (
                        " (the body matches the member schemas: the discriminator needs a mapping)"
                    )
                self._record(
                    Outcome(
                        check.name,
                        kind,
                        operation,
                        f"{phase}: {failure.title}",
                        f"{check.name} holds",
                        "; ".join(part for part in (f"{failure.title}: {message}", answer) if part),
                        self._reproduction(info),
                        self._recorded(interaction),
                    )
                )

    def _spec_gap(self, op: Operation, title: str, interaction: Any) -> bool:
        """A discriminator failure on a body that its schemas accept: the spec's discriminator
        (no mapping, members named otherwise than their values) is at fault, not the server."""
        response = getattr(interaction, "response", None)
        if "discriminator" not in title.lower() or response is None:
            return False
        verdict = checks.response_schema(self.run.model, op, _exchange(response))
        return verdict is not None and verdict.kind == "pass"

    def _error(self, event: Any) -> None:
        info = getattr(event, "info", None)
        if isinstance(getattr(info, "error", None), BudgetExhausted) or "budget" in str(info):
            return
        op = self._operation_of_label(str(getattr(event, "label", "") or ""))
        text = " ".join(str(getattr(info, "message", "") or info or event).split())[:300]
        if op is not None:
            self.results.skipped.setdefault(op.operation_id, text)
        else:
            self.results.errors.append(text)

    def _record(self, outcome: Outcome) -> None:
        self.run.recorder.add(outcome)
        self.results.add(self.run.recorder.outcomes[-1])

    def _recorded(self, interaction: Any) -> dict[str, Any] | None:
        response = getattr(interaction, "response", None)
        return self.run.sender.record(_exchange(response)) if response is not None else None

    def _reproduction(self, info: Any) -> str:
        steps = [step.curl for step in getattr(info, "steps", []) or [] if step.curl]
        text = "\n".join(steps) if len(steps) > 1 else str(info.code_sample or "")
        key = self.run.sender.api_key
        return text.replace(key, f"${self.run.sender.api_key_env}") if key else text

    def _operation_of_case(self, case: Any) -> Operation | None:
        return self.operations.get((str(case.method).upper(), case.operation.path))

    def _operation_of_label(self, label: str) -> Operation | None:
        method, _, path = label.partition(" ")
        return self.operations.get((method.upper(), path))


def _phase(case: Any) -> str:
    phase = getattr(getattr(case, "meta", None), "phase", None)
    name = getattr(getattr(phase, "name", None), "value", getattr(phase, "name", None))
    return str(name or STATEFUL)


def _protocol_switch(op: Operation) -> bool:
    """An operation whose only documented answers are 1xx (a WebSocket handshake)."""
    return bool(op.responses) and all(r.status.startswith("1") for r in op.responses)


_CONDITIONAL = re.compile(r"'(if-[a-z-]+)' header", re.IGNORECASE)


def _state_answer(check: str, message: str, interaction: Any) -> str:
    """Why a failure of `check` is the resource's state speaking, not the server misjudging
    the input ("" when it is not): a valid request refused with 412/423/428 (`checks.
    state_refusal`: no generated entity tag is the resource's; a 422 to a change of an existing
    resource), or a request without its
    conditional header (`If-Match`) refused with 428, the status made for it (RFC 6585 3)."""
    status = getattr(getattr(interaction, "response", None), "status_code", None)
    method = str(getattr(getattr(interaction, "request", None), "method", ""))
    if check == "positive_data_acceptance" and isinstance(status, int):
        reason = checks.state_refusal(method, status)
        if reason:
            return reason
    if check == "missing_required_header" and status == 428 and _CONDITIONAL.search(message):
        return "428 (precondition required) for a request without its conditional header"
    return ""


def _transient(response: Any) -> bool:
    """A 429 or 503 with Retry-After: the server asks to come back later; nothing is judged."""
    if response is None or response.status_code not in RETRY_STATUSES:
        return False
    return any(str(name).lower() == "retry-after" for name in response.headers)


def _answered(interaction: Any) -> str:
    """The status and the start of the body of the answer a failure was found on."""
    response = getattr(interaction, "response", None)
    if response is None:
        return ""
    return "answered " + _exchange(response).describe(200)


def _exchange(response: Any) -> Exchange:
    """The engine's answer as the suite's Exchange (for the response checks and curl)."""
    request = response.request
    parts = urlsplit(str(request.url))
    body = request.body
    call = Call(
        str(request.method).upper(),
        parts.path,
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers={
            str(k): str(v)
            for k, v in request.headers.items()
            if str(k).lower() not in ("user-agent", "x-schemathesis-testcaseid", "content-length")
        },
        content=body.encode() if isinstance(body, str) else body,
    )
    headers = {
        str(name).lower(): ", ".join(values) if isinstance(values, list) else str(values)
        for name, values in response.headers.items()
    }
    return Exchange(call, int(response.status_code), headers, bytes(response.content or b""))
