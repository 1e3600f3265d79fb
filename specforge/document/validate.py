"""Validate a loaded document with openapi-spec-validator; every finding names a JSON pointer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, MutableSet
from typing import Any

from specforge.document.errors import Finding, SpecError, pointer_from_path
from specforge.document.keywords import (
    HTTP_METHODS,
    SCHEMA_KEYWORDS,
    SCHEMA_LIST_KEYWORDS,
    SCHEMA_MAP_KEYWORDS,
)
from specforge.document.limits import phase
from specforge.document.loader import LoadedSpec

MAX_FINDINGS = 200
MAX_SHAPE_FINDINGS = 20


def openapi_version(document: dict[str, Any]) -> str:
    """ "3.0" or "3.1"; anything else is refused."""
    version = document.get("openapi")
    if isinstance(version, str) and version.startswith("3.1"):
        return "3.1"
    if isinstance(version, str) and version.startswith("3.0"):
        return "3.0"
    return ""


def find_findings(spec: LoadedSpec, valid_schemas: MutableSet[str] | None = None) -> list[Finding]:
    """All validator findings for the document (empty when valid).

    A document whose skeleton is broken (see `shape_findings`) raises SpecError instead,
    `--lenient` or not: nothing can be generated, served or compared from it.

    `valid_schemas` holds the keys (`schema_key`) of schemas known to pass the meta-schema
    check: those are not checked again, and the ones found to pass are added (a cache keeps
    the set across runs). Within a run, a schema met twice is checked once either way.
    """
    with phase("validate", spec.limits, spec.source):
        return _find_findings(spec, set() if valid_schemas is None else valid_schemas)


def structural_findings(spec: LoadedSpec) -> list[Finding]:
    """The findings of the OpenAPI specification's own JSON schema for the document (fast: no
    Schema Object is checked against its dialect, no semantic rule runs); for what only reads the
    document's structure, such as the diff. A broken skeleton raises SpecError as above."""
    with phase("validate", spec.limits, spec.source):
        document = spec.document
        version = openapi_version(document)
        if not version:
            return _find_findings(spec, set())
        shape = shape_findings(document)
        if shape:
            raise SpecError(spec.source, shape)
        findings = []
        for error in _structure_validator(version).iter_errors(_plain_json(document)):
            pointer = pointer_from_path(list(error.instance_path))
            findings.append(Finding(pointer, "structure", error.message[:300]))
            if len(findings) >= MAX_FINDINGS:
                break
        return findings


_STRUCTURE_VALIDATORS: dict[str, Any] = {}


def _structure_validator(version: str) -> Any:
    """A compiled validator of the OpenAPI `version` schema that openapi-spec-validator ships
    (read as a file: importing that package costs a third of a second)."""
    if version not in _STRUCTURE_VALIDATORS:
        import importlib.util
        import json
        from pathlib import Path

        import jsonschema_rs

        found = importlib.util.find_spec("openapi_spec_validator")
        roots = list(found.submodule_search_locations or []) if found else []
        path = Path(roots[0]) / "resources" / "schemas" / f"v{version}" / "schema.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        _STRUCTURE_VALIDATORS[version] = jsonschema_rs.validator_for(schema)
    return _STRUCTURE_VALIDATORS[version]


