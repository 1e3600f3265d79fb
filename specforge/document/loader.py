"""Load an OpenAPI document: safe YAML/JSON, no duplicate keys, local `$ref`s only by default.

Every input is bounded (see `specforge.document.limits`): the file is read with a bounded read, YAML
aliases are counted and their expansion measured on the parser's event stream before anything
is built, and the built document is checked for size, depth, enum sizes, `$ref` chains and
values JSON cannot hold before any other code sees it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from specforge.document.errors import Finding, SpecError, pointer_from_path
from specforge.document.keywords import HTTP_METHODS
from specforge.document.limits import Limits, active, exceeded, phase

MAX_FINDINGS = 20
_STATUS_KEY = re.compile(r"^[1-5][0-9][0-9]$")


@dataclass(frozen=True)
class LoadedSpec:
    """A parsed spec document with its source and checksum."""

    path: Path
    text: str
    sha256: str
    document: dict[str, Any]
    limits: Limits = field(default_factory=active, compare=False, repr=False)

    @property
    def source(self) -> str:
        return str(self.path)


class _RawKey(str):
    """A mapping key YAML read as something else than a string (`200`, `yes`, `~`).

    The key's text as written; `value` is what YAML made of it. The loader turns status
    codes under `responses` into plain strings and refuses every other such key.
    """

    value: Any

    @classmethod
    def of(cls, text: str, value: Any) -> _RawKey:
        key = cls(text)
        key.value = value
        return key


class _StrictMappings:
    """Constructor mixin: a repeated key is an error, and keys that are not strings are marked.

    YAML 1.1 reads `200:` as an integer and `yes:` as a boolean; each such key is kept as
    its text in a `_RawKey` so that the loader can name it by its pointer.
    """

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping node, but found {node.id}", node.start_mark
            )
        own = [pair for pair in node.value if pair[0].tag != "tag:yaml.org,2002:merge"]
        self.flatten_mapping(node)  # type: ignore[attr-defined]
        merged = len(node.value) - len(own)
        mapping: dict[Any, Any] = {}
        seen: set[Any] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found a key that is not a scalar (a mapping or list used as a key)",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            if not isinstance(key, str):
                key = _RawKey.of(str(key_node.value), key)
            if index >= merged:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"duplicate key {str(key)!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
            mapping[key] = self.construct_object(value_node, deep=deep)  # type: ignore[attr-defined]
        return mapping


class _PureLoader(_StrictMappings, yaml.SafeLoader):
    """Pure-Python SafeLoader with strict mappings (used when libyaml is not available)."""


_FAST_BASE: Any = getattr(yaml, "CSafeLoader", None)
_FastLoader: Any = (
    type("_FastLoader", (_StrictMappings, _FAST_BASE), {}) if _FAST_BASE is not None else None
)
_Loader: Any = _FastLoader or _PureLoader


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


for _loader in (_PureLoader, _FastLoader):
    if _loader is not None:
        _loader.add_constructor("tag:yaml.org,2002:timestamp", _keep_timestamps_as_text)


class _Frame:
    """One open mapping or list while the YAML event stream is scanned."""

    __slots__ = ("anchor", "height", "index", "is_key", "key", "mapping", "size", "want_key")

    def __init__(self, mapping: bool, anchor: str | None, is_key: bool) -> None:
        self.mapping = mapping
        self.anchor = anchor
        self.is_key = is_key
        self.want_key = True
        self.key: str = ""
        self.index = 0
        self.size = 1
        self.height = 1


class _ScanError(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _scan_pointer(frames: list[_Frame]) -> str:
    return pointer_from_path(
        [_printable(frame.key) if frame.mapping else frame.index for frame in frames]
    )


def _printable(text: str) -> str:
    """`text` with lone surrogates written as `\\udXXX` escapes (so it can be printed)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def scan_yaml(text: str, limits: Limits | None = None) -> None:
    """Count aliases and measure the expanded document on the event stream; _ScanError if over.

    Nothing is built: each anchored node's size and height (aliases inside it expanded) is
    recorded when it ends, and an alias adds its anchor's, so a billion-laughs document is
    refused after reading its few lines. An alias to a node that is still open (a recursive
    structure, which JSON cannot hold) is refused too.
    """
    limits = limits or active()
    max_nodes, max_depth, max_aliases = (
        limits.document_nodes,
        limits.nesting_depth,
        limits.yaml_aliases,
    )
    frames: list[_Frame] = []
    anchors: dict[str, tuple[int, int]] = {}
    open_anchors: set[str] = set()
    total = aliases = 0
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent

    def fail(rule: str, message: str) -> _ScanError:
        return _ScanError(Finding(_scan_pointer(frames), rule, message))

    def done(size: int, height: int, is_key: bool, text: str) -> None:
        if not frames:
            return
        parent = frames[-1]
        parent.size += size
        if height + 1 > parent.height:
            parent.height = height + 1
        if parent.mapping:
            if is_key:
                parent.key = text
                parent.want_key = False
            else:
                parent.want_key = True
        else:
            parent.index += 1

    events: Iterator[Any] = yaml.parse(text, Loader=_Loader)
    for event in events:
        kind = event.__class__
        parent = frames[-1] if frames else None
        is_key = parent is not None and parent.mapping and parent.want_key
        if kind is scalar_event:
            total += 1
            if total > max_nodes:
                raise fail("limit", exceeded("document_nodes", max_nodes, "the document is larger"))
            if event.anchor:
                anchors[event.anchor] = (1, 0)
            done(1, 0, is_key, event.value)
        elif kind is alias_event:
            aliases += 1
            if aliases > max_aliases:
                raise fail(
                    "limit", exceeded("yaml_aliases", max_aliases, f"{aliases} YAML aliases")
                )
            anchor = event.anchor
            if anchor in open_anchors:
                raise fail(
                    "yaml",
                    f"the alias *{anchor} refers to a node that contains it: a recursive "
                    "structure, which JSON cannot hold",
                )
            size, height = anchors.get(anchor, (1, 0))
            total += size
            if total > max_nodes:
                raise fail(
                    "limit",
                    exceeded(
                        "document_nodes",
                        max_nodes,
                        f"with the alias *{anchor} expanded, the document has more nodes",
                    ),
                )
            if len(frames) + height > max_depth:
                raise fail(
                    "limit",
                    exceeded(
                        "nesting_depth",
                        max_depth,
                        f"with the alias *{anchor} expanded, the document nests deeper",
                    ),
                )
            done(size, height, is_key, "*" + str(anchor))
        elif kind is mapping_start or kind is sequence_start:
            total += 1
            if total > max_nodes:
                raise fail("limit", exceeded("document_nodes", max_nodes, "the document is larger"))
            if len(frames) + 1 > max_depth:
                raise fail(
                    "limit", exceeded("nesting_depth", max_depth, "the document nests deeper")
                )
            if is_key and parent is not None:
                parent.key = "?"
                parent.want_key = False
            frames.append(_Frame(kind is mapping_start, event.anchor, is_key))
            if event.anchor:
                open_anchors.add(event.anchor)
        elif kind is mapping_end or kind is sequence_end:
            frame = frames.pop()
            if frame.anchor:
                anchors[frame.anchor] = (frame.size, frame.height)
                open_anchors.discard(frame.anchor)
            if frame.is_key:
                if frames:
                    frames[-1].size += frame.size
            else:
                done(frame.size, frame.height, False, "")


