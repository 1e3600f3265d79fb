"""The state of one suite run: spec, sender, budget, recorder, and how a check is applied."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from specforge.conformance import checks
from specforge.conformance.http import Budget, BudgetExhausted, Call, Exchange, Sender
from specforge.conformance.model import SpecModel, load_model
from specforge.conformance.results import Outcome, Recorder
from specforge.conformance.settings import SuiteSettings
from specforge.generator.ir import Operation

_RESPONSE_CHECKS: list[Callable[..., checks.Verdict | None]] = [
    getattr(checks, name) for name in checks.RESPONSE_CHECKS
]


@dataclass
class Run:
    """Everything the suite's tests share."""

    settings: SuiteSettings
    model: SpecModel
    sender: Sender
    recorder: Recorder

    @classmethod
    def start(cls, settings: SuiteSettings) -> Run:
        model = load_model(Path(settings.spec), lenient=settings.lenient)
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
            self.recorder.add(
                Outcome(
                    "no_transport_error",
                    "violation",
                    op.operation_id,
                    case,
                    "an HTTP response",
                    f"{type(error).__name__}: {error}",
                    self.sender.curl(call),
                )
            )
            return None
        for check in _RESPONSE_CHECKS:
            self.judge(check.__name__, op, case, check(self.model, op, exchange), exchange.call)
        return exchange

    def judge(
        self, name: str, op: Operation, case: str, verdict: checks.Verdict | None, call: Call | None
    ) -> None:
        """Record a verdict (nothing when the check did not apply)."""
        if verdict is None:
            return
        curl = self.sender.curl(call) if call is not None and verdict.kind != "pass" else ""
        self.recorder.add(
            Outcome(
                name,
                verdict.kind,
                op.operation_id,
                case,
                verdict.expected,
                verdict.got,
                curl,
            )
        )

    def check(
        self, name: str, op: Operation, call: Call, case: str, *extra: Any
    ) -> Exchange | None:
        """Send `call` and judge it with the named check (which takes the exchange and the case name)."""
        exchange = self.send(op, call, case)
        if exchange is not None:
            self.judge(name, op, case, getattr(checks, name)(exchange, case, *extra), call)
        return exchange

    def failures_since(self, mark: int) -> list[Outcome]:
        found = self.recorder.violations(mark)
        if self.settings.strict:
            found += self.recorder.gaps(mark)
        return found
