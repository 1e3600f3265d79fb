"""Values generated data rarely reaches: type edges, enum variants, multi-byte and blank
strings, the status of each optional property, and a wrong key of the right shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from specforge.conformance import cases, checks
from specforge.conformance.faults import parse_faults
from specforge.conformance.http import Budget, Sender
from specforge.conformance.runtime import Run
from specforge.conformance.secrets import similar_key
from specforge.conformance.suite.helpers import assert_clean, auth, baseline, check_cases, judge
from specforge.generator.ir import Operation


def select(run: Run, op: Operation) -> bool:
    return cases.baseline(run.model, op) is not None


def test_values(run: Run, operation_id: str) -> None:
    """Numbers as strings, fractions, booleans or null are refused; enum variants are refused;
    multi-byte strings at a length bound and blank strings the schema allows are accepted."""
    check_cases(run, operation_id, cases.value_cases, "no body property these values apply to")


def test_success_status(run: Run, operation_id: str) -> None:
    """A valid request with each optional property gets a documented 2xx."""
    mark = len(run.recorder.outcomes)
    base = baseline(run, operation_id)
    found = cases.success_cases(run.model, base, auth(run, base.op))
    if not found:
        pytest.skip("no optional body property, or no documented 2xx to compare with")
    for name, call in found:
        exchange = run.send(base.op, call, name)
        if exchange is not None:
            judge(
                run, checks.success_status_documented, base.op, name, call, base.op, exchange, name
            )
    assert_clean(run, mark)


@pytest.fixture(scope="module")
def keyed(run: Run) -> Iterator[Sender]:
    """Where a wrong key can be judged: the server under test, or, for the embedded mock (which
    accepts any non-empty key), a second embedded mock with the same spec and faults that holds
    the run's key."""
    if not run.settings.embedded:
        yield run.sender
        return
    from specforge.conformance.mock.server import MockOptions, running

    options = MockOptions(
        spec=Path(run.settings.spec),
        lenient=run.settings.lenient,
        faults=parse_faults(run.settings.faults),
        api_key=run.settings.api_key,
        retry_after=0,
    )
    with running(options, model=run.model) as url:
        sender = Sender(url, run.settings.api_key, run.settings.api_key_env, Budget(None))
        try:
            yield sender
        finally:
            sender.close()


def test_similar_key(run: Run, keyed: Sender, operation_id: str) -> None:
    """The configured key with its last characters changed gets 401 or 403."""
    mark = len(run.recorder.outcomes)
    base = baseline(run, operation_id)
    if not run.model.security(base.op):
        pytest.skip("the operation is not secured")
    wrong = similar_key(keyed.api_key)
    if wrong == keyed.api_key:
        pytest.skip("the key has no letter or digit to change")
    call = base.call(run.model.credentials(base.op, wrong), paid=False)
    case = "the key with its last characters changed"
    exchange = keyed.send(call)
    for check in checks.RESPONSE_CHECKS:
        run.judge(check, base.op, case, check(run.model, base.op, exchange), call)
    judge(run, checks.similar_key_refused, base.op, case, call, exchange, case)
    assert_clean(run, mark)
