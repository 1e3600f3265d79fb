"""Resources a client creates and then reads, replaces and deletes at their own path.

For every create (`POST` on a collection) whose items the spec lets a client read (`GET` on the
collection's path and one more parameter): a resource is created with the create's minimal valid
request and found by its `Location` or the id its answer holds; it can then be read; a replace
(`PUT`) guarded by `If-Match` refuses a tag it never issued (412) and a request without one (4xx
where the header is required), gives the resource a new tag when it changes it, and forgets an
optional property it leaves out; after a 2xx `DELETE` the resource is gone (404 or 410).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from specforge.conformance import cases, checks
from specforge.conformance.http import Exchange
from specforge.conformance.runtime import IF_MATCH, Run, header_param, without
from specforge.conformance.suite.helpers import assert_clean, auth, judge
from specforge.document.schemas import json_types
from specforge.generator.ir import Operation

_ITEM = re.compile(r"^(.*)/\{([^{}/]+)\}$")
_SERIAL = itertools.count(1)
NEVER_ISSUED = '"specforge-never-issued"'


@dataclass(frozen=True)
class Resource:
    """The operations on one kind of resource: its create, and those on an item's own path."""

    create: Operation
    read: Operation
    param: str  # the item path's last parameter: the resource's id
    replace: Operation | None
    delete: Operation | None


def resource_of(run: Run, create: Operation) -> Resource | None:
    if create.method != "POST":
        return None
    on_item: dict[str, Operation] = {}
    param = ""
    for op in run.model.api.operations:
        match = _ITEM.match(op.full_path)
        if match and match.group(1) == create.full_path:
            on_item.setdefault(op.method, op)
            param = match.group(2)
    if "GET" not in on_item:
        return None
    return Resource(create, on_item["GET"], param, on_item.get("PUT"), on_item.get("DELETE"))


def select(run: Run, op: Operation) -> bool:
    base = cases.baseline(run.model, op)
    return resource_of(run, op) is not None and base is not None and base.positive


def new_id(exchange: Exchange, param: str, collection_path: str) -> str:
    """The created resource's id: the last segment of its `Location`, else the answer's field
    named like the path parameter (or `id`), at its top level or under `data`."""
    location = urlsplit(exchange.headers.get("location", "")).path.rstrip("/")
    if location and location.rsplit("/", 1)[0].endswith(collection_path.rsplit("/", 1)[-1]):
        return location.rsplit("/", 1)[-1]
    body = exchange.json()
    for holder in (body, body.get("data") if isinstance(body, dict) else None):
        if not isinstance(holder, dict):
            continue
        for key in (param, param.rsplit("_", 1)[-1], "id"):
            value = holder.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                return str(value)
    return ""


def optional_text(run: Run, op: Operation) -> str:
    """An optional body property of `op` that takes any short text (no enum, format or pattern)."""
    for item in op.body.properties if op.body else ():
        schema = run.model.resolve(item.schema)
        if item.required or not isinstance(schema, dict) or "string" not in json_types(schema):
            continue
        if {"enum", "const", "format", "pattern", "readOnly"} & set(schema):
            continue
        if schema.get("minLength", 0) <= 24 <= schema.get("maxLength", 24):
            return item.name
    return ""


def test_resource(run: Run, operation_id: str) -> None:
    """Create, read, replace (entity tags, forgotten properties) and delete one resource."""
    mark = len(run.recorder.outcomes)
    resource = resource_of(run, run.model.operation(operation_id))
    assert resource is not None
    base = cases.baseline(run.model, resource.create)
    assert base is not None
    marker = optional_text(run, resource.create) if resource.replace else ""
    text = f"specforge marker {next(_SERIAL)}"
    body = {**base.body, marker: text} if marker and isinstance(base.body, dict) else None
    made = run.check(
        checks.baseline_accepted,
        resource.create,
        base.call(auth(run, resource.create), body=body),
        "create a resource to follow",
    )
    rid = new_id(made, resource.param, resource.create.full_path) if made else ""
    if made is None or not 200 <= made.status < 300 or not rid:
        assert_clean(run, mark)
        pytest.skip("no resource was created, or its answer does not say its id")
    ids = {**base.path_params, resource.param: rid}

    def call(op: Operation, **options: Any) -> Any:
        item = cases.baseline(run.model, op)
        assert item is not None
        return item.call(auth(run, op), path_params=ids, **options)

    read = run.check(
        checks.created_resource_readable, resource.read, call(resource.read), "the created one"
    )
    if resource.replace is not None and read is not None and 200 <= read.status < 300:
        replaced(run, resource, call, read, marker, text)
    if resource.delete is not None:
        gone = run.send(
            resource.delete, run.conditional(resource.delete, call(resource.delete)), ""
        )
        if gone is not None and 200 <= gone.status < 300:
            run.check(checks.deleted_resource_gone, resource.read, call(resource.read), "deleted")
    assert_clean(run, mark)


def replaced(
    run: Run, resource: Resource, call: Any, read: Exchange, marker: str, text: str
) -> None:
    """The replace's checks, on the resource just created and `read`."""
    op = resource.replace
    assert op is not None
    name = header_param(op, IF_MATCH)
    guarded = name is not None
    required = any(f.location == "header" and f.name == name and f.required for f in op.parameters)
    # sent as built (`run.check` would put the current tag in)
    if guarded:
        stale = call(op, headers={"If-Match": NEVER_ISSUED})
        case = "a replace with an If-Match never issued"
        answer = run.send(op, stale, case)
        if answer is not None:
            judge(run, checks.stale_tag_refused, op, case, stale, answer, case)
    if required:
        bare = call(op)
        bare.headers = without(bare.headers, IF_MATCH)
        case = "a replace without If-Match"
        answer = run.send(op, bare, case)
        if answer is not None:
            judge(run, checks.precondition_required, op, case, bare, answer, case)
    fresh = run.conditional(op, call(op))
    before = next((v for k, v in fresh.headers.items() if k.lower() == IF_MATCH), "")
    answer = run.send(op, fresh, "a replace with the current entity tag")
    if answer is None or not 200 <= answer.status < 300:
        return
    after = run.send(resource.read, call(resource.read), "the replaced one")
    if after is None or not 200 <= after.status < 300:
        return
    if guarded and before and after.json() != read.json():
        tag = answer.headers.get("etag") or after.headers.get("etag", "")
        judge(run, checks.entity_tag_changes, op, "replace", fresh, before, tag, "a replace")
    if marker and marker not in (fresh.sent_json() or {}):
        judge(
            run,
            checks.replace_forgets_omitted,
            op,
            "replace",
            fresh,
            marker,
            text,
            after.json(),
            "a replace without it",
        )