def parse_text(text: str, source: str, limits: Limits | None = None) -> Any:
    """Parse YAML (a superset of JSON) safely, turning parser errors into a SpecError.

    A document that is plain JSON is read with the JSON parser (faster, deeper nesting).
    """
    limits = limits or active()
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except _DuplicateKeyError as error:
            raise SpecError(source, [Finding("", "json", str(error))]) from None
        except RecursionError:
            raise SpecError(source, [_too_deep_to_parse(limits)]) from None
        except ValueError:
            pass  # not plain JSON after all: the YAML parser says what is wrong
    try:
        if "&" in text:  # without anchors there are no aliases: the tree is checked after
            scan_yaml(text, limits)
        return yaml.load(text, Loader=_Loader)
    except _ScanError as error:
        raise SpecError(source, [error.finding]) from None
    except RecursionError:
        raise SpecError(source, [_too_deep_to_parse(limits)]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or "YAML error"
        raise SpecError(source, [Finding("", "yaml", f"{problem}{where}")]) from None
    except yaml.YAMLError as error:
        raise SpecError(source, [Finding("", "yaml", str(error))]) from None


def _too_deep_to_parse(limits: Limits) -> Finding:
    return Finding(
        "",
        "depth",
        "the document nests too deeply to be parsed (about 1,000 levels; the nesting-depth "
        f"limit is {limits.nesting_depth})",
    )


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


def check_refs(
    document: Any, source: str, allow_external: bool, limits: Limits | None = None
) -> list[Finding]:
    """Findings for `$ref`s that are external (unless allowed), do not resolve, or chain on
    past the ref-chain limit."""
    limits = limits or active()
    findings: list[Finding] = []
    targets: dict[str, Any] = {}
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
            targets[ref] = resolve_pointer(document, ref[1:])
        except KeyError:
            findings.append(Finding(pointer, "unresolved-ref", f"$ref {ref!r} points nowhere"))
    if not findings:
        findings = _ref_chains(document, targets, limits)
    if not findings:
        findings = _ref_depth(document, targets, limits)
    return sorted(findings, key=lambda finding: finding.pointer)


def _holder(ref: str) -> str:
    """The pointer of the object a `$ref` target belongs to: at most three tokens deep
    (`#/components/schemas/A/properties/b` belongs to `/components/schemas/A`)."""
    return "/".join(ref[1:].split("/")[:4])


def _ref_depth(document: Any, targets: dict[str, Any], limits: Limits) -> list[Finding]:
    """A finding when schemas use one another by `$ref` in a chain longer than the limit.

    The graph has one node per object holding `$ref` targets (a component, mostly) and an
    edge for each `$ref` inside it; a group of objects that use one another in a cycle
    counts with all its members. Linear in the document's size.
    """
    holders = sorted({_holder(ref) for ref in targets})
    if len(holders) <= limits.ref_depth:
        return []
    edges: dict[str, set[str]] = {}
    for key in holders:
        try:
            subtree = resolve_pointer(document, key)
        except KeyError:
            subtree = None
        edges[key] = {_holder(ref) for _, ref in iter_refs(subtree) if ref in targets}
    depth, start = _longest_chain(holders, edges)
    if depth <= limits.ref_depth:
        return []
    return [
        Finding(
            start,
            "limit",
            exceeded(
                "ref_depth",
                limits.ref_depth,
                f"a chain of {depth} objects starts here, each using the next by $ref",
            ),
        )
    ]


def _longest_chain(nodes: list[str], edges: dict[str, set[str]]) -> tuple[int, str]:
    """(length, first node) of the longest path, a strongly connected group counting its size.

    Tarjan's algorithm without recursion; groups come out after every group they reach, so
    each group's length is known when its successors' are.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    group_of: dict[str, int] = {}
    lengths: list[int] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                members: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                group = len(lengths)
                for member in members:
                    group_of[member] = group
                below = max(
                    (
                        lengths[group_of[nxt]]
                        for member in members
                        for nxt in edges.get(member, ())
                        if group_of.get(nxt, group) != group
                    ),
                    default=0,
                )
                lengths.append(len(members) + below)
    if not lengths:
        return 0, ""
    best = max(range(len(lengths)), key=lambda group: lengths[group])
    start = min(node for node, group in group_of.items() if group == best)
    return lengths[best], start


def _ref_chains(document: Any, targets: dict[str, Any], limits: Limits) -> list[Finding]:
    """A finding for each `$ref` that leads to another `$ref`, and so on, past the limit.

    A chain that comes back on itself ends there (a cycle of `$ref`s is no error here).
    """
    lengths: dict[str, int] = {}
    for start in targets:
        if start in lengths:
            continue
        chain: list[str] = []
        on_chain: set[str] = set()
        ref: str | None = start
        tail = 0
        while ref is not None:
            if ref in lengths:
                tail = lengths[ref]
                break
            if ref in on_chain or ref not in targets:
                break
            chain.append(ref)
            on_chain.add(ref)
            target = targets[ref]
            nxt = target.get("$ref") if isinstance(target, dict) else None
            ref = nxt if isinstance(nxt, str) and nxt.startswith("#") else None
        for offset, link in enumerate(reversed(chain)):
            lengths[link] = tail + offset + 1
    worst = [ref for ref, length in lengths.items() if length > limits.ref_chain]
    if not worst:
        return []
    longest = max(worst, key=lambda ref: lengths[ref])
    holders = [where for where, ref in iter_refs(document) if ref == longest]
    pointer = pointer_from_path([*min(holders, key=len), "$ref"]) if holders else ""
    return [
        Finding(
            pointer,
            "limit",
            exceeded(
                "ref_chain",
                limits.ref_chain,
                f"$ref {_printable(longest)!r} starts a chain of {lengths[longest]} $refs, "
                "each pointing at the next",
            ),
        )
    ]


def read_bounded(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of `path` (a FIFO, device or growing file stops there too)."""
    with path.open("rb") as handle:
        return handle.read(limit + 1)


def load_spec(
    path: Path, *, allow_external_refs: bool = False, limits: Limits | None = None
) -> LoadedSpec:
    """Read, parse, bound and reference-check the spec at `path`."""
    limits = limits or active()
    source = str(path)
    with phase("load", limits, source):
        try:
            raw = read_bounded(path, limits.spec_bytes)
        except OSError as error:
            raise SpecError(
                source,
                [Finding("", "read", f"cannot read the spec: {error.strerror or error}")],
            ) from None
        if len(raw) > limits.spec_bytes:
            raise SpecError(
                source,
                [
                    Finding(
                        "",
                        "size",
                        exceeded(
                            "spec_bytes",
                            limits.spec_bytes,
                            "the file is larger than the byte limit",
                        ),
                    )
                ],
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SpecError(
                source,
                [Finding("", "encoding", f"not UTF-8: {error.reason} at byte {error.start}")],
            ) from None
        document = parse_text(text, source, limits)
        if not isinstance(document, dict):
            raise SpecError(
                source,
                [Finding("", "type", "the document must be a mapping (an OpenAPI object)")],
            )
        findings = check_tree(document, limits)
        if not findings:
            findings = check_counts(document, limits)
        if not findings:
            findings = check_refs(document, source, allow_external_refs, limits)
        if findings:
            raise SpecError(source, findings)
    return LoadedSpec(
        path=path,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        document=document,
        limits=limits,
    )


def _describe_key(key: _RawKey) -> str:
    value = key.value
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    return f"a {type(value).__name__}"


def _has_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _link_pointer(link: tuple[Any, ...] | None) -> str:
    parts: list[Any] = []
    while link is not None:
        link, token = link
        parts.append(_printable(token) if isinstance(token, str) else token)
    return pointer_from_path(reversed(parts))


def check_tree(document: dict[str, Any], limits: Limits | None = None) -> list[Finding]:
    """Bound and clean the built document in place; findings for what cannot be used.

    Counts nodes (keys, values, items) and nesting depth; turns status-code keys that YAML
    read as integers (`200:` under `responses`) into strings and refuses every other key
    that is not a string (`yes:`, `true:`, `~:`, `1.5:`); refuses strings holding lone
    surrogates (`"\\ud800"` in JSON), which are no Unicode text and cannot be written out;
    refuses values JSON cannot hold (`.nan`, `!!binary`, `!!set`); bounds each `enum`.
    """
    limits = limits or active()
    findings: list[Finding] = []
    max_nodes, max_depth, max_enum = limits.document_nodes, limits.nesting_depth, limits.enum_values
    nodes = 0
    # (value, depth, link); a link is (parent link, key) so a pointer is built only when needed
    stack: list[tuple[Any, int, Any]] = [(document, 1, None)]
    while stack and len(findings) < MAX_FINDINGS:
        node, depth, link = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            findings.append(
                Finding(
                    "", "limit", exceeded("document_nodes", max_nodes, "the document is larger")
                )
            )
            break
        if isinstance(node, dict):
            if depth > max_depth:
                findings.append(
                    Finding(
                        _link_pointer(link),
                        "limit",
                        exceeded("nesting_depth", max_depth, "the document nests deeper"),
                    )
                )
                break
            nodes += len(node)
            if any(type(key) is not str for key in node):
                findings.extend(_fix_keys(node, link))
            for key, value in node.items():
                if _has_surrogate(key):
                    findings.append(_surrogate((link, key), "key"))
                if key == "enum" and isinstance(value, list) and len(value) > max_enum:
                    findings.append(
                        Finding(
                            _link_pointer((link, key)),
                            "limit",
                            exceeded("enum_values", max_enum, f"{len(value)} enum values"),
                        )
                    )
                    continue
                stack.append((value, depth + 1, (link, key)))
        elif isinstance(node, list):
            if depth > max_depth:
                findings.append(
                    Finding(
                        _link_pointer(link),
                        "limit",
                        exceeded("nesting_depth", max_depth, "the document nests deeper"),
                    )
                )
                break
            stack.extend((value, depth + 1, (link, index)) for index, value in enumerate(node))
        elif isinstance(node, str):
            if _has_surrogate(node):
                findings.append(_surrogate(link, "string"))
        elif isinstance(node, bool) or node is None or isinstance(node, int):
            continue
        elif isinstance(node, float):
            if not math.isfinite(node):
                findings.append(
                    Finding(
                        _link_pointer(link),
                        "value",
                        f"{node} is not a JSON number (YAML's .nan and .inf have no JSON form)",
                    )
                )
        else:
            findings.append(
                Finding(
                    _link_pointer(link),
                    "value",
                    f"a {type(node).__name__} (from a YAML tag such as !!binary or !!set) is not "
                    "a JSON value: use a string, number, boolean, null, list or mapping",
                )
            )
    return findings


def _surrogate(link: Any, what: str) -> Finding:
    return Finding(
        _link_pointer(link),
        "encoding",
        f"the {what} holds a lone UTF-16 surrogate (such as the JSON escape \\ud800 without "
        "its pair), which is no Unicode text and cannot be written to the generated files: "
        "use the full pair or the character itself",
    )


def _fix_keys(node: dict[Any, Any], link: Any) -> list[Finding]:
    """Status codes YAML read as integers become strings; other non-string keys are refused."""
    findings: list[Finding] = []
    under_responses = link is not None and link[1] == "responses"
    items = list(node.items())
    node.clear()
    for key, value in items:
        if isinstance(key, _RawKey):
            value_of = key.value
            plain = str.__str__(key)
            if (
                under_responses
                and isinstance(value_of, int)
                and not isinstance(value_of, bool)
                and _STATUS_KEY.match(plain)
            ):
                if plain in node:
                    findings.append(
                        Finding(
                            _link_pointer((link, plain)),
                            "key-type",
                            f"status code {plain} appears twice (once quoted, once not)",
                        )
                    )
                node[plain] = value
                continue
            findings.append(
                Finding(
                    _link_pointer((link, plain)),
                    "key-type",
                    f"the key {plain} is read by YAML as {_describe_key(key)}, but mapping keys "
                    f"must be strings: quote it ('{plain}')",
                )
            )
            node[plain] = value
        elif not isinstance(key, str):
            findings.append(
                Finding(
                    _link_pointer((link, str(key))),
                    "key-type",
                    f"the key {key!r} is not a string: mapping keys must be strings",
                )
            )
            node[str(key)] = value
        else:
            node[key] = value
    return findings


def check_counts(document: dict[str, Any], limits: Limits | None = None) -> list[Finding]:
    """Findings when the document has more operations or component schemas than allowed."""
    limits = limits or active()
    findings: list[Finding] = []
    paths = document.get("paths")
    if isinstance(paths, dict):
        operations = sum(
            1
            for item in paths.values()
            if isinstance(item, dict)
            for method in HTTP_METHODS
            if isinstance(item.get(method), dict)
        )
        if operations > limits.operations:
            findings.append(
                Finding(
                    "/paths",
                    "limit",
                    exceeded("operations", limits.operations, f"{operations} operations"),
                )
            )
    components = document.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    if isinstance(schemas, dict) and len(schemas) > limits.schemas:
        findings.append(
            Finding(
                "/components/schemas",
                "limit",
                exceeded("schemas", limits.schemas, f"{len(schemas)} component schemas"),
            )
        )
    return findings
