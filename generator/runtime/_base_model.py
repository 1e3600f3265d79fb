"""Base class of every generated model: extra properties kept, validation built on first use."""

from __future__ import annotations

import pydantic


class BaseModel(pydantic.BaseModel):
    """A response or request object; properties the spec does not list stay reachable."""

    model_config = pydantic.ConfigDict(extra="allow", defer_build=True, populate_by_name=True)
