"""The state of one suite run: spec, sender, budget, recorder, and how a check is applied."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from specforge.conformance import checks
from specforge.conformance.http import Budget, BudgetExhausted, Call, Exchange, Sender
from specforge.conformance.model import SpecModel, load_model
from specforge.conformance.results import Outcome, Recorder
from specforge.conformance.settings import SuiteSettings
from specforge.generator.ir import Operation

_LOADED: dict[tuple[str, bool], SpecModel] = {}
IF_MATCH = "if-match"


def preload(spec: Path, lenient: bool, model: SpecModel) -> None:
    """Hand the model `specforge conform` loaded to the suite it runs in the same process (a
    large spec takes a second or more to load)."""
    _LOADED.clear()
    _LOADED[(str(spec.resolve()), lenient)] = model


@dataclass
class Run:
    """Everything the suite's tests share."""

    settings: SuiteSettings
    model: SpecModel
    sender: Sender
    recorder: Recorder

    @classmethod
    def start(cls, settings: SuiteSettings) -> Run:
        path = Path(settings.spec)
        model = _LOADED.pop((str(path.resolve()), settings.lenient), None)
        if model is None:
            model = load_model(path, lenient=settings.lenient)
        sender = Sender(
            settings.base_url, settings.api_key, settings.api_key_env, Budget(settings.budget)
        )
        return cls(settings, model, sender, Recorder())

    @property
    def auth(self) -> dict[str, str]:
        return self.sender.auth_headers()

    def send(self, op: Operation, call: Call, case: str) -> Exchange | None:
        """Send `call`; runs the response checks; None (recorded as skipped) when over budget."""
        try:
            exchange = self.sender.send(call)
        except BudgetExhausted as exhausted:
            self.recorder.add(Outcome("budget", "skip", op.operation_id, case, "", str(exhausted)))
            return None
        except httpx.HTTPError as error:
            self.judge(checks.no_transport_error, op, case, checks.no_transport_error(error), call)
            return None
        for check in checks.RESPONSE_CHECKS:
            verdict = check(self.model, op, exchange)
            self.judge(check, op, case, verdict, exchange.call, exchange)
        return exchange

    def judge(
        self,
        check: checks.Check[...],
        op: Operation,
        case: str,
        verdict: checks.Verdict | None,
        call: Call | None,
        exchange: Exchange | None = None,
    ) -> None:
        """Record `check`'s verdict (nothing when the check did not apply); a failure keeps its
        request and answer for the cassette (`exchange`, when the check was given one)."""
        if verdict is None:
            return
        failed = verdict.kind != "pass"
        curl = self.sender.curl(call) if call is not None and failed else ""
        recorded = self.sender.record(exchange) if exchange is not None and failed else None
        self.recorder.add(
            Outcome(
                check.name,
                verdict.kind,
                op.operation_id,
                case,
                verdict.expected,
                verdict.got,
                curl,
                recorded,
            )
        )

    def check(
        self, check: checks.RequestCheck, op: Operation, call: Call, case: str
    ) -> Exchange | None:
        """Send `call` and judge its answer with `check` (given the exchange and the case name)."""
        exchange = self.send(op, self.conditional(op, call), case)
        if exchange is not None:
            self.judge(check, op, case, check(exchange, case), call, exchange)
        return exchange

    def conditional(self, op: Operation, call: Call) -> Call:
        """`call` with its `If-Match` set to the resource's current entity tag, as a client does
        (RFC 9110 13.1.1): read from a GET of the same path just before, where the operation
        takes the header and the path can be read (a made-up tag only ever gets 412)."""
        name = header_param(op, IF_MATCH)
        reader = _reader_of(self.model, op) if name else None
        if name is None or reader is None:
            return call
        kept = without(call.headers, IF_MATCH)
        read = Call("GET", call.path, headers=without(kept, "content-type"))
        read.placeholder = call.placeholder
        exchange = self.send(reader, read, f"the current entity tag of {call.path}")
        tag = exchange.headers.get("etag") if exchange and 200 <= exchange.status < 300 else None
        return replace(call, headers={**kept, name: tag}) if tag else call

    def failures_since(self, mark: int) -> list[Outcome]:
        found = self.recorder.violations(mark)
        if self.settings.strict:
            found += self.recorder.gaps(mark)
        return found


def header_param(op: Operation, lowered: str) -> str | None:
    """The operation's header parameter of this name (in any case), as the spec spells it."""
    return next(
        (f.name for f in op.parameters if f.location == "header" and f.name.lower() == lowered),
        None,
    )


def _reader_of(model: SpecModel, op: Operation) -> Operation | None:
    """The GET operation on the same path as `op`."""
    return next(
        (o for o in model.api.operations if o.method == "GET" and o.full_path == op.full_path),
        None,
    )


def without(headers: dict[str, str], lowered: str) -> dict[str, str]:
    """`headers` without the one of this name (in any case)."""
    return {k: v for k, v in headers.items() if k.lower() != lowered}