def _plain_json(node: Any) -> Any:
    """`node` with every key a string and every scalar JSON's (dates as text), iteratively."""
    if not isinstance(node, (dict, list)):
        return node if isinstance(node, (str, int, float, bool)) or node is None else str(node)
    root: Any = {} if isinstance(node, dict) else []
    stack: list[tuple[Any, Any]] = [(node, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if isinstance(value, (dict, list)):
                child: Any = {} if isinstance(value, dict) else []
                stack.append((value, child))
            elif isinstance(value, (str, int, float, bool)) or value is None:
                child = value
            else:
                child = str(value)
            if isinstance(target, dict):
                target[str(key)] = child
            else:
                target.append(child)
    return root


def _find_findings(spec: LoadedSpec, valid_schemas: MutableSet[str]) -> list[Finding]:
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
    shape = shape_findings(document)
    if shape:
        raise SpecError(spec.source, shape)
    # imported here: it costs a third of a second, which commands that do not validate save
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    spec_validator = OpenAPIV31SpecValidator if version == "3.1" else OpenAPIV30SpecValidator
    validator_class = _remembering(spec_validator, document, valid_schemas)
    findings: list[Finding] = []
    defaults = _InvalidDefaults(document)
    try:
        for error in validator_class(document).iter_errors():
            findings.append(_finding_for(error, defaults))
            if len(findings) >= MAX_FINDINGS:
                break
    except RecursionError:
        findings.append(Finding("", "depth", "the document nests too deeply to validate"))
    except Exception as error:  # the validator's own checks fail on some malformed documents
        findings.append(
            Finding(
                "",
                "validator",
                f"openapi-spec-validator stopped ({type(error).__name__}: {error}); "
                "the findings before it are listed",
            )
        )
    return findings


SCHEMA_KEY_LENGTH = 32  # hex digits: 128 bits


def schema_key(validator: str, dialect: Any, schema: Any) -> str:
    """The key of a schema's meta-schema check: the validator, the document's default dialect
    and the schema's content (its `$schema` included), not where the schema is; "" for a
    schema that cannot be written as JSON text (it is then checked every time)."""
    try:
        text = json.dumps([validator, dialect, schema], sort_keys=True, default=repr)
    except (TypeError, ValueError, RecursionError):  # keys of mixed types, nesting too deep
        return ""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:SCHEMA_KEY_LENGTH]


def _remembering(spec_validator: Any, document: Any, valid: MutableSet[str]) -> Any:
    """`spec_validator` whose meta-schema check of each schema (most of its time) is skipped
    for schemas in `valid`, and adds the schemas it finds to pass. A failing check is always
    run, so its error (and where it is reported) is the validator's own. Where the validator
    has no such check to wrap (another version), it is returned as it is."""
    schema_class = spec_validator.keyword_validators.get("schema")
    if schema_class is None or not hasattr(schema_class, "_validate_schema_meta"):
        return spec_validator
    name = f"{spec_validator.__module__}.{spec_validator.__qualname__}"
    dialect = document.get("jsonSchemaDialect") if isinstance(document, dict) else None

    class RememberingSchemaValidator(schema_class):  # type: ignore[misc, valid-type]
        def _validate_schema_meta(self, schema: Any, schema_value: Any) -> Any:
            key = schema_key(name, dialect, schema_value)
            if key and key in valid:
                return None
            error = super()._validate_schema_meta(schema, schema_value)
            if error is None and key:
                valid.add(key)
            return error

    keywords = {**spec_validator.keyword_validators, "schema": RememberingSchemaValidator}
    return type(spec_validator.__name__, (spec_validator,), {"keyword_validators": keywords})


# -- the skeleton of the document ---------------------------------------------------------------
# For each kind of object: field -> (what the value must be, the kind of its members).
# "map" is a mapping, "list" a list, "map-of" a mapping of members, "list-of" a list of them.
_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "root": {
        "info": ("map", "any"),
        "servers": ("list-of", "server"),
        "paths": ("map-of", "pathItem"),
        "webhooks": ("map-of", "pathItem"),
        "components": ("map", "components"),
        "security": ("list-of", "any"),
        "tags": ("list-of", "any"),
        "externalDocs": ("map", "any"),
    },
    "server": {"variables": ("map-of", "any")},
    "pathItem": {
        **{method: ("map", "operation") for method in HTTP_METHODS},
        "parameters": ("list-of", "parameter"),
        "servers": ("list-of", "server"),
    },
    "operation": {
        "parameters": ("list-of", "parameter"),
        "requestBody": ("map", "requestBody"),
        "responses": ("map-of", "response"),
        "callbacks": ("map-of", "callback"),
        "servers": ("list-of", "server"),
        "security": ("list-of", "any"),
        "tags": ("list", ""),
        "externalDocs": ("map", "any"),
    },
    "callback": {},  # a mapping of expressions to path items (see _members)
    "parameter": {
        "schema": ("schema", "schema"),
        "content": ("map-of", "mediaType"),
        "examples": ("map-of", "any"),
    },
    "requestBody": {"content": ("map-of", "mediaType")},
    "response": {
        "content": ("map-of", "mediaType"),
        "headers": ("map-of", "header"),
        "links": ("map-of", "any"),
    },
    "header": {"schema": ("schema", "schema"), "content": ("map-of", "mediaType")},
    "mediaType": {
        "schema": ("schema", "schema"),
        "examples": ("map-of", "any"),
        "encoding": ("map-of", "encoding"),
    },
    "encoding": {"headers": ("map-of", "header")},
    "components": {
        "schemas": ("map-of-schema", "schema"),
        "responses": ("map-of", "response"),
        "parameters": ("map-of", "parameter"),
        "examples": ("map-of", "any"),
        "requestBodies": ("map-of", "requestBody"),
        "headers": ("map-of", "header"),
        "securitySchemes": ("map-of", "any"),
        "links": ("map-of", "any"),
        "callbacks": ("map-of", "callback"),
        "pathItems": ("map-of", "pathItem"),
    },
    "schema": {
        **{key: ("map-of-schema", "schema") for key in SCHEMA_MAP_KEYWORDS},
        **{key: ("schema", "schema") for key in SCHEMA_KEYWORDS},
        **{key: ("list-of-schema", "schema") for key in SCHEMA_LIST_KEYWORDS},
        "required": ("strings", ""),
        "enum": ("list", ""),
        "type": ("type", ""),
        "discriminator": ("map", "discriminator"),
    },
    "discriminator": {"propertyName": ("string", ""), "mapping": ("strings-map", "")},
    "any": {},
}
_TITLES = {
    "root": "an OpenAPI Object",
    "server": "a Server Object",
    "pathItem": "a Path Item Object",
    "operation": "an Operation Object",
    "callback": "a Callback Object",
    "parameter": "a Parameter Object",
    "requestBody": "a Request Body Object",
    "response": "a Response Object",
    "header": "a Header Object",
    "mediaType": "a Media Type Object",
    "encoding": "an Encoding Object",
    "components": "a Components Object",
    "schema": "a Schema Object",
    "discriminator": "a Discriminator Object",
    "any": "an object",
}


