"""Classify every change between two spec versions and say for whom it breaks.

Wire impact is judged from both sides of the old contract:
- `breaks_clients`: a client written against OLD may fail against a server implementing NEW;
- `breaks_servers`: a server implementing OLD no longer conforms to NEW;
- `breaks_sdk`: the generated SDK's public source changes incompatibly (removed or renamed
  names, arguments that become required, narrower argument or wider return types).

Operations are matched by method and effective URL (server base path + path), so moving a
prefix between a server and the path key is not a change; `enum: [x]` and `const: x` compare
equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from specforge.document.errors import pointer_from_path
from specforge.document.loader import resolve_pointer
from specforge.document.schemas import enum_of, json_types, ref_name, replacement_of
from specforge.generator.parse import HTTP_METHODS, build_api

Direction = Literal["request", "response"]
Path_ = tuple[Any, ...]
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
OTHER_BOUNDS = ("pattern", "multipleOf", "uniqueItems", "format")
# Categories that grow what the SDK or API offers (a minor bump when nothing breaks).
ADDITIVE = frozenset(
    {
        "path-added",
        "operation-added",
        "parameter-added",
        "property-added",
        "enum-value-added",
        "type-widened",
        "bounds-loosened",
        "component-added",
        "content-type-added",
        "response-status-added",
        "request-body-added",
        "server-url-changed",
        "operation-deprecated",
        "parameter-deprecated",
        "property-deprecated",
    }
)
_TEMPLATE = re.compile(r"\{[^}/]*\}")


@dataclass(frozen=True)
class Change:
    """One classified change: where (JSON pointer), what kind, whom it breaks, and a message."""

    pointer: str
    category: str
    message: str
    breaks_clients: bool
    breaks_servers: bool
    breaks_sdk: bool

    @property
    def breaking(self) -> bool:
        """Breaks existing SDK users: on the wire or in the generated source."""
        return self.breaks_clients or self.breaks_sdk

    def as_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "category": self.category,
            "breaks_clients": self.breaks_clients,
            "breaks_servers": self.breaks_servers,
            "breaks_sdk": self.breaks_sdk,
            "message": self.message,
        }


@dataclass(frozen=True)
class Surface:
    """The generated SDK's public names: classes, methods and their parameters."""

    classes: frozenset[str]
    methods: frozenset[str]
    parameters: frozenset[str]  # "resource.method(name)"


@dataclass
class DiffResult:
    """All changes between two documents plus the SDK surface delta."""

    changes: list[Change]
    surface: dict[str, list[str]] = field(default_factory=dict)

    @property
    def breaking(self) -> bool:
        """A change breaks SDK users, or the generated SDK loses a class, method or parameter."""
        lost = any(
            self.surface.get(key)
            for key in ("classes_removed", "methods_removed", "parameters_removed")
        )
        return lost or any(change.breaking for change in self.changes)

    @property
    def semver(self) -> str:
        """Suggested bump of the generated SDK: major, minor, patch or none."""
        if self.breaking:
            return "major"
        grows = any(
            self.surface.get(key) for key in ("classes_added", "methods_added", "parameters_added")
        )
        if grows or any(change.category in ADDITIVE for change in self.changes):
            return "minor"
        return "patch" if self.changes else "none"

    def counts(self) -> dict[str, int]:
        return {
            "changes": len(self.changes),
            "breaks_clients": sum(c.breaks_clients for c in self.changes),
            "breaks_servers": sum(c.breaks_servers for c in self.changes),
            "breaks_sdk": sum(c.breaks_sdk for c in self.changes),
        }


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> DiffResult:
    """Compare two normalised documents (see `specforge.document.schemas.normalize`)."""
    differ = _Differ(old, new)
    differ.run()
    changes = sorted(_merged(differ.changes), key=lambda c: (c.pointer, c.category, c.message))
    return DiffResult(changes, surface_delta(sdk_surface(old), sdk_surface(new)))


def _merged(changes: list[Change]) -> list[Change]:
    """One change per (pointer, category, message); a schema used in requests and responses
    breaks whoever either use breaks."""
    merged: dict[tuple[str, str, str], Change] = {}
    for change in changes:
        key = (change.pointer, change.category, change.message)
        seen = merged.get(key)
        if seen is not None:
            change = Change(
                change.pointer,
                change.category,
                change.message,
                seen.breaks_clients or change.breaks_clients,
                seen.breaks_servers or change.breaks_servers,
                seen.breaks_sdk or change.breaks_sdk,
            )
        merged[key] = change
    return list(merged.values())


