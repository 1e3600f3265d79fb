"""The document stage: one load for every command, and nothing downstream changes it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from specforge.document.document import load_document
from specforge.document.errors import SpecError
from specforge.gate.diff import diff_documents
from specforge.gate.lint import lint_document
from specforge.generator.parse import build_api
from tests.conftest import FULL_SPEC, ROOT
from tests.payload_specs import STYLES, payload_document

SPECS = [
    ROOT / "spec" / "together-videos.yaml",
    ROOT / "tests" / "fixtures" / "acme-projects.yaml",
    ROOT / "tests" / "fixtures" / "constructs" / "constructs-3.0.yaml",
    ROOT / "tests" / "fixtures" / "constructs" / "constructs-3.1.yaml",
]


def _documents(tmp_path: Path) -> list[Path]:
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(payload_document(STYLES["newline"])), encoding="utf-8")
    found = [*SPECS, payload]
    return [*found, FULL_SPEC] if FULL_SPEC.is_file() else found


def test_building_linting_and_diffing_leave_the_document_as_loaded(tmp_path: Path) -> None:
    for path in _documents(tmp_path):
        document = load_document(path, lenient=True)
        before = copy.deepcopy((document.raw, document.normalized))
        build_api(document.normalized)
        lint_document(document.normalized, ())
        diff_documents(document.normalized, document.normalized)
        assert (document.raw, document.normalized) == before, path.name


def test_operations_carry_their_effective_servers_and_parameters() -> None:
    document = load_document(ROOT / "tests" / "fixtures" / "acme-projects.yaml")
    operations = {(op.method, op.path): op for op in document.operations()}
    assert len(operations) == 6
    get = operations[("GET", "/projects/{project_id}")]
    assert [p["name"] for p in get.parameters] == ["project_id"]
    assert get.servers[0]["url"] == "https://api.acme.example/v1"
    assert get.pointer == "/paths/~1projects~1{project_id}/get"
    listing = operations[("GET", "/projects")]
    assert [p["name"] for p in listing.parameters] == ["cursor", "limit"]


def test_an_invalid_spec_is_refused_unless_lenient(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses: {'200': {description: ok}}\n      parameters:\n"
        "        - {name: q, in: query, schema: {type: boolean, default: 'auto'}}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match="pass --lenient"):
        load_document(spec, hint="pass --lenient")
    assert load_document(spec, lenient=True).findings