def _found(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def shape_findings(document: dict[str, Any]) -> list[Finding]:
    """Findings where the document's skeleton is not made of what OpenAPI requires.

    Each OpenAPI object the generator, the mock and the differ walk must be a mapping, each
    list of them a list, each schema a mapping (or, as JSON Schema allows, a boolean), and
    `required`, `enum` and `type` of the right kind. `$ref` objects are taken as they are
    (their targets are checked where they are). Iterative; stops after a few findings.
    """
    findings: list[Finding] = []
    # (value, kind, link); a link is (parent link, token), turned into a pointer on a finding
    stack: list[tuple[Any, str, Any]] = [(document, "root", None)]
    while stack and len(findings) < MAX_SHAPE_FINDINGS:
        node, kind, link = stack.pop()
        if kind == "schema" and isinstance(node, bool):
            continue
        if not isinstance(node, dict):
            findings.append(_expected(link, _TITLES[kind] + " (a mapping)", node))
            continue
        if "$ref" in node and kind not in ("schema", "root"):
            continue  # a Reference Object
        if kind == "callback":
            stack.extend((value, "pathItem", (link, key)) for key, value in reversed(node.items()))
            continue
        fields = _FIELDS[kind]
        for key in reversed(node):
            if key not in fields:
                continue
            value = node[key]
            shape, member = fields[key]
            here = (link, key)
            if shape == "map":
                stack.append((value, member, here))
            elif shape == "schema":
                stack.append((value, "schema", here))
            elif shape in ("map-of", "map-of-schema"):
                if not isinstance(value, dict):
                    findings.append(_expected(here, f"a mapping of {_plural(member)}", value))
                    continue
                stack.extend((item, member, (here, name)) for name, item in value.items())
            elif shape in ("list-of", "list-of-schema"):
                if not isinstance(value, list):
                    findings.append(_expected(here, f"a list of {_plural(member)}", value))
                    continue
                stack.extend((item, member, (here, index)) for index, item in enumerate(value))
            elif shape == "list":
                if not isinstance(value, list):
                    findings.append(_expected(here, "a list", value))
            elif shape == "strings":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    findings.append(_expected(here, "a list of strings", value))
            elif shape == "type":
                if not isinstance(value, (str, list)) or (
                    isinstance(value, list) and not all(isinstance(v, str) for v in value)
                ):
                    findings.append(_expected(here, "a type name or a list of them", value))
            elif shape == "string":
                if not isinstance(value, str):
                    findings.append(_expected(here, "a string", value))
            elif shape == "strings-map" and (
                not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values())
            ):
                findings.append(_expected(here, "a mapping of strings", value))
    return findings


def _plural(kind: str) -> str:
    title = _TITLES[kind]
    article, _, noun = title.partition(" ")
    noun = noun if article in ("a", "an") else title
    if kind == "schema":
        return "Schema Objects (mappings or booleans)"
    return f"{noun}s (mappings)"


def _expected(link: Any, what: str, value: Any) -> Finding:
    parts: list[Any] = []
    while link is not None:
        link, token = link
        parts.append(token)
    return Finding(
        pointer_from_path(reversed(parts)), "shape", f"expected {what}, found {_found(value)}"
    )


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
        self._anchored: set[str] = set()  # pointers `anchor` gave
        self._containers: list[tuple[tuple[Any, ...], Any]] | None = None

    def anchor(self, path: list[Any], instance: Any) -> str:
        """The absolute pointer of a finding whose path is relative to some inner schema.

        The validator checks each schema on its own, so its paths can start below the
        document root; the first node from which `path` leads to `instance` is taken, the
        next one when the same finding was already placed there (two schemas alike).
        """
        if _follow(self._document, path, instance):
            return pointer_from_path(path)
        if self._containers is None:
            self._containers = sorted(
                _walk(self._document), key=lambda item: [str(p) for p in item[0]]
            )
        found = [
            pointer_from_path([*where, *path])
            for where, node in self._containers
            if _follow(node, path, instance)
        ]
        for pointer in found:
            if pointer not in self._anchored:
                self._anchored.add(pointer)
                return pointer
        return found[0] if found else ""

    def _scan(self, node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, Any, str]]:
        stack: list[tuple[Any, tuple[Any, ...]]] = [(node, path)]
        while stack:
            current, where = stack.pop()
            if isinstance(current, dict):
                kind = current.get("type")
                # A `properties` map may name properties `default` and `type`: only a schema's
                # own `type` (a name or a list of names) is checked.
                if "default" in current and _type_names(kind):
                    check = {"type": kind}
                    if isinstance(current.get("type"), str) and current.get("nullable"):
                        check = {"type": [current["type"], "null"]}
                    from jsonschema import Draft202012Validator

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


def _type_names(kind: Any) -> bool:
    """Whether `kind` is what a schema's `type` holds: a string, or a list of strings."""
    if isinstance(kind, list):
        return bool(kind) and all(isinstance(item, str) for item in kind)
    return isinstance(kind, str)


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