# -- the generated SDK's public surface ------------------------------------------------------------
def sdk_surface(document: dict[str, Any]) -> Surface:
    """Classes, `resource.method`s and their parameters as the generator would name them."""
    api = build_api(document)
    methods: set[str] = set()
    parameters: set[str] = set()
    for op in api.operations:
        method = ".".join((*op.resource, op.method_name))
        methods.add(method)
        body = op.body.properties if op.body and op.body.exploded else ()
        parameters.update(f"{method}({f.python_name})" for f in (*op.parameters, *body))
    return Surface(
        frozenset(api.schema_classes.values()), frozenset(methods), frozenset(parameters)
    )


def surface_delta(old: Surface, new: Surface) -> dict[str, list[str]]:
    delta: dict[str, list[str]] = {}
    for name in ("classes", "methods", "parameters"):
        before, after = getattr(old, name), getattr(new, name)
        delta[f"{name}_added"] = sorted(after - before)
        delta[f"{name}_removed"] = sorted(before - after)
    return delta


# -- operations ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Op:
    method: str
    path: str
    url: str
    origin: str
    location: Path_
    item: dict[str, Any]
    operation: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return self.method, _TEMPLATE.sub("{}", urlsplit(self.url).path or "/")

    @property
    def operation_id(self) -> str:
        return str(self.operation.get("operationId") or "")

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _server_url(servers: Any) -> str | None:
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return None
    server = servers[0]
    url = str(server.get("url", "/"))
    for name, variable in (server.get("variables") or {}).items():
        if isinstance(variable, dict):
            url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
    return url


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], _Op]:
    found: dict[tuple[str, str], _Op] = {}
    base = _server_url(document.get("servers")) or "/"
    paths = _mapping(document.get("paths"))
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        item_base = _server_url(item.get("servers")) or base
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            server = _server_url(operation.get("servers")) or item_base
            try:
                parts = urlsplit(server)
            except ValueError:  # not a URL: compared as a path
                parts = urlsplit("")
            origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
            url = origin + parts.path.rstrip("/") + str(path)
            op = _Op(
                method.upper(), str(path), url, origin, ("paths", path, method), item, operation
            )
            found[op.key] = op
    return found


def _flags(direction: Direction, widened: bool) -> tuple[bool, bool]:
    """(breaks_clients, breaks_servers) when what a message may hold widens or narrows."""
    request = direction == "request"
    return (not widened, widened) if request else (widened, not widened)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object", type(None): "null"}
    return names.get(type(value), "string")


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(kind in wide or (kind == "integer" and "number" in wide) for kind in narrow)


