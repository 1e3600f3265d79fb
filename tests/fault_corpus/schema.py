"""A spec as the corpus' servers and tests read it: JSON-Schema validators and response lookup.

OpenAPI 3.0 schemas are turned into JSON Schema 2020-12 (`nullable: true` adds `"null"` to the
type, a boolean `exclusiveMinimum`/`exclusiveMaximum` makes its bound exclusive); `pattern`
follows ECMA-262 as OpenAPI says (`$` does not match before a trailing newline, `\\d` and `\\w`
are ASCII); formats are checked (date, date-time, email, uuid...). `request_view` reads a spec's
schemas as a request body must match them (read-only properties not required).
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT202012

URI = "urn:corpus:spec"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled with ECMA-262 semantics for the features the corpus' specs use."""
    return _compiled(pattern, True)


def python_pattern(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled as Python's `re` reads it (`$` also matches before a final newline)."""
    return _compiled(pattern, False)


@functools.cache
def _compiled(pattern: str, ecma: bool) -> re.Pattern[str]:
    if not ecma:
        return re.compile(pattern)
    text = (
        pattern[:-1] + r"(?!\n)\Z"
        if pattern.endswith("$") and not pattern.endswith("\\$")
        else pattern
    )
    return re.compile(text, re.ASCII)


def _pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not ecma_pattern(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _pattern_keyword}
)


def from_openapi30(node: Any) -> Any:
    """An OpenAPI 3.0 schema tree as JSON Schema 2020-12 (`nullable` and the boolean exclusive
    bounds differ here)."""
    if isinstance(node, list):
        return [from_openapi30(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {k: from_openapi30(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True and "type" in result:
        kinds = result["type"] if isinstance(result["type"], list) else [result["type"]]
        result["type"] = [*kinds, "null"]
        if isinstance(result.get("enum"), list) and None not in result["enum"]:
            result["enum"] = [*result["enum"], None]
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if isinstance(node.get(exclusive), bool):  # 3.0: a flag on `minimum`/`maximum`
            del result[exclusive]
            if node[exclusive] and bound in result:
                result[exclusive] = result.pop(bound)
    return result


def request_view(node: Any) -> None:
    """Drop read-only properties from the `required` lists of a schema tree, in place: OpenAPI
    holds `required` for them in responses only (for an `edit` of `SpecDoc`)."""
    if isinstance(node, list):
        for item in node:
            request_view(item)
        return
    if not isinstance(node, dict):
        return
    properties = node.get("properties")
    if isinstance(properties, dict) and isinstance(node.get("required"), list):
        node["required"] = [
            name
            for name in node["required"]
            if not (isinstance(properties.get(name), dict) and properties[name].get("readOnly"))
        ]
    for value in node.values():
        request_view(value)


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


class SpecDoc:
    """A loaded spec with cached validators.

    `ecma=False` reads patterns as Python's `re` does (a server with that bug). `edit` changes the JSON-Schema view before validators are built: a server whose own copy of
    a schema drifted from the spec (a bound or an enum missing) is built that way.
    """

    def __init__(
        self,
        path: Path,
        edit: Callable[[dict[str, Any]], None] | None = None,
        *,
        ecma: bool = True,
    ) -> None:
        self.path = path
        self.ecma = ecma
        self.raw = _load(path)
        self.openapi30 = str(self.raw.get("openapi", "")).startswith("3.0")
        self.document = from_openapi30(self.raw) if self.openapi30 else copy.deepcopy(self.raw)
        if edit is not None:
            edit(self.document)
        resource = DRAFT202012.create_resource(self.document)
        self.registry: Registry[Any] = Registry().with_resource(URI, resource)
        self._validators: dict[str, Any] = {}

    def validator(self, pointer: str) -> Any:
        """A validator of the schema at `pointer` (a JSON pointer into the spec)."""
        if pointer not in self._validators:
            self._validators[pointer] = self.validator_for({"$ref": f"{URI}#{pointer}"})
        return self._validators[pointer]

    def validator_for(self, schema: dict[str, Any]) -> Any:
        """A validator of an inline schema that may `$ref` into the spec (as `URI#/...`)."""
        cls = EcmaValidator if self.ecma else jsonschema.Draft202012Validator
        return cls(schema, registry=self.registry, format_checker=cls.FORMAT_CHECKER)

    def errors(self, pointer: str, instance: Any) -> list[jsonschema.ValidationError]:
        """Validation errors of `instance` against the schema at `pointer`, shallowest first."""
        found = list(self.validator(pointer).iter_errors(instance))
        return sorted(found, key=lambda e: (len(e.absolute_path), str(e.message)))

    def schema(self, pointer: str) -> Any:
        """The node at `pointer` in the JSON-Schema view of the document."""
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            name = part.replace("~1", "/").replace("~0", "~")
            node = node[int(name)] if isinstance(node, list) else node[name]
        return node

    # -- operations and responses ------------------------------------------------------------
    def base_path(self, template: str, method: str) -> str:
        """The effective server's path for an operation (operation > path item > document)."""
        item = self.raw["paths"][template]
        servers = item[method.lower()].get("servers") or item.get("servers") or self.raw["servers"]
        url = str(servers[0]["url"])
        path = re.sub(r"^[a-z]+://[^/]+", "", url)
        return path.rstrip("/")

    def match(self, method: str, path: str) -> tuple[str, str] | None:
        """(template, base path) of the operation serving `method path`, or None."""
        for template, item in self.raw["paths"].items():
            if method.lower() not in item:
                continue
            base = self.base_path(template, method)
            pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(base + template))
            if re.fullmatch(pattern, path):
                return template, base
        return None

    def operation(self, template: str, method: str) -> dict[str, Any]:
        operation: dict[str, Any] = self.raw["paths"][template][method.lower()]
        return operation

    def response_pointer(self, template: str, method: str, status: int) -> str | None:
        """JSON pointer of the documented JSON body schema for `status` ('' when no body is
        documented); None when the status is not documented."""
        responses = self.operation(template, method)["responses"]
        key = next(
            (k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None
        )
        if key is None:
            return None
        response = responses[key]
        escaped = template.replace("~", "~0").replace("/", "~1")
        where = f"/paths/{escaped}/{method.lower()}/responses/{key}"
        if "$ref" in response:  # a response of `components`: its schema is there
            where = response["$ref"].lstrip("#")
            response = self.schema(where)
        if "application/json" not in (response.get("content") or {}):
            return ""
        return f"{where}/content/application~1json/schema"

    def response_errors(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Why an answer breaks the spec (empty when it conforms)."""
        found = self.match(method, path)
        if found is None:
            return [f"{method} {path} is not an operation of the spec"]
        pointer = self.response_pointer(found[0], method, status)
        if pointer is None:
            return [f"status {status} is not documented for {method} {found[0]}"]
        if not pointer:
            return []
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}"
            for e in self.errors(pointer, body)
        ]
