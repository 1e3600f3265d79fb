"""Validate a loaded document with openapi-spec-validator; every finding names a JSON pointer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from generator.errors import Finding, SpecError, pointer_from_path
from generator.loader import LoadedSpec

MAX_FINDINGS = 200


def openapi_version(document: dict[str, Any]) -> str:
    """ "3.0" or "3.1"; anything else is refused."""
    version = document.get("openapi")
    if isinstance(version, str) and version.startswith("3.1"):
        return "3.1"
    if isinstance(version, str) and version.startswith("3.0"):
        return "3.0"
    return ""


def find_findings(spec: LoadedSpec) -> list[Finding]:
    """All validator findings for the document (empty when valid)."""
    document = spec.document
    version = openapi_version(document)
    if not version:
        found = document.get("openapi", document.get("swagger"))
        return [
            Finding(
                "/openapi",
                "openapi-version",
                f"unsupported OpenAPI version {found!r}: 3.0.x and 3.1.x are accepted",
            )
        ]
    validator_class = OpenAPIV31SpecValidator if version == "3.1" else OpenAPIV30SpecValidator
    findings: list[Finding] = []
    defaults = _InvalidDefaults(document)
    try:
        for error in validator_class(document).iter_errors():
            findings.append(_finding_for(error, defaults))
            if len(findings) >= MAX_FINDINGS:
                break
    except RecursionError:
        findings.append(Finding("", "depth", "the document nests too deeply to validate"))
    return findings


def validate_spec(spec: LoadedSpec) -> list[Finding]:
    """Raise SpecError on any finding; returns [] for a valid spec."""
    findings = find_findings(spec)
    if findings:
        raise SpecError(spec.source, findings)
    return findings


def _finding_for(error: Any, defaults: _InvalidDefaults) -> Finding:
    rule = str(getattr(error, "validator", None) or "openapi")
    message = str(getattr(error, "message", error))
    path = list(getattr(error, "absolute_path", []) or [])
    pointer = pointer_from_path(path)
    if path and "instance" in dir(error):
        pointer = defaults.anchor(path, error.instance) or pointer
    if not path and "instance" in dir(error):
        pointer = defaults.locate(error.instance, message) or pointer
        if pointer.endswith("/default"):
            rule = f"default-{rule}"
    return Finding(pointer, rule, message)


class _InvalidDefaults:
    """Locates schema `default` values that break their own schema.

    openapi-spec-validator reports these without a location, so they are found again here.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document
        self._candidates: list[tuple[str, Any, str]] = list(self._scan(document))
        self._used: set[str] = set()
        self._containers: list[tuple[tuple[Any, ...], Any]] | None = None

    def anchor(self, path: list[Any], instance: Any) -> str:
        """The absolute pointer of a finding whose path is relative to some inner schema.

        The validator checks each schema on its own, so its paths can start below the
        document root; the first node from which `path` leads to `instance` is taken.
        """
        if _follow(self._document, path, instance):
            return pointer_from_path(path)
        if self._containers is None:
            self._containers = sorted(
                _walk(self._document), key=lambda item: [str(p) for p in item[0]]
            )
        for where, node in self._containers:
            if _follow(node, path, instance):
                return pointer_from_path([*where, *path])
        return ""

    def _scan(self, node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, Any, str]]:
        stack: list[tuple[Any, tuple[Any, ...]]] = [(node, path)]
        while stack:
            current, where = stack.pop()
            if isinstance(current, dict):
                if "default" in current and "type" in current:
                    check = {"type": current["type"]}
                    if isinstance(current.get("type"), str) and current.get("nullable"):
                        check = {"type": [current["type"], "null"]}
                    errors = list(Draft202012Validator(check).iter_errors(current["default"]))
                    if errors:
                        yield (
                            pointer_from_path([*where, "default"]),
                            current["default"],
                            errors[0].message,
                        )
                stack.extend((value, (*where, key)) for key, value in current.items())
            elif isinstance(current, list):
                stack.extend((value, (*where, index)) for index, value in enumerate(current))

    def locate(self, instance: Any, message: str) -> str:
        ordered = sorted(self._candidates, key=lambda item: item[0])
        for pointer, value, candidate_message in ordered:
            if pointer in self._used or value != instance or type(value) is not type(instance):
                continue
            if candidate_message == message:
                self._used.add(pointer)
                return pointer
        return ""


def _follow(node: Any, path: list[Any], instance: Any) -> bool:
    for part in path:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
        else:
            return False
    return bool(node == instance and type(node) is type(instance))


def _walk(document: Any) -> Iterator[tuple[tuple[Any, ...], Any]]:
    stack: list[tuple[tuple[Any, ...], Any]] = [((), document)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            yield where, node
            stack.extend(((*where, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*where, index), value) for index, value in enumerate(node))
