"""Generation settings: `[tool.specforge]` in pyproject.toml, overridable per call."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomllib

from specforge.document.errors import ConfigError
from specforge.document.limits import Limits

_PACKAGE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Config:
    """Everything the pipeline needs to know besides the spec itself."""

    spec: Path = Path("spec/together-videos.yaml")
    package: str = "together_videos"
    output: Path = Path("generated/together_videos")
    api_key_env: str = "TOGETHER_API_KEY"
    base_url_env: str = "TOGETHER_BASE_URL"
    sdk_name: str = ""
    lenient: bool = False
    allow_external_refs: bool = False
    idempotency_header: str = ""
    lint_ignore: tuple[str, ...] = ()
    # Bounds on the spec and on each phase's time (`[tool.specforge.limits]`, `--limit`).
    limits: Limits = field(default_factory=Limits)

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with the given non-None values replaced."""
        values = {key: value for key, value in overrides.items() if value is not None}
        for key in ("spec", "output"):
            if key in values:
                values[key] = Path(values[key])
        config = replace(self, **values)
        config.check()
        return config

    def check(self) -> None:
        if not _PACKAGE_NAME.fullmatch(self.package):
            raise ConfigError(
                f"package name {self.package!r} is not accepted: use lower-case letters, "
                "digits and underscores, not starting with a digit (e.g. together_videos)"
            )
        for name in ("api_key_env", "base_url_env"):
            value = getattr(self, name)
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
                raise ConfigError(f"{name} {value!r} is not a valid environment variable name")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start`."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    """Read `[tool.specforge]`; paths in it are relative to the pyproject's folder."""
    pyproject = find_pyproject((start or Path.cwd()).resolve())
    if pyproject is None:
        return Config()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{pyproject}: not valid TOML: {error}") from None
    section = data.get("tool", {}).get("specforge", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.specforge] must be a table")
    known = {field.name for field in fields(Config)}
    unknown = sorted(set(section) - known - {"lint"})
    if unknown:
        raise ConfigError(
            f"{pyproject}: unknown [tool.specforge] key(s) {', '.join(unknown)}; "
            f"accepted: {', '.join(sorted(known))}"
        )
    root = pyproject.parent
    values: dict[str, Any] = {key: value for key, value in section.items() if key in known}
    for key in ("spec", "output"):
        if key in values:
            values[key] = root / values[key]
    lint = section.get("lint", {})
    if isinstance(lint, dict) and "ignore" in lint:
        values["lint_ignore"] = tuple(lint["ignore"])
    if "lint_ignore" in values:
        values["lint_ignore"] = tuple(values["lint_ignore"])
    if "limits" in values:
        table = values["limits"]
        if not isinstance(table, dict):
            raise ConfigError(
                f"{pyproject}: [tool.specforge] limits must be a table, e.g. "
                "[tool.specforge.limits] with enum-values = 20000"
            )
        values["limits"] = Limits().updated(table, f"{pyproject}: [tool.specforge.limits]")
    config = Config(**values)
    config.check()
    return config
