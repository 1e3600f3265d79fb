"""The generated package declares what its models need."""

from __future__ import annotations

from pathlib import Path

import tomllib

from specforge.cli import main

SPEC = """openapi: 3.1.0
info: {title: Mail, version: '1'}
paths:
  /u:
    post:
      operationId: makeUser
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/U'}}}}
      responses: {'200': {description: ok}}
components:
  schemas:
    U:
      type: object
      properties:
        site: {type: string, format: uri}
"""


def _dependencies(tmp_path: Path, text: str) -> list[str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "mailpkg"
    assert (
        main(["generate", "--spec", str(spec), "--output", str(out), "--package", "mailpkg"]) == 0
    )
    project = tomllib.loads((out / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"])


def test_email_formats_bring_email_validator(tmp_path: Path) -> None:
    with_email = SPEC.replace(
        "site: {type: string, format: uri}", "email: {type: string, format: email}"
    )
    assert "email-validator>=2" in _dependencies(tmp_path / "a", with_email)


def test_no_optional_dependency_without_a_format_that_needs_it(tmp_path: Path) -> None:
    found = _dependencies(tmp_path / "b", SPEC)
    assert not any(d.startswith("email-validator") for d in found)
    assert any(d.startswith("httpx") for d in found) and any(
        d.startswith("pydantic") for d in found
    )


def test_ulid_format_brings_python_ulid(tmp_path: Path) -> None:
    with_ulid = SPEC.replace(
        "site: {type: string, format: uri}", "key: {type: string, format: ulid}"
    )
    found = _dependencies(tmp_path / "c", with_ulid)
    assert "python-ulid>=3" in found and not any(d.startswith("email-validator") for d in found)


def test_a_property_named_like_a_type_brings_nothing(tmp_path: Path) -> None:
    named = SPEC.replace("site: {type: string, format: uri}", "EmailStr: {type: string}")
    assert not any(d.startswith("email-validator") for d in _dependencies(tmp_path / "d", named))
