"""Base class of every generated model: extra properties kept, validation built on first use."""

from __future__ import annotations

from typing import Any

import pydantic


class BaseModel(pydantic.BaseModel):
    """A response or request object; properties the spec does not list stay reachable."""

    model_config = pydantic.ConfigDict(extra="allow", defer_build=True, populate_by_name=True)


def validated_default(value: Any) -> Any:
    """A field's default as the spec writes it (JSON), which pydantic validates into the
    field's type (`validate_default=True`) whenever the field is left out."""
    return value
