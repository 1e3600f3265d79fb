"""Options of a conformance run, passed from `specforge conform` to the pytest suite."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

ENV_VAR = "SPECFORGE_CONFORM"
DEFAULT_BUDGET = 20


@dataclass(frozen=True)
class SuiteSettings:
    """Where the server is, which spec it answers to, and how far to go."""

    spec: str
    base_url: str
    api_key: str
    api_key_env: str = "TOGETHER_API_KEY"
    lenient: bool = False
    max_examples: int = 25
    budget: int | None = None  # None: unlimited (the embedded mock)
    strict: bool = False
    continue_on_failure: bool = False
    embedded: bool = True
    poll_interval: float = 0.0
    poll_limit: int = 20
    faults: list[str] = field(default_factory=list)
    results_path: str = ""

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> SuiteSettings:
        raw = os.environ.get(ENV_VAR, "")
        if not raw:
            raise RuntimeError(f"{ENV_VAR} is not set: run the suite with 'specforge conform'")
        return cls(**json.loads(raw))
