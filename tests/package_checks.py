"""Checks shared by the tests that generate packages: strict model acceptance, mypy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pydantic


def model_accepts(cls: Any, value: Any) -> bool:
    """Whether a generated model accepts `value` as JSON, validated strictly."""
    try:
        cls.model_validate_json(json.dumps(value), strict=True)
    except pydantic.ValidationError:
        return False
    return True


def mypy_strict(project: Path, *sources: str) -> subprocess.CompletedProcess[str]:
    """`mypy --strict` on a generated project's sources (default: `src`), no cache."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *(sources or ("src",))],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