class _Differ:
    """Walks both documents side by side and records changes."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.renames: dict[str, str] = {}
        self._seen: set[tuple[str, str, str]] = set()

    def add(
        self, where: Path_, category: str, message: str, clients: bool, servers: bool, sdk: bool
    ) -> None:
        self.changes.append(
            Change(pointer_from_path(where), category, message, clients, servers, sdk)
        )

    def run(self) -> None:
        old_ops, new_ops = _operations(self.old), _operations(self.new)
        removed = [old_ops[key] for key in old_ops if key not in new_ops]
        added = [new_ops[key] for key in new_ops if key not in old_ops]
        for before, after in list(self._moved(removed, added)):
            removed.remove(before)
            added.remove(after)
            self.add(
                after.location,
                "server-url-changed",
                f"{after.label} moved from {before.url} to {after.url}",
                True,
                True,
                False,
            )
            self.operation(before, after)
        self.paths_and_operations(removed, added, old_ops, new_ops)
        for key in sorted(set(old_ops) & set(new_ops)):
            before, after = old_ops[key], new_ops[key]
            if before.origin != after.origin:
                self.add(
                    after.location,
                    "server-url-changed",
                    f"{after.label} moved from {before.url} to {after.url}",
                    True,
                    False,
                    False,
                )
            self.operation(before, after)
        self.components()

    @staticmethod
    def _moved(removed: list[_Op], added: list[_Op]) -> Iterator[tuple[_Op, _Op]]:
        """Operations whose URL changed: same operationId, or same method and path key."""
        taken: set[int] = set()
        for before in list(removed):
            for index, after in enumerate(added):
                same_id = before.operation_id and before.operation_id == after.operation_id
                same_path = (before.method, before.path) == (after.method, after.path)
                if index not in taken and (same_id or same_path):
                    taken.add(index)
                    yield before, after
                    break

    def paths_and_operations(
        self,
        removed: list[_Op],
        added: list[_Op],
        old_ops: dict[tuple[str, str], _Op],
        new_ops: dict[tuple[str, str], _Op],
    ) -> None:
        old_urls = {op.key[1] for op in old_ops.values()}
        new_urls = {op.key[1] for op in new_ops.values()}
        for op in added:
            if op.key[1] in old_urls:
                self.add(
                    op.location,
                    "operation-added",
                    f"operation {op.label} added",
                    False,
                    True,
                    False,
                )
            else:
                self.add(
                    op.location[:2],
                    "path-added",
                    f"path {op.path} added ({op.method})",
                    False,
                    True,
                    False,
                )
        for op in removed:
            if op.key[1] in new_urls:
                self.add(
                    op.location,
                    "operation-removed",
                    f"operation {op.label} removed",
                    True,
                    False,
                    True,
                )
            else:
                self.add(
                    op.location[:2],
                    "path-removed",
                    f"path {op.path} removed ({op.method})",
                    True,
                    False,
                    True,
                )

    # -- one operation ---------------------------------------------------------------------------
    def operation(self, before: _Op, after: _Op) -> None:
        self.deprecation(
            before.operation, after.operation, after.location, "operation", after.label
        )
        self.parameters(before, after)
        self.request_body(before, after)
        self.responses(before, after)

    def deprecation(self, old: Any, new: Any, where: Path_, kind: str, name: str) -> None:
        was = isinstance(old, dict) and old.get("deprecated") is True
        now = isinstance(new, dict) and new.get("deprecated") is True
        if now and not was:
            replacement = replacement_of(new) if isinstance(new, dict) else ""
            hint = f" (use {replacement} instead)" if replacement else ""
            self.add(
                where, f"{kind}-deprecated", f"{kind} {name} deprecated{hint}", False, False, False
            )
        elif was and not now:
            self.add(
                where,
                f"{kind}-undeprecated",
                f"{kind} {name} no longer deprecated",
                False,
                False,
                False,
            )

    def _parameters(
        self, document: dict[str, Any], op: _Op
    ) -> dict[tuple[str, str], tuple[Path_, dict[str, Any]]]:
        found: dict[tuple[str, str], tuple[Path_, dict[str, Any]]] = {}
        positions = {
            name[1:-1]: str(index) for index, name in enumerate(_TEMPLATE.findall(op.path))
        }
        groups = (
            ((*op.location[:2], "parameters"), op.item.get("parameters")),
            ((*op.location, "parameters"), op.operation.get("parameters")),
        )
        for where, group in groups:
            for index, raw in enumerate(group if isinstance(group, list) else []):
                path, parameter = self.resolve(document, raw, (*where, index))
                if not isinstance(parameter, dict) or "name" not in parameter:
                    continue
                location, name = str(parameter.get("in", "")), str(parameter["name"])
                key = positions.get(name, name) if location == "path" else name
                key = key.lower() if location == "header" else key
                found[(location, key)] = (path, parameter)
        return found

    def parameters(self, before: _Op, after: _Op) -> None:
        old = self._parameters(self.old, before)
        new = self._parameters(self.new, after)
        for key in sorted(set(new) - set(old)):
            where, parameter = new[key]
            required = parameter.get("required") is True or key[0] == "path"
            state = "required" if required else "optional"
            self.add(
                where,
                "parameter-added",
                f"{state} {key[0]} parameter {parameter['name']!r} added to {after.label}",
                required,
                True,
                required,
            )
        for key in sorted(set(old) - set(new)):
            where, parameter = old[key]
            self.add(
                where,
                "parameter-removed",
                f"{key[0]} parameter {parameter['name']!r} removed from {before.label}",
                True,
                False,
                True,
            )
        for key in sorted(set(old) & set(new)):
            (old_where, was), (where, now) = old[key], new[key]
            name = str(now["name"])
            if now.get("required") is True and was.get("required") is not True:
                self.add(
                    where,
                    "parameter-required",
                    f"parameter {name!r} made required",
                    True,
                    False,
                    True,
                )
            elif was.get("required") is True and now.get("required") is not True:
                self.add(
                    where,
                    "parameter-optional",
                    f"parameter {name!r} made optional",
                    False,
                    True,
                    False,
                )
            self.deprecation(was, now, where, "parameter", repr(name))
            self.schema(
                was.get("schema"),
                now.get("schema"),
                (*old_where, "schema"),
                (*where, "schema"),
                "request",
            )

    def request_body(self, before: _Op, after: _Op) -> None:
        old_where, was = self.resolve(
            self.old, before.operation.get("requestBody"), (*before.location, "requestBody")
        )
        where, now = self.resolve(
            self.new, after.operation.get("requestBody"), (*after.location, "requestBody")
        )
        if not isinstance(was, dict) and not isinstance(now, dict):
            return
        if not isinstance(was, dict):
            required = isinstance(now, dict) and now.get("required") is True
            self.add(
                where,
                "request-body-added",
                f"request body added to {after.label}",
                required,
                True,
                required,
            )
            return
        if not isinstance(now, dict):
            self.add(
                old_where,
                "request-body-removed",
                f"request body removed from {before.label}",
                True,
                False,
                True,
            )
            return
        if now.get("required") is True and was.get("required") is not True:
            self.add(
                where, "request-body-required", "request body made required", True, False, True
            )
        elif was.get("required") is True and now.get("required") is not True:
            self.add(
                where, "request-body-optional", "request body made optional", False, True, False
            )
        self.content(was, now, old_where, where, "request", after.label)

    def content(
        self,
        was: dict[str, Any],
        now: dict[str, Any],
        old_where: Path_,
        where: Path_,
        direction: Direction,
        label: str,
    ) -> None:
        old_content = _mapping(was.get("content"))
        new_content = _mapping(now.get("content"))
        success = direction == "request" or str(where[-1]).startswith("2")
        for media in sorted(set(new_content) - set(old_content)):
            clients, servers = _flags(direction, True)
            self.add(
                (*where, "content", media),
                "content-type-added",
                f"{direction} content type {media} added ({label})",
                clients,
                servers,
                False,
            )
        for media in sorted(set(old_content) - set(new_content)):
            clients, servers = _flags(direction, False)
            self.add(
                (*old_where, "content", media),
                "content-type-removed",
                f"{direction} content type {media} removed ({label})",
                clients,
                servers,
                success,
            )
        for media in sorted(set(old_content) & set(new_content)):
            old_media, new_media = old_content[media], new_content[media]
            if isinstance(old_media, dict) and isinstance(new_media, dict):
                self.schema(
                    old_media.get("schema"),
                    new_media.get("schema"),
                    (*old_where, "content", media, "schema"),
                    (*where, "content", media, "schema"),
                    direction,
                )

    def responses(self, before: _Op, after: _Op) -> None:
        old = _mapping(before.operation.get("responses"))
        new = _mapping(after.operation.get("responses"))
        old_codes, new_codes = {str(k): k for k in old}, {str(k): k for k in new}
        for code in sorted(set(new_codes) - set(old_codes)):
            success = code.startswith("2")
            self.add(
                (*after.location, "responses", code),
                "response-status-added",
                f"response {code} added to {after.label}",
                success,
                False,
                False,
            )
        for code in sorted(set(old_codes) - set(new_codes)):
            self.add(
                (*before.location, "responses", code),
                "response-status-removed",
                f"response {code} removed from {before.label}",
                False,
                True,
                False,
            )
        for code in sorted(set(old_codes) & set(new_codes)):
            old_where, was = self.resolve(
                self.old, old[old_codes[code]], (*before.location, "responses", code)
            )
            where, now = self.resolve(
                self.new, new[new_codes[code]], (*after.location, "responses", code)
            )
            if isinstance(was, dict) and isinstance(now, dict):
                self.content(was, now, old_where, where, "response", f"{after.label} {code}")

    # -- schemas ---------------------------------------------------------------------------------
    @staticmethod
    def resolve(document: dict[str, Any], node: Any, where: Path_) -> tuple[Path_, Any]:
        """Follow local `$ref`s; returns the target's location and value."""
        for _ in range(32):
            if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
                break
            ref = str(node["$ref"])
            if not ref.startswith("#"):
                break
            try:
                node = resolve_pointer(document, ref[1:])
            except KeyError:
                break
            where = tuple(
                part.replace("~1", "/").replace("~0", "~")
                for part in ref[1:].lstrip("/").split("/")
            )
        return where, node

    def schema(
        self, old: Any, new: Any, old_where: Path_, where: Path_, direction: Direction
    ) -> None:
        old_name = ref_name(str(old.get("$ref", ""))) if isinstance(old, dict) else ""
        new_name = ref_name(str(new.get("$ref", ""))) if isinstance(new, dict) else ""
        old_where, old = self.resolve(self.old, old, old_where)
        where, new = self.resolve(self.new, new, where)
        if old_name and new_name and old_name != new_name:
            self.renames.setdefault(old_name, new_name)
        key = (pointer_from_path(old_where), pointer_from_path(where), direction)
        if key in self._seen or not isinstance(old, dict) or not isinstance(new, dict):
            return
        self._seen.add(key)
        old, new = self.flatten(self.old, old), self.flatten(self.new, new)
        if not self.types(old, new, where, direction):
            return
        self.enums(old, new, where, direction)
        self.bounds(old, new, where, direction)
        self.properties(old, new, old_where, where, direction)
        self.alternatives(old, new, old_where, where, direction)
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.schema(
                old["items"], new["items"], (*old_where, "items"), (*where, "items"), direction
            )

    def flatten(self, document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        """`schema` with its `allOf` branches' properties, required names and type merged in."""
        if not isinstance(schema.get("allOf"), list):
            return schema
        merged = {key: value for key, value in schema.items() if key != "allOf"}
        properties = dict(merged.get("properties") or {})
        required = list(merged.get("required") or [])
        for branch in schema["allOf"]:
            _, part = self.resolve(document, branch, ())
            if isinstance(part, dict):
                part = self.flatten(document, part)
                properties.update(part.get("properties") or {})
                required.extend(part.get("required") or [])
                if "type" in part and "type" not in merged:
                    merged["type"] = part["type"]
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = required
        return merged

    @staticmethod
    def type_set(schema: dict[str, Any]) -> frozenset[str] | None:
        kinds = json_types(schema)
        if kinds:
            return frozenset(kinds)
        values = enum_of(schema)
        if values:
            return frozenset(_json_type(value) for value in values)
        return None

    def types(
        self, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
    ) -> bool:
        """Record type changes; False when the types are unrelated (nothing deeper compares)."""
        was, now = self.type_set(old), self.type_set(new)
        composite = any(key in schema for schema in (old, new) for key in ("oneOf", "anyOf"))
        if was == now or ((was is None or now is None) and composite):
            return True
        shown_was = ", ".join(sorted(was)) if was else "any"
        shown_now = ", ".join(sorted(now)) if now else "any"
        message = f"type {shown_was} -> {shown_now}"
        if now is None or (was is not None and _covers(now, was)):
            clients, servers = _flags(direction, True)
            self.add(where, "type-widened", message, clients, servers, clients)
        elif was is None or _covers(was, now):
            clients, servers = _flags(direction, False)
            self.add(where, "type-narrowed", message, clients, servers, clients)
        else:
            self.add(where, "type-changed", message, True, True, True)
            return bool(was & now & {"object", "array"})
        return True

    def enums(
        self, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
    ) -> None:
        was = {_json(value): value for value in enum_of(old)}
        now = {_json(value): value for value in enum_of(new)}
        if was == now or (not was and not now):
            return
        added = [now[key] for key in now if key not in was] if was else []
        removed = [was[key] for key in was if key not in now] if now else []
        if not was:
            clients, servers = _flags(direction, False)
            self.add(
                where,
                "enum-value-removed",
                f"values restricted to {list(now.values())!r}",
                clients,
                servers,
                clients,
            )
        if not now:
            clients, servers = _flags(direction, True)
            self.add(
                where,
                "enum-value-added",
                f"value restriction {list(was.values())!r} lifted",
                clients,
                servers,
                clients,
            )
        if added:
            clients, servers = _flags(direction, True)
            self.add(
                where,
                "enum-value-added",
                f"enum value(s) {added!r} added",
                clients,
                servers,
                clients,
            )
        if removed:
            clients, servers = _flags(direction, False)
            self.add(
                where,
                "enum-value-removed",
                f"enum value(s) {removed!r} removed",
                clients,
                servers,
                clients,
            )

    def bounds(
        self, old: dict[str, Any], new: dict[str, Any], where: Path_, direction: Direction
    ) -> None:
        for keyword in (*LOWER_BOUNDS, *UPPER_BOUNDS, *OTHER_BOUNDS):
            was, now = old.get(keyword), new.get(keyword)
            if _json(was) == _json(now):
                continue
            if was is None or now is None:
                tightened: bool | None = was is None
            elif keyword in LOWER_BOUNDS + UPPER_BOUNDS and _numbers(was, now):
                tightened = (now > was) == (keyword in LOWER_BOUNDS)
            else:
                tightened = None
            message = f"{keyword} {was!r} -> {now!r}"
            if tightened is None:
                self.add(where, "bounds-changed", message, True, True, False)
            else:
                clients, servers = _flags(direction, not tightened)
                category = "bounds-tightened" if tightened else "bounds-loosened"
                self.add(where, category, message, clients, servers, False)

    def properties(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        old_where: Path_,
        where: Path_,
        direction: Direction,
    ) -> None:
        was = _mapping(old.get("properties"))
        now = _mapping(new.get("properties"))
        old_required = set(old.get("required") or [])
        new_required = set(new.get("required") or [])
        request = direction == "request"
        for name in [name for name in now if name not in was]:
            required = name in new_required
            state = "required" if required else "optional"
            clients, servers = (required, True) if request else (False, required)
            self.add(
                (*where, "properties", name),
                "property-added",
                f"{state} {direction} property {name!r} added",
                clients,
                servers,
                request and required,
            )
        for name in [name for name in was if name not in now]:
            clients = request or name in old_required
            self.add(
                (*old_where, "properties", name),
                "property-removed",
                f"{direction} property {name!r} removed",
                clients,
                False,
                True,
            )
        for name in [name for name in now if name in was]:
            at = (*where, "properties", name)
            if name in new_required and name not in old_required:
                self.add(
                    at,
                    "property-required",
                    f"{direction} property {name!r} made required",
                    request,
                    not request,
                    request,
                )
            elif name in old_required and name not in new_required:
                self.add(
                    at,
                    "property-optional",
                    f"{direction} property {name!r} made optional",
                    not request,
                    request,
                    not request,
                )
            self.deprecation(
                self._with_target(self.old, was[name]),
                self._with_target(self.new, now[name]),
                at,
                "property",
                repr(name),
            )
            self.schema(was[name], now[name], (*old_where, "properties", name), at, direction)

    def _with_target(self, document: dict[str, Any], schema: Any) -> Any:
        _, target = self.resolve(document, schema, ())
        if isinstance(schema, dict) and isinstance(target, dict):
            return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def alternatives(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        old_where: Path_,
        where: Path_,
        direction: Direction,
    ) -> None:
        for keyword in ("oneOf", "anyOf"):
            was = _sequence(old.get(keyword))
            now = _sequence(new.get(keyword))
            if not was or not now:
                continue
            old_keys, new_keys = [_json(b) for b in was], [_json(b) for b in now]
            if len(was) == len(now):
                for index, (before, after) in enumerate(zip(was, now, strict=True)):
                    self.schema(
                        before,
                        after,
                        (*old_where, keyword, index),
                        (*where, keyword, index),
                        direction,
                    )
                continue
            for index, key in enumerate(new_keys):
                if key not in old_keys:
                    clients, servers = _flags(direction, True)
                    self.add(
                        (*where, keyword, index),
                        "type-widened",
                        f"{keyword} alternative added",
                        clients,
                        servers,
                        clients,
                    )
            for index, key in enumerate(old_keys):
                if key not in new_keys:
                    clients, servers = _flags(direction, False)
                    self.add(
                        (*old_where, keyword, index),
                        "type-narrowed",
                        f"{keyword} alternative removed",
                        clients,
                        servers,
                        clients,
                    )

    # -- components ------------------------------------------------------------------------------
    def components(self) -> None:
        old = _schemas(self.old)
        new = _schemas(self.new)
        removed = sorted(set(old) - set(new))
        added = sorted(set(new) - set(old))
        pairs = {a: b for a, b in self.renames.items() if a in removed and b in added}
        for name in removed:
            if name in pairs:
                continue
            match = next(
                (b for b in added if b not in pairs.values() and _json(old[name]) == _json(new[b])),
                None,
            )
            if match:
                pairs[name] = match
        for before, after in sorted(pairs.items()):
            same = _json(old[before]) == _json(new[after])
            note = "same wire format" if same else "its changes are listed separately"
            self.add(
                ("components", "schemas", after),
                "component-renamed",
                f"schema {before} renamed to {after} ({note})",
                False,
                False,
                True,
            )
        for name in removed:
            if name not in pairs:
                self.add(
                    ("components", "schemas", name),
                    "component-removed",
                    f"schema {name} removed",
                    False,
                    False,
                    True,
                )
        for name in added:
            if name not in pairs.values():
                self.add(
                    ("components", "schemas", name),
                    "component-added",
                    f"schema {name} added",
                    False,
                    False,
                    False,
                )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    components = document.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    return schemas if isinstance(schemas, dict) else {}


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
