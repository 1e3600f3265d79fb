"""Property tests: the generated request model accepts exactly what the spec's schema accepts."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pydantic
import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schemathesis.core.jsonschema import CANONICALIZE_DRAFT_BY_VALIDATOR
from schemathesis.generation.jsonschema.builder import build
from together_videos.models import CreateVideoBody

from tests.conftest import ROOT

DOCUMENT = yaml.safe_load((ROOT / "spec" / "together-videos.yaml").read_text())


def inline(node: Any) -> Any:
    """The schema with every local $ref replaced by its target (the spec has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = DOCUMENT
            for token in node["$ref"].lstrip("#/").split("/"):
                target = target[token]
            return inline({**target, **{k: v for k, v in node.items() if k != "$ref"}})
        return {k: inline(v) for k, v in node.items() if k not in ("example", "deprecated")}
    if isinstance(node, list):
        return [inline(item) for item in node]
    return node


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Schemathesis' JSON Schema generator (hypothesis-jsonschema lags current Hypothesis)."""
    draft = CANONICALIZE_DRAFT_BY_VALIDATOR[jsonschema_rs.Draft202012Validator]
    return build(schema, draft=draft, formats={})


SCHEMA = inline({"$ref": "#/components/schemas/CreateVideoBody"})
VALIDATOR = Draft202012Validator(SCHEMA)
WRONG_VALUES = st.one_of(
    st.integers(-100, 100),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=3),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


def model_accepts(instance: Any) -> bool:
    try:
        CreateVideoBody.model_validate_json(json.dumps(instance), strict=True)
    except pydantic.ValidationError:
        return False
    return True


@pytest.mark.fuzz
@given(from_schema(SCHEMA))
def test_valid_bodies_are_accepted_and_round_trip(instance: dict[str, Any]) -> None:
    model = CreateVideoBody.model_validate_json(json.dumps(instance), strict=True)
    dumped = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert VALIDATOR.is_valid(dumped), list(VALIDATOR.iter_errors(dumped))
    assert dumped == instance


@pytest.mark.fuzz
@given(from_schema(SCHEMA), st.sampled_from(sorted(SCHEMA["properties"])), WRONG_VALUES)
def test_bodies_the_schema_rejects_are_rejected(
    instance: dict[str, Any], name: str, value: Any
) -> None:
    broken = {**instance, name: value}
    assume(not VALIDATOR.is_valid(broken))
    assert not model_accepts(broken), broken


@pytest.mark.fuzz
@given(from_schema(SCHEMA))
def test_missing_required_property_is_rejected(instance: dict[str, Any]) -> None:
    broken = {k: v for k, v in instance.items() if k != "model"}
    assert not VALIDATOR.is_valid(broken) and not model_accepts(broken)
