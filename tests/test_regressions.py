"""Named regression tests for faults the property tests found in generated models."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from specforge.config import Config
from specforge.generator.pipeline import generate
from tests.package_checks import model_accepts

_PACKAGES = count()


def _models(tmp_path: Path, schemas: dict[str, Any]) -> Any:
    package = f"regression_pkg_{next(_PACKAGES)}"
    media = {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{next(iter(schemas))}"}}
    }
    document = {
        "openapi": "3.1.0",
        "info": {"title": "R", "version": "1.0.0"},
        "paths": {
            "/x": {
                "post": {
                    "operationId": "op",
                    "requestBody": {"content": media},
                    "responses": {"200": {"description": "ok", "content": media}},
                }
            }
        },
        "components": {"schemas": schemas},
    }
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(document))
    generate(Config(spec=spec, package=package, output=tmp_path / package))
    sys.path.insert(0, str(tmp_path / package / "src"))
    return importlib.import_module(f"{package}.models")


@pytest.fixture(autouse=True)
def _clean_path() -> Iterator[None]:
    before = list(sys.path)
    yield
    sys.path[:] = before


def test_additional_properties_false_forbids_extras(tmp_path: Path) -> None:
    models = _models(
        tmp_path,
        {
            "Outer": {
                "type": "object",
                "properties": {
                    "inner": {
                        "type": "object",
                        "properties": {"x": {"type": "string"}},
                        "additionalProperties": False,
                    }
                },
            }
        },
    )
    assert model_accepts(models.Outer, {"inner": {"x": "a"}})
    assert not model_accepts(models.Outer, {"inner": {"z": 1}})


def test_typed_additional_properties_are_checked(tmp_path: Path) -> None:
    models = _models(
        tmp_path,
        {
            "Counts": {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "additionalProperties": {"type": "integer"},
            }
        },
    )
    assert model_accepts(models.Counts, {"name": "a", "apples": 3})
    assert not model_accepts(models.Counts, {"name": "a", "apples": "three"})


def test_unspecified_additional_properties_are_kept(tmp_path: Path) -> None:
    models = _models(
        tmp_path, {"Open": {"type": "object", "properties": {"a": {"type": "string"}}}}
    )
    assert models.Open.model_validate({"a": "x", "later": 1}).model_extra == {"later": 1}


def test_single_type_union_with_non_ascii_description_builds(tmp_path: Path) -> None:
    models = _models(
        tmp_path,
        {
            "Thing": {
                "type": "object",
                "properties": {
                    "é": {
                        "anyOf": [{"type": "string"}, {"type": "string", "minLength": 2}],
                        "description": "naïve ü",
                    }
                },
            }
        },
    )
    assert model_accepts(models.Thing, {"é": "ab"})


def test_schemas_whose_names_collide_get_classes_that_exist(tmp_path: Path) -> None:
    from specforge.document.schemas import normalize
    from specforge.generator.parse import build_api

    schemas = {
        name: {"type": "object", "properties": {"v": {"type": "string"}}}
        for name in ("A", "A.", "a-", "A2")
    }
    models = _models(tmp_path, schemas)
    document = {"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}}
    classes = build_api(normalize(document, "3.1")).schema_classes
    assert len(set(classes.values())) == 4
    for name, class_name in classes.items():
        assert hasattr(models, class_name), (name, class_name)


def test_an_inline_model_named_like_a_component_does_not_take_its_class(tmp_path: Path) -> None:
    """`A.w` (inline) and component `W`: the class named for `W` is W's model, not A.w's."""
    from specforge.document.schemas import normalize
    from specforge.generator.parse import build_api

    schemas = {
        "A": {"type": "object", "properties": {"w": {"type": "object", "properties": {"x": {}}}}},
        "W": {"type": "object", "required": ["wid"], "properties": {"wid": {"type": "integer"}}},
    }
    models = _models(tmp_path, schemas)
    document = {"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}}
    w_class = build_api(normalize(document, "3.1")).schema_classes["W"]
    assert set(getattr(models, w_class).model_fields) == {"wid"}
    assert "x" in models.A.model_fields["w"].annotation.__args__[0].model_fields
