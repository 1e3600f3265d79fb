"""Property test: random valid specs generate importable packages whose models match the schemas."""

from __future__ import annotations

import importlib
import json
import os
import sys
from itertools import count
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schemathesis.core.jsonschema import CANONICALIZE_DRAFT_BY_VALIDATOR
from schemathesis.generation.jsonschema.builder import build as schema_strategy

from specforge.config import Config
from specforge.document.schemas import normalize
from specforge.generator.parse import build_api
from specforge.generator.pipeline import generate
from tests.package_checks import model_accepts, mypy_strict
from tests.random_specs import documents

_PACKAGES = count()
LONG = os.environ.get("SPECFORGE_HYPOTHESIS_PROFILE") == "fuzz"
DRAFT = CANONICALIZE_DRAFT_BY_VALIDATOR[jsonschema_rs.Draft202012Validator]


def _generate(document: dict[str, Any], root: Path) -> tuple[str, Path]:
    package = f"random_pkg_{next(_PACKAGES)}"
    spec = root / f"{package}.json"
    spec.write_text(json.dumps(document))
    out = root / package
    generate(Config(spec=spec, package=package, output=out))
    return package, out


def _contains_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_contains_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_null(v) for v in value)
    return False


@pytest.mark.fuzz
@settings(max_examples=400 if LONG else 12, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=documents(), data=st.data())
def test_random_spec_models_accept_what_the_schema_accepts(
    document: dict[str, Any], data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("random")
    package, out = _generate(document, root)
    sys.path.insert(0, str(out / "src"))
    try:
        models = importlib.import_module(f"{package}.models")
        client_module = importlib.import_module(package)
        client_module.Client(api_key="k")
        schemas = document["components"]["schemas"]
        for name, schema in schemas.items():
            cls = _class_for(models, document, name)
            validator = Draft202012Validator(
                {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
            )
            instance = data.draw(
                schema_strategy(
                    {**schema, "components": {"schemas": schemas}}, draft=DRAFT, formats={}
                )
            )
            assert validator.is_valid(instance)
            assert model_accepts(cls, instance), (name, schema, instance)
            wrong = data.draw(st.sampled_from([0, "x", [1], {"z": 1}, True, 1.5]))
            for key in list(schema.get("properties", {}))[:2]:
                broken = {**instance, key: wrong}
                errors = list(validator.iter_errors(broken))
                # Enums are open in models reachable from responses (a value the spec does not
                # list must parse); every other violation must be refused.
                if (
                    errors
                    and not _contains_null(broken)
                    and not all(e.validator == "enum" for e in errors)
                ):
                    assert not model_accepts(cls, broken), (name, schema, broken)
    finally:
        sys.path.remove(str(out / "src"))


def _class_for(models: Any, document: dict[str, Any], name: str) -> Any:
    api = build_api(normalize(document, "3.1"))
    return getattr(models, api.schema_classes[name])


@pytest.mark.fuzz
@settings(max_examples=40 if LONG else 3, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=documents())
def test_random_spec_package_passes_mypy_strict(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    _, out = _generate(document, tmp_path_factory.mktemp("random"))
    done = mypy_strict(out)
    assert done.returncode == 0, done.stdout[-3000:]
