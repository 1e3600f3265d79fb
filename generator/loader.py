"""Load an OpenAPI document: safe YAML/JSON, no duplicate keys, local `$ref`s only by default."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import Finding, SpecError, pointer_from_path

MAX_ALIASES = 1_000
MAX_SPEC_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class LoadedSpec:
    """A parsed spec document with its source and checksum."""

    path: Path
    text: str
    sha256: str
    document: dict[str, Any]

    @property
    def source(self) -> str:
        return str(self.path)


class _NoDuplicateKeys:
    """Constructor mixin: a mapping with a repeated key is an error, not a silent overwrite."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc, no-any-return]


class _StrictLoader(_NoDuplicateKeys, yaml.SafeLoader):
    """Pure-Python SafeLoader that refuses duplicate keys and counts aliases as it parses."""

    alias_count = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"more than {MAX_ALIASES} YAML aliases (alias bomb?)",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
        return super().compose_node(parent, index)


_FAST_BASE: Any = getattr(yaml, "CSafeLoader", None)
_FastLoader: Any = (
    type("_FastLoader", (_NoDuplicateKeys, _FAST_BASE), {}) if _FAST_BASE is not None else None
)


def _shared_containers(document: Any) -> int:
    """How often a list or mapping is reached again (each YAML alias of one is a reuse)."""
    seen: set[int] = set()
    reuses = 0
    stack = [document]
    while stack:
        node = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if id(node) in seen:
            reuses += 1
            continue
        seen.add(id(node))
        stack.extend(node.values() if isinstance(node, dict) else node)
    return reuses


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _keep_timestamps_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


for _loader in (_StrictLoader, _FastLoader):
    if _loader is not None:
        _loader.add_constructor("tag:yaml.org,2002:timestamp", _keep_timestamps_as_text)


def parse_text(text: str, source: str) -> Any:
    """Parse YAML (a superset of JSON) safely, turning parser errors into a SpecError.

    A document that is plain JSON is read with the JSON parser (faster, deeper nesting).
    """
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except _DuplicateKeyError as error:
            raise SpecError(source, [Finding("", "json", str(error))]) from None
        except RecursionError:
            raise SpecError(
                source, [Finding("", "depth", "the document nests too deeply")]
            ) from None
        except ValueError:
            pass  # not plain JSON after all: the YAML parser says what is wrong
    try:
        if _FastLoader is None:
            return yaml.load(text, Loader=_StrictLoader)
        document = yaml.load(text, Loader=_FastLoader)
        if _shared_containers(document) > MAX_ALIASES:
            raise SpecError(
                source, [Finding("", "yaml", f"more than {MAX_ALIASES} YAML aliases (alias bomb?)")]
            )
        return document
    except RecursionError:
        raise SpecError(source, [Finding("", "depth", "the document nests too deeply")]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or "YAML error"
        raise SpecError(source, [Finding("", "yaml", f"{problem}{where}")]) from None
    except yaml.YAMLError as error:
        raise SpecError(source, [Finding("", "yaml", str(error))]) from None


def iter_refs(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every `$ref` value in the document with the path of the object holding it."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                yield where, ref
            for key, value in current.items():
                if isinstance(value, (dict, list)):
                    stack.append((value, (*where, key)))
        elif isinstance(current, list):
            for index, value in enumerate(current):
                if isinstance(value, (dict, list)):
                    stack.append((value, (*where, index)))


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer inside `document`; KeyError when absent."""
    if pointer in ("", "/"):
        return document
    current = document
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            raise KeyError(pointer)
    return current


def check_refs(document: Any, source: str, allow_external: bool) -> list[Finding]:
    """Findings for `$ref`s that are external (unless allowed) or do not resolve."""
    findings: list[Finding] = []
    for where, ref in iter_refs(document):
        pointer = pointer_from_path([*where, "$ref"])
        if not ref.startswith("#"):
            if not allow_external:
                findings.append(
                    Finding(
                        pointer,
                        "external-ref",
                        f"external $ref {ref!r} refused: only local references ('#/...') are "
                        "followed (pass --allow-external-refs to bundle them yourself first)",
                    )
                )
            continue
        try:
            resolve_pointer(document, ref[1:])
        except KeyError:
            findings.append(Finding(pointer, "unresolved-ref", f"$ref {ref!r} points nowhere"))
    return sorted(findings, key=lambda finding: finding.pointer)


def load_spec(path: Path, *, allow_external_refs: bool = False) -> LoadedSpec:
    """Read, parse and reference-check the spec at `path`."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise SpecError(
                source,
                [Finding("", "size", f"{size} bytes is over the {MAX_SPEC_BYTES} byte limit")],
            )
        raw = path.read_bytes()
    except OSError as error:
        raise SpecError(
            source, [Finding("", "read", f"cannot read the spec: {error.strerror}")]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(
            source, [Finding("", "encoding", f"not UTF-8: {error.reason} at byte {error.start}")]
        ) from None
    document = parse_text(text, source)
    if not isinstance(document, dict):
        raise SpecError(
            source, [Finding("", "type", "the document must be a mapping (an OpenAPI object)")]
        )
    bad_keys = [key for key in iter_non_string_keys(document)]
    if bad_keys:
        raise SpecError(
            source, [Finding(p, "key-type", "mapping keys must be strings") for p in bad_keys[:20]]
        )
    findings = check_refs(document, source, allow_external_refs)
    if findings:
        raise SpecError(source, findings)
    return LoadedSpec(
        path=path, text=text, sha256=hashlib.sha256(raw).hexdigest(), document=document
    )


def iter_non_string_keys(node: Any, path: tuple[Any, ...] = ()) -> Iterator[str]:
    """Pointers to mapping keys that are not strings (YAML allows `200:` or `true:`)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if not isinstance(key, str):
                    if (
                        isinstance(key, int)
                        and not isinstance(key, bool)
                        and where
                        and where[-1] == "responses"
                    ):
                        continue
                    yield pointer_from_path([*where, key])
                stack.append((value, (*where, key)))
        elif isinstance(current, list):
            stack.extend((value, (*where, index)) for index, value in enumerate(current))
