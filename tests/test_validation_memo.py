"""The validator's meta-schema check is remembered by schema content: the findings are the
validator's own with and without what is remembered (errors are always checked again), and a
spec with one schema changed has only that schema checked when the generation cache is kept."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from specforge.cli import main
from specforge.document import validate
from specforge.document.loader import load_spec
from specforge.generator import cache as caching
from specforge.generator.findings import ValidSchemas
from tests.conftest import FULL_SPEC, ROOT

ACME = ROOT / "tests" / "fixtures" / "acme-projects.yaml"
VIDEOS = ROOT / "spec" / "together-videos.yaml"


def meta_checks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every schema the validator's own meta-schema check is run on (appended as it runs)."""
    from openapi_spec_validator.validation import keywords

    seen: list[Any] = []
    real = keywords.SchemaValidator._validate_schema_meta

    def counted(self: Any, schema: Any, schema_value: Any) -> Any:
        seen.append(schema_value)
        return real(self, schema, schema_value)

    monkeypatch.setattr(keywords.SchemaValidator, "_validate_schema_meta", counted)
    return seen


def broken(tmp_path: Path) -> Path:
    """ACME with the same invalid schema in two places and a valid one beside them."""
    document = json.loads(json.dumps(load_spec(ACME).document))
    schemas = document["components"]["schemas"]
    schemas["BrokenOne"] = {"type": "object", "properties": {"n": {"minLength": -1}}}
    schemas["BrokenTwo"] = copy.deepcopy(schemas["BrokenOne"])
    schemas["Fine"] = {"type": "string", "maxLength": 3}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("spec", [ACME, VIDEOS, FULL_SPEC], ids=["acme", "videos", "together"])
def test_findings_are_the_same_with_and_without_what_is_remembered(spec: Path) -> None:
    if not spec.is_file():
        pytest.skip(f"{spec} is absent (../shared is not beside the project)")
    loaded = load_spec(spec)
    known: set[str] = set()
    first = validate.find_findings(loaded, known)
    assert known
    assert validate.find_findings(loaded, known) == first
    assert validate.find_findings(load_spec(spec)) == first


def test_a_failing_schema_is_checked_and_reported_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_spec(broken(tmp_path))
    known: set[str] = set()
    first = validate.find_findings(spec, known)
    pointers = [f.pointer for f in first]
    assert any("BrokenOne" in p for p in pointers) and any("BrokenTwo" in p for p in pointers)
    seen = meta_checks(monkeypatch)
    assert validate.find_findings(spec, known) == first
    assert seen and all(value.get("properties", {}).get("n") == {"minLength": -1} for value in seen)


def test_one_changed_schema_is_the_only_one_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(caching.ENV_DIR, raising=False)
    cache = tmp_path / "cache"
    argv = ["generate", "--output", str(tmp_path / "pkg"), "--cache-dir", str(cache), "--spec"]
    assert main([*argv, str(ACME)]) == 0
    stored = ValidSchemas(caching.Cache(cache)).keys
    assert stored
    document = json.loads(json.dumps(load_spec(ACME).document))
    name, schema = next(iter(document["components"]["schemas"].items()))
    schema["description"] = "Changed. " + str(schema.get("description", ""))
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document), encoding="utf-8")
    seen = meta_checks(monkeypatch)
    assert main([*argv, str(changed)]) == 0
    assert [value.get("description") for value in seen] == [schema["description"]], name
    assert ValidSchemas(caching.Cache(cache)).keys > stored


def test_the_kept_keys_are_bounded_newest_last(tmp_path: Path) -> None:
    cache = caching.Cache(tmp_path)
    kept = ValidSchemas(cache)
    kept.keys |= {f"{n:032x}" for n in range(10)}
    monkey = ValidSchemas.MAX_KEYS
    try:
        ValidSchemas.MAX_KEYS = 4
        kept.save()
    finally:
        ValidSchemas.MAX_KEYS = monkey
    assert ValidSchemas(cache).keys == {f"{n:032x}" for n in range(6, 10)}


def test_a_schema_that_is_no_json_text_is_checked_without_a_key() -> None:
    assert validate.schema_key("v", None, {1: "a", "b": 2}) == ""  # keys of mixed types
    assert len(validate.schema_key("v", None, {"type": "string"})) == validate.SCHEMA_KEY_LENGTH
    assert validate.schema_key("v", None, {"a": 1}) != validate.schema_key("w", None, {"a": 1})
    assert validate.schema_key("v", None, {"a": 1}) != validate.schema_key("v", "d", {"a": 1})
