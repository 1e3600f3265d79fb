"""Errors and warnings raised while reading a spec or generating from it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class SpecforgeError(Exception):
    """Base class for every error specforge reports to a user (never a traceback)."""


@dataclass(frozen=True)
class Finding:
    """One problem found in a spec: where (JSON pointer), which rule, and what."""

    pointer: str
    rule: str
    message: str

    def render(self, source: str = "") -> str:
        where = f"{source}#{self.pointer}" if source else f"#{self.pointer}"
        return f"{where}: [{self.rule}] {self.message}"


class SpecError(SpecforgeError):
    """A spec that cannot be used: names the file, the JSON pointer(s) and the rule(s)."""

    def __init__(self, source: str, findings: list[Finding]) -> None:
        self.source = source
        self.findings = findings
        lines = [f"{source}: invalid spec ({len(findings)} problem(s))"]
        lines += ["  " + finding.render(source) for finding in findings]
        super().__init__("\n".join(lines))


class ConfigError(SpecforgeError):
    """Bad configuration or command-line input."""


def pointer_from_path(parts: Iterable[object]) -> str:
    """JSON pointer (RFC 6901) for a sequence of keys and indexes."""
    tokens = [str(part).replace("~", "~0").replace("/", "~1") for part in parts]
    return "".join("/" + token for token in tokens)
