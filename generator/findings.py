"""The validator's findings for a loaded spec, kept in the cache by the spec's bytes.

Findings depend on the spec's bytes, on whether external `$ref`s are allowed and on the limits
in force, and on the validator's version (the cache's key covers the installed versions).
"""

from __future__ import annotations

from typing import Any

from specforge.document.errors import Finding
from specforge.document.loader import LoadedSpec
from specforge.document.validate import SCHEMA_KEY_LENGTH
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

            valid = ValidSchemas(self.cache)
            findings = tuple(find_findings(self.spec, valid.keys))
            valid.save()
            self.known = openapi_version(self.spec.document), findings
            if self.cache is not None:
                entry = [[f.pointer, f.rule, f.message] for f in findings]
                self.cache.put_json(
                    "findings", self.key, {"version": self.known[0], "findings": entry}
                )
        return self.known


class ValidSchemas:
    """The keys of schemas that passed the validator's meta-schema check (see
    `document.validate.schema_key`), kept in the cache as one entry across specs, so that a
    changed spec has only its changed schemas checked. At most `MAX_KEYS`, the newest kept;
    runs at the same time may each add keys, and the last to write keeps its own (a lost key
    is only checked again)."""

    MAX_KEYS = 200_000
    ENTRY = "valid-schemas"

    def __init__(self, cache: caching.Cache | None) -> None:
        self.cache = cache
        self.key = cache.key("findings", self.ENTRY) if cache is not None else ""
        text = cache.get_text("findings", self.key) if cache is not None else None
        self.stored = [k for k in (text or "").split("\n") if len(k) == SCHEMA_KEY_LENGTH]
        self.keys: set[str] = set(self.stored)
        self._before = len(self.keys)

    def save(self) -> None:
        if self.cache is None or len(self.keys) == self._before:
            return
        known = set(self.stored)
        ordered = [*self.stored, *sorted(self.keys - known)][-self.MAX_KEYS :]
        self.cache.put_text("findings", self.key, "\n".join(ordered))


def _entry(value: Any) -> Validation | None:
    try:
        version = value["version"]
        findings = tuple(Finding(str(p), str(r), str(m)) for p, r, m in value["findings"])
    except (TypeError, KeyError, ValueError):
        return None
    return (version, findings) if isinstance(version, str) else None
