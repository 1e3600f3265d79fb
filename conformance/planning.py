"""How many requests that can be accepted (paid jobs on a live server) a run plans to send."""

from __future__ import annotations

from specforge.conformance import cases
from specforge.conformance.auth import Placement
from specforge.conformance.http import UNSAFE
from specforge.conformance.model import SpecModel


def planned_paid(model: SpecModel, max_examples: int) -> int:
    """Requests of the suite that a conformant server would accept on an unsafe operation."""
    total = 0
    none = Placement()
    creates = {create.operation_id for _, create, _ in model.pollers()}
    for op in model.api.operations:
        if op.method not in UNSAFE:
            continue
        total += max_examples  # Schemathesis, valid data
        base = cases.baseline(model, op)
        if base is None:
            continue
        found = [*cases.enum_cases(model, base, none), *cases.boundary_cases(model, base, none)]
        total += 1 + sum(1 for case in found if case.call.paid)
        total += 4 * len(cases.deprecated_cases(model, base, none))
        total += 1 if op.operation_id in creates else 0
    return total
