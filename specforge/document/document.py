"""`SpecDocument`: a spec loaded once, validated (or leniently accepted) and normalised.

Every command builds one with `load_document` and hands it on: generate, lint, diff, the gate,
the mock and the suite read the same object, and none of them changes it (the intermediate
model builder works on copies of what it repairs).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specforge.document.errors import Finding, SpecError, pointer_from_path
from specforge.document.keywords import HTTP_METHODS
from specforge.document.limits import Limits
from specforge.document.loader import LoadedSpec, load_spec, resolve_pointer
from specforge.document.schemas import normalize
from specforge.document.validate import find_findings, openapi_version, structural_findings


@dataclass(frozen=True)
class OperationRef:
    """One operation with what applies to it from its path item and the document."""

    method: str  # upper case
    path: str
    pointer: str  # JSON pointer of the operation object
    operation: dict[str, Any]
    servers: tuple[dict[str, Any], ...]  # operation > path item > document
    parameters: tuple[dict[str, Any], ...]  # path item's merged with the operation's (by name, in)


@dataclass(frozen=True)
class SpecDocument:
    """The loaded spec: file facts, validator findings, and the normalised document."""

    spec: LoadedSpec
    version: str  # "3.0" or "3.1"
    findings: tuple[Finding, ...]
    normalized: dict[str, Any] = field(repr=False)

    @property
    def source(self) -> str:
        return self.spec.source

    @property
    def path(self) -> Path:
        return self.spec.path

    @property
    def raw(self) -> dict[str, Any]:
        """The document as written (before normalisation)."""
        return self.spec.document

    @property
    def valid(self) -> bool:
        return not self.findings

    def at(self, pointer: str) -> Any:
        """The value at a JSON pointer of the normalised document (KeyError when absent)."""
        return resolve_pointer(self.normalized, pointer)

    def resolve(self, node: Any) -> Any:
        """`node`, or what its local `$ref` points at (one hop)."""
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref.startswith("#"):
                try:
                    return self.at(ref[1:])
                except KeyError:
                    return node
        return node

    def operations(self) -> Iterator[OperationRef]:
        """Every operation, in path order then method order, with its effective settings."""
        document = self.normalized
        found = document.get("paths")
        paths: dict[str, Any] = found if isinstance(found, dict) else {}
        root_servers = _servers(document.get("servers"))
        for path in sorted(paths):
            item = paths[path]
            if isinstance(item, dict) and "$ref" in item:  # a path item kept elsewhere
                target = self.resolve(item)
                if isinstance(target, dict) and target is not item:
                    item = {**target, **{k: v for k, v in item.items() if k != "$ref"}}
            if not isinstance(item, dict):
                continue
            item_servers = _servers(item.get("servers")) or root_servers
            shared = self._parameters(item.get("parameters"))
            for method in HTTP_METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                own = self._parameters(operation.get("parameters"))
                merged = {(p.get("name"), p.get("in")): p for p in (*shared, *own)}
                yield OperationRef(
                    method=method.upper(),
                    path=str(path),
                    pointer=pointer_from_path(["paths", path, method]),
                    operation=operation,
                    servers=_servers(operation.get("servers")) or item_servers,
                    parameters=tuple(merged.values()),
                )

    def _parameters(self, raw: Any) -> tuple[dict[str, Any], ...]:
        if not isinstance(raw, list):
            return ()
        resolved = (self.resolve(p) for p in raw)
        return tuple(p for p in resolved if isinstance(p, dict))


def _servers(raw: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(s for s in raw if isinstance(s, dict))


def load_document(
    path: Path,
    *,
    lenient: bool = False,
    allow_external_refs: bool = False,
    limits: Limits | None = None,
    warn: bool = False,
    hint: str = "",
    structural: bool = False,
    validate: Callable[[LoadedSpec], tuple[str, Sequence[Finding]]] | None = None,
) -> SpecDocument:
    """Read, validate and normalise the spec at `path`.

    Validator findings refuse the spec (SpecError, exit 2) unless `lenient`, which accepts
    them as warnings (printed to stderr when `warn`); a document that is not OpenAPI 3.0/3.1
    is refused either way. `hint` is added to a refusal (e.g. how to pass --lenient).
    `structural` checks only the structure the OpenAPI schema gives (`structural_findings`);
    `validate` gives the OpenAPI version and the findings in the validator's stead (a cache).
    """
    spec = load_spec(path, allow_external_refs=allow_external_refs, limits=limits)
    if validate is not None:
        version, found = validate(spec)
        findings = list(found)
    else:
        findings = structural_findings(spec) if structural else find_findings(spec)
        version = openapi_version(spec.document)
    if not version or any(f.rule == "openapi-version" for f in findings):
        raise SpecError(spec.source, findings)
    if findings and not lenient:
        raise SpecError(spec.source, [*findings, *([Finding("", "hint", hint)] if hint else [])])
    if warn:
        for finding in findings[:5]:
            print(f"warning: {finding.render(spec.source)}", file=sys.stderr)
    return SpecDocument(
        spec=spec,
        version=version,
        findings=tuple(findings),
        normalized=normalize(spec.document, version),
    )
