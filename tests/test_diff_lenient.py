"""`specforge diff` compares documents the validator rejects instead of refusing them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specforge.cli import main

OLD = """openapi: 3.0.3
info: {title: Early, version: '0.1'}
paths:
  /videos:
    post:
      operationId: createVideo
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                prompt: {type: unknown}
                seconds: {type: integer}
                audio: {type: boolean, default: 'auto'}
      responses:
        200: {description: ok}
"""


def test_an_invalid_document_is_diffed_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(OLD.replace("                seconds: {type: integer}\n", ""), encoding="utf-8")
    code = main(["diff", str(old), str(new), "--format", "json"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "Traceback" not in captured.err
    assert "not a valid OpenAPI document" in captured.err and "compared as written" in captured.err
    changes = json.loads(captured.out)["changes"]
    assert any("seconds" in json.dumps(change) for change in changes)


def test_a_document_that_cannot_be_parsed_is_still_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text("openapi: [", encoding="utf-8")
    assert main(["diff", str(old), str(new)]) == 2
    assert "Traceback" not in capsys.readouterr().err
