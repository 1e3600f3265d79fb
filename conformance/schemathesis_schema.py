"""The spec as Schemathesis should see it: every operation at its full path on one origin.

Schemathesis applies neither operation-level `servers` nor path-level ones, so paths are
rewritten to `server base path + path` and a single server (the origin under test) is set.
"""

from __future__ import annotations

import copy
from typing import Any

from specforge.conformance.mock.sse import sse_document
from specforge.conformance.model import SpecModel
from specforge.document.loader import resolve_pointer


def schemathesis_document(model: SpecModel, origin: str) -> dict[str, Any]:
    """A copy of the raw document with paths at their full paths and `servers` = [origin]."""
    document = copy.deepcopy(model.raw)
    paths: dict[str, Any] = {}
    for op in model.api.operations:
        item_pointer = "/" + op.pointer.lstrip("/").rsplit("/", 1)[0]
        item = resolve_pointer(model.raw, item_pointer)
        target = paths.setdefault(op.full_path, {})
        if "parameters" in item:
            target["parameters"] = copy.deepcopy(item["parameters"])
        operation = copy.deepcopy(item[op.method.lower()])
        operation.pop("servers", None)
        target[op.method.lower()] = operation
    document["paths"] = paths
    document["servers"] = [{"url": origin.rstrip("/")}]
    return sse_document(document)
