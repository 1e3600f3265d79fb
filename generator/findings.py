"""The validator's findings for a loaded spec, kept in the cache by the spec's bytes.

Findings depend on the spec's bytes, on whether external `$ref`s are allowed and on the limits
in force, and on the validator's version (the cache's key covers the installed versions).
"""

from __future__ import annotations

from typing import Any

from specforge.document.errors import Finding
from specforge.document.loader import LoadedSpec
from specforge.generator import cache as caching

Validation = tuple[str, tuple[Finding, ...]]  # the OpenAPI version and the findings


class CachedFindings:
    """The findings (and OpenAPI version) of `spec`: from `cache` when it has them for these
    bytes, else from the validator when asked (then kept)."""

    def __init__(
        self,
        spec: LoadedSpec,
        cache: caching.Cache | None,
        *,
        allow_external_refs: bool = False,
    ) -> None:
        self.spec = spec
        self.cache = cache
        self.key = ""
        self.known: Validation | None = None
        if cache is not None:
            self.key = cache.key(
                "findings", spec.sha256, str(allow_external_refs), caching.limits_key(spec.limits)
            )
            self.known = _entry(cache.get_json("findings", self.key))

    @property
    def version(self) -> str:
        return self.known[0] if self.known else ""

    @property
    def pending(self) -> bool:
        """Whether the validator still has to run."""
        return self.known is None

    def result(self) -> Validation:
        if self.known is None:
            from specforge.document.validate import find_findings, openapi_version

            findings = tuple(find_findings(self.spec))
            self.known = openapi_version(self.spec.document), findings
            if self.cache is not None:
                entry = [[f.pointer, f.rule, f.message] for f in findings]
                self.cache.put_json(
                    "findings", self.key, {"version": self.known[0], "findings": entry}
                )
        return self.known


def _entry(value: Any) -> Validation | None:
    try:
        version = value["version"]
        findings = tuple(Finding(str(p), str(r), str(m)) for p, r, m in value["findings"])
    except (TypeError, KeyError, ValueError):
        return None
    return (version, findings) if isinstance(version, str) else None
