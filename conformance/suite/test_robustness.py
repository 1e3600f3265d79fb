"""Schemathesis-generated requests, valid and invalid: never a 5xx; invalid bodies get a 4xx."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode

from specforge.conformance import checks
from specforge.conformance.cases import UNSAFE
from specforge.conformance.http import Call
from specforge.conformance.runtime import Run
from specforge.conformance.schemathesis_schema import schemathesis_document
from specforge.conformance.secrets import scrub
from specforge.conformance.suite.helpers import assert_clean, auth, judge
from specforge.generator.ir import Operation

_SCHEMAS: dict[int, Any] = {}


def _schema(run: Run) -> Any:
    key = id(run)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = schemathesis.openapi.from_dict(
            schemathesis_document(run.model, run.settings.base_url)
        )
    return _SCHEMAS[key]


def _to_call(run: Run, op: Operation, case: Any, mode: GenerationMode) -> Call:
    kwargs = case.as_transport_kwargs(base_url=run.settings.base_url)
    parts = urlsplit(kwargs["url"])
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {
        k: str(v)
        for k, v in (kwargs.get("headers") or {}).items()
        if k.lower() not in ("authorization", "user-agent", "x-schemathesis-testcaseid")
    }
    headers.update(auth(run))
    call = Call(kwargs["method"], path, query=dict(kwargs.get("params") or {}), headers=headers)
    if "json" in kwargs:
        call.json_body = kwargs["json"]
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        call.content = (
            data.encode()
            if isinstance(data, str)
            else bytes(data)
            if isinstance(data, bytes)
            else None
        )
    call.paid = (
        op.method in UNSAFE
        and _valid_body(run, op, call) is not False
        and mode == GenerationMode.POSITIVE
    )
    return call


def _valid_body(run: Run, op: Operation, call: Call) -> bool | None:
    """Whether the body is valid for the operation (None: not judged)."""
    pointer = run.model.body_pointer(op)
    if not pointer or not op.body or "json" not in op.body.content_type:
        return None
    if call.json_body is None and call.content is None:
        return not op.body.required
    document = call.json_body
    if call.content is not None:
        try:
            document = json.loads(call.content)
        except ValueError:
            return False
    return bool(run.model.validator(pointer).is_valid(document))


def select(run: Run, op: Operation) -> bool:
    return True


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
def test_fuzz(run: Run, operation_id: str, mode: GenerationMode) -> None:
    mark = len(run.recorder.outcomes)
    op = run.model.operation(operation_id)
    schema = _schema(run)
    try:
        st_op = _find(schema, op)
    except LookupError:
        pytest.skip("Schemathesis cannot build requests for this operation")
    strategy = st_op.as_strategy(generation_mode=mode)

    @settings(
        max_examples=run.settings.max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def fuzz(case: Any) -> None:
        call = _to_call(run, op, case, mode)
        label = f"{mode.value}: {_describe(case)}"
        exchange = run.send(op, call, label)
        if exchange is None or mode != GenerationMode.NEGATIVE:
            return
        if _valid_body(run, op, call) is False and op.body and "json" in op.body.content_type:
            judge(run, checks.invalid_input_rejected, op, label, call, exchange, label)

    try:
        fuzz()
    except Exception as error:  # generation problems of Schemathesis/Hypothesis, not of the server
        assert_clean(run, mark)
        reason = f"Schemathesis could not generate requests: {type(error).__name__}: {error}"
        pytest.skip(scrub(reason)[:300])
    assert_clean(run, mark)


def _describe(case: Any) -> str:
    data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    text = str(getattr(data, "description", "") or "generated request")
    return " ".join(text.split())[:160]


def _find(schema: Any, op: Operation) -> Any:
    for result in schema.get_all_operations():
        found = result.ok()
        if found.method.upper() == op.method and found.path == op.full_path:
            return found
    raise LookupError(op.full_path)
