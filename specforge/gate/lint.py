"""Spec lint: what makes SDKs and servers go wrong even when the document is valid.

Each rule is a small function registered with a name, a severity and a one-line fix; it yields
the JSON pointer of every place it finds and what is wrong there.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from specforge.document.errors import pointer_from_path
from specforge.document.keywords import HTTP_METHODS
from specforge.document.schemas import json_types, replacement_of
from specforge.generator import naming
from specforge.generator.parse import build_api

Severity = Literal["error", "warning"]
Path_ = tuple[Any, ...]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")
_DOCUMENT_URI = "urn:specforge:spec"
_SINGLE_SUBSCHEMAS = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
)
_LIST_SUBSCHEMAS = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP_SUBSCHEMAS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?:\s*(?:-|\u2013|to)\s*\d+(?:\.\d+)?)?(?![\w.])")
_JS_CALL = re.compile(r"\bclient((?:\.[A-Za-z_]\w*)+)\s*\(")


@dataclass(frozen=True)
class LintFinding:
    """One lint result: rule, severity, where (JSON pointer), what, and how to fix it."""

    rule: str
    severity: Severity
    pointer: str
    message: str
    fix: str

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "pointer": self.pointer,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Hit:
    """What a rule yields: a location, a message and (optionally) a more specific fix."""

    path: Path_
    message: str
    fix: str = ""


@dataclass(frozen=True)
class SchemaSite:
    """A schema object in the document: where it is and whether it is a component's root."""

    path: Path_
    schema: dict[str, Any]
    component_root: bool
    allof_branch: bool


class LintContext:
    """The (normalised) document and the views of it that rules share."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._schemas: list[SchemaSite] | None = None
        self._methods: dict[str, set[str]] | None = None

    @property
    def schemas(self) -> list[SchemaSite]:
        if self._schemas is None:
            self._schemas = list(iter_schemas(self.document))
        return self._schemas

    @property
    def sdk_methods(self) -> dict[str, set[str]]:
        """`resource.method` of every generated method -> its argument names (spec and Python)."""
        if self._methods is None:
            self._methods = {}
            for op in build_api(self.document).operations:
                fields = (*op.parameters, *(op.body.properties if op.body else ()))
                names = {field.name for field in fields} | {field.python_name for field in fields}
                self._methods[".".join((*op.resource, op.method_name))] = names
        return self._methods

    def operations(self) -> Iterator[tuple[Path_, dict[str, Any]]]:
        for section in ("paths", "webhooks"):
            items = self.document.get(section)
            if not isinstance(items, dict):
                continue
            for key, item in items.items():
                if not isinstance(item, dict):
                    continue
                for method in HTTP_METHODS:
                    if isinstance(item.get(method), dict):
                        yield (section, key, method), item[method]


Check = Callable[[LintContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A named lint rule with its severity and default one-line fix."""

    name: str
    severity: Severity
    fix: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(name: str, severity: Severity, fix: str) -> Callable[[Check], Check]:
    """Register a check function as the rule `name`."""

    def register(check: Check) -> Check:
        RULES[name] = Rule(name, severity, fix, check)
        return check

    return register


# -- walking the document --------------------------------------------------------------------------
def iter_schemas(document: dict[str, Any]) -> Iterator[SchemaSite]:
    """Every schema object reachable from components, paths and webhooks (not through `$ref`)."""
    for path, schema in _schema_roots(document):
        component = len(path) == 3 and path[:2] == ("components", "schemas")
        yield from _walk_schema(path, schema, component, False)


def _schema_roots(document: dict[str, Any]) -> Iterator[tuple[Path_, Any]]:
    found = document.get("components")
    components: dict[str, Any] = found if isinstance(found, dict) else {}
    for name, schema in _items(components.get("schemas")):
        yield ("components", "schemas", name), schema
    for name, parameter in _items(components.get("parameters")):
        yield from _parameter_schemas(("components", "parameters", name), parameter)
    for name, body in _items(components.get("requestBodies")):
        yield from _content_schemas(("components", "requestBodies", name), body)
    for name, response in _items(components.get("responses")):
        yield from _response_schemas(("components", "responses", name), response)
    for name, header in _items(components.get("headers")):
        yield from _parameter_schemas(("components", "headers", name), header)
    for section in ("paths", "webhooks"):
        for key, item in _items(document.get(section)):
            for index, parameter in enumerate(_list(item.get("parameters"))):
                yield from _parameter_schemas((section, key, "parameters", index), parameter)
            for method in HTTP_METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                where = (section, key, method)
                for index, parameter in enumerate(_list(operation.get("parameters"))):
                    yield from _parameter_schemas((*where, "parameters", index), parameter)
                yield from _content_schemas((*where, "requestBody"), operation.get("requestBody"))
                for status, response in _items(operation.get("responses")):
                    yield from _response_schemas((*where, "responses", status), response)


def _items(node: Any) -> Iterator[tuple[Any, dict[str, Any]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict):
                yield key, value


def _list(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def _parameter_schemas(path: Path_, parameter: Any) -> Iterator[tuple[Path_, Any]]:
    if isinstance(parameter, dict):
        if isinstance(parameter.get("schema"), dict):
            yield (*path, "schema"), parameter["schema"]
        yield from _content_schemas(path, parameter)


def _content_schemas(path: Path_, holder: Any) -> Iterator[tuple[Path_, Any]]:
    if isinstance(holder, dict):
        for content_type, media in _items(holder.get("content")):
            if isinstance(media.get("schema"), dict):
                yield (*path, "content", content_type, "schema"), media["schema"]


def _response_schemas(path: Path_, response: dict[str, Any]) -> Iterator[tuple[Path_, Any]]:
    yield from _content_schemas(path, response)
    for name, header in _items(response.get("headers")):
        yield from _parameter_schemas((*path, "headers", name), header)


def _walk_schema(
    path: Path_, schema: Any, component_root: bool, allof_branch: bool
) -> Iterator[SchemaSite]:
    stack: list[tuple[Path_, Any, bool, bool]] = [(path, schema, component_root, allof_branch)]
    while stack:
        where, node, root, branch = stack.pop()
        if not isinstance(node, dict):
            continue
        yield SchemaSite(where, node, root, branch)
        for key in _SINGLE_SUBSCHEMAS:
            if isinstance(node.get(key), dict):
                stack.append(((*where, key), node[key], False, False))
        for key in _LIST_SUBSCHEMAS:
            for index, child in enumerate(_list(node.get(key))):
                stack.append(((*where, key, index), child, False, key == "allOf"))
        for key in _MAP_SUBSCHEMAS:
            for name, child in _items(node.get(key)):
                stack.append(((*where, key, name), child, False, False))


def media_examples(document: dict[str, Any]) -> Iterator[tuple[Path_, Path_, Any]]:
    """(schema path, example path, example value) for media types and parameters."""
    for section in ("paths", "webhooks", "components"):
        stack: list[tuple[Path_, Any]] = [((section,), document.get(section))]
        while stack:
            where, node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("schema"), dict) and "$ref" not in node:
                    schema_path = (*where, "schema")
                    if "example" in node:
                        yield schema_path, (*where, "example"), node["example"]
                    for name, example in _items(node.get("examples")):
                        if "value" in example:
                            yield schema_path, (*where, "examples", name, "value"), example["value"]
                for key, value in node.items():
                    if key not in ("schema", "schemas", "examples", "example", "x-codeSamples"):
                        stack.append(((*where, key), value))
            elif isinstance(node, list):
                stack.extend(((*where, index), value) for index, value in enumerate(node))


# -- the rules -------------------------------------------------------------------------------------
@rule("example-invalid", "error", "make the example match the schema, or the schema match the data")
def check_examples(context: LintContext) -> Iterator[Hit]:
    """An `example`/`examples` value that does not validate against its own schema."""
    registry: Registry[Any] = Registry().with_resource(
        _DOCUMENT_URI, DRAFT202012.create_resource(context.document)
    )
    candidates: list[tuple[Path_, Path_, Any]] = list(media_examples(context.document))
    for site in context.schemas:
        if "example" in site.schema:
            candidates.append((site.path, (*site.path, "example"), site.schema["example"]))
        if isinstance(site.schema.get("examples"), list):
            for index, value in enumerate(site.schema["examples"]):
                candidates.append((site.path, (*site.path, "examples", index), value))
    for schema_path, example_path, value in candidates:
        problem = _first_error(registry, schema_path, value, _direction_exempt(example_path))
        if problem:
            yield Hit(example_path, f"example does not validate against its schema: {problem}")


def _direction_exempt(example_path: Path_) -> tuple[str, ...]:
    """Which keywords excuse a missing required property in an example at `example_path`.

    A request never carries readOnly properties and a response never writeOnly ones, so an
    example of one may leave them out though the schema requires them; a schema's own example
    may stand for either direction.
    """
    if "requestBody" in example_path or "parameters" in example_path:
        return ("readOnly",)
    if "responses" in example_path:
        return ("writeOnly",)
    return ("readOnly", "writeOnly")


_REQUIRED = re.compile(r"^'(.+)' is a required property$")


def _excused(registry: Registry[Any], error: Any, exempt: tuple[str, ...]) -> bool:
    """A `required` error for a property the example's direction never carries."""
    found = _REQUIRED.match(str(error.message)) if error.validator == "required" else None
    properties = error.schema.get("properties") if isinstance(error.schema, dict) else None
    if not found or not isinstance(properties, dict):
        return False
    prop = properties.get(found.group(1))
    if isinstance(prop, dict) and isinstance(prop.get("$ref"), str):
        try:
            prop = registry.resolver(_DOCUMENT_URI).lookup(prop["$ref"]).contents
        except Unresolvable:
            return False
    return isinstance(prop, dict) and any(prop.get(keyword) is True for keyword in exempt)


def _first_error(
    registry: Registry[Any], schema_path: Path_, value: Any, exempt: tuple[str, ...] = ()
) -> str:
    target = f"{_DOCUMENT_URI}#{quote(pointer_from_path(schema_path), safe='/~')}"
    try:
        validator = Draft202012Validator({"$ref": target}, registry=registry)
        errors = sorted(
            (e for e in validator.iter_errors(value) if not _excused(registry, e, exempt)),
            key=lambda error: list(error.absolute_path),
        )
    except (SchemaError, Unresolvable, re.error, RecursionError):
        return ""
    if not errors:
        return ""
    error = errors[0]
    at = "".join(f"[{part!r}]" for part in error.absolute_path)
    where = f"value{at}" if at else "the value"
    if error.validator == "type":
        return (
            f"{where} is {_json_type(error.instance)}, the schema expects {error.validator_value}"
        )
    return f"{where}: {textwrap.shorten(error.message, 140)}"


def _json_type(value: Any) -> str:
    names = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "an array",
        dict: "an object",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


@rule(
    "numeric-description-mismatch",
    "error",
    "use `type: number` if decimals are accepted, or state integer values in the description",
)
def check_numeric_descriptions(context: LintContext) -> Iterator[Hit]:
    """An `integer` whose description speaks of decimal values (e.g. a `6.0-10.0` range)."""
    for site in context.schemas:
        types = json_types(site.schema)
        description = site.schema.get("description")
        if "integer" not in types or "number" in types or not isinstance(description, str):
            continue
        match = _DECIMAL.search(description)
        if match:
            yield Hit(
                (*site.path, "description"),
                f"type is integer but the description speaks of decimal values ({match.group(0)!r})",
            )


@rule(
    "deprecated-without-replacement",
    "warning",
    "name the replacement with `x-replaced-by` or a 'use X instead' phrase in the description",
)
def check_deprecated_replacement(context: LintContext) -> Iterator[Hit]:
    """A deprecated property that does not say what to use instead."""
    for site in context.schemas:
        for name, prop in _items(site.schema.get("properties")):
            if prop.get("deprecated") is True and not replacement_of(prop):
                yield Hit(
                    (*site.path, "properties", name),
                    f"property {name!r} is deprecated but names no replacement",
                )


@rule("missing-operation-id", "warning", "add a unique `operationId`")
def check_operation_ids(context: LintContext) -> Iterator[Hit]:
    """An operation without an `operationId` (its SDK method name is guessed from the path)."""
    for path, operation in context.operations():
        if not str(operation.get("operationId") or "").strip():
            yield Hit(path, f"{path[2].upper()} {path[1]} has no operationId")


@rule("duplicate-operation-id", "error", "make every `operationId` unique")
def check_duplicate_operation_ids(context: LintContext) -> Iterator[Hit]:
    """Two operations sharing an `operationId`."""
    first: dict[str, Path_] = {}
    for path, operation in context.operations():
        operation_id = operation.get("operationId")
        if not isinstance(operation_id, str) or not operation_id:
            continue
        if operation_id in first:
            yield Hit(
                (*path, "operationId"),
                f"operationId {operation_id!r} is also used at "
                f"{pointer_from_path(first[operation_id])}",
            )
        else:
            first[operation_id] = path


@rule("missing-4xx-response", "warning", "document the client errors (e.g. 400, 401, 422)")
def check_client_errors(context: LintContext) -> Iterator[Hit]:
    """An operation that documents no 4xx response (SDKs cannot type its errors)."""
    for path, operation in context.operations():
        responses = operation.get("responses")
        codes = [str(code).upper() for code in responses] if isinstance(responses, dict) else []
        if not any(code.startswith("4") for code in codes):
            yield Hit(
                (*path, "responses"), f"{path[2].upper()} {path[1]} documents no 4xx response"
            )


@rule(
    "code-sample-unknown-call",
    "error",
    "make the code sample call an existing method with existing arguments",
)
def check_code_samples(context: LintContext) -> Iterator[Hit]:
    """A code sample (`x-codeSamples`) calling a method or argument the spec does not have."""
    methods = context.sdk_methods
    by_key = {_call_key(name): name for name in methods}
    for path, operation in context.operations():
        for index, sample in enumerate(_list(operation.get("x-codeSamples"))):
            if not isinstance(sample, dict) or not isinstance(sample.get("source"), str):
                continue
            where = (*path, "x-codeSamples", index, "source")
            for call, arguments in _sample_calls(str(sample.get("lang", "")), sample["source"]):
                known = by_key.get(_call_key(call))
                if known is None:
                    yield Hit(
                        where,
                        f"sample calls client.{call}(), which no operation provides "
                        f"(known: {', '.join(sorted(methods)) or 'none'})",
                    )
                    continue
                unknown = sorted(set(arguments) - methods[known])
                if unknown:
                    yield Hit(
                        where,
                        f"sample passes {', '.join(unknown)} to client.{call}(), "
                        "which the operation does not accept",
                    )


def _call_key(dotted: str) -> str:
    return ".".join(naming.snake(part) for part in dotted.split("."))


def _sample_calls(lang: str, source: str) -> Iterator[tuple[str, list[str]]]:
    """(dotted method path after `client.`, keyword names) for each client call in a sample."""
    if lang.lower() in ("python", "py"):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                dotted = _dotted(node.func)
                if dotted and dotted[0] == "client" and len(dotted) > 1:
                    yield ".".join(dotted[1:]), [k.arg for k in node.keywords if k.arg]
        return
    for match in _JS_CALL.finditer(source):
        yield match.group(1).lstrip("."), []


def _dotted(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return [*head, node.attr] if head else []
    return []


@rule(
    "discriminator-unmapped-value",
    "error",
    "add a `mapping` from each value the member schemas allow to its schema",
)
def check_discriminator_mappings(context: LintContext) -> Iterator[Hit]:
    """A discriminator without a mapping names each member by its schema name: a member whose
    own property allows other values (an enum or const, e.g. `b64_json` in a schema named
    `ImageDataB64`) then breaks every validator that follows OpenAPI (and the SDK's union)."""
    for site in context.schemas:
        discriminator = site.schema.get("discriminator")
        members = _list(site.schema.get("oneOf")) or _list(site.schema.get("anyOf"))
        if not isinstance(discriminator, dict) or not members:
            continue
        name = discriminator.get("propertyName")
        mapping = discriminator.get("mapping")
        targets = {str(ref) for ref in mapping.values()} if isinstance(mapping, dict) else set()
        for member in members:
            ref = member.get("$ref") if isinstance(member, dict) else None
            if (
                not isinstance(ref, str)
                or not ref.startswith("#/components/schemas/")
                or ref in targets
            ):
                continue
            schema_name = ref.rsplit("/", 1)[-1]
            values = _allowed_values(context.document, ref, str(name))
            if values and schema_name not in values:
                listed = ", ".join(repr(v) for v in sorted(values, key=str))
                yield Hit(
                    (*site.path, "discriminator"),
                    f"member {schema_name} is chosen by {name}={schema_name!r} (no mapping), "
                    f"but its {name} allows only {listed}",
                    f"add `mapping: {{{sorted(values, key=str)[0]}: '{ref}'}}` (one entry per member)",
                )


def _allowed_values(document: dict[str, Any], ref: str, name: str) -> set[Any]:
    """The enum/const values the referenced schema allows for property `name` (empty: any)."""
    try:
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        prop = target.get("properties", {}).get(name) if isinstance(target, dict) else None
    except (KeyError, TypeError, AttributeError):
        return set()
    if not isinstance(prop, dict):
        return set()
    if "const" in prop:
        return {prop["const"]}
    enum = prop.get("enum")
    return {value for value in enum if isinstance(value, str)} if isinstance(enum, list) else set()


@rule("enum-without-type", "warning", "add the `type` the values have (e.g. `type: string`)")
def check_enum_types(context: LintContext) -> Iterator[Hit]:
    """A `const` or `enum` without a `type` (SDKs and validators must guess it)."""
    for site in context.schemas:
        if ("enum" in site.schema or "const" in site.schema) and "type" not in site.schema:
            keyword = "const" if "const" in site.schema else "enum"
            yield Hit(site.path, f"{keyword} without a type")


@rule(
    "inline-object-without-title",
    "warning",
    "add a `title`, or move the schema to components/schemas and `$ref` it",
)
def check_inline_titles(context: LintContext) -> Iterator[Hit]:
    """An inline object schema without a `title` (every SDK guesses its class name)."""
    for site in context.schemas:
        schema = site.schema
        is_object = "object" in json_types(schema) or isinstance(schema.get("properties"), dict)
        if site.component_root or site.allof_branch or "$ref" in schema or not is_object:
            continue
        if schema.get("properties") and not str(schema.get("title") or "").strip():
            yield Hit(site.path, "inline object schema without a title")


@rule("unused-component", "warning", "reference the component or remove it")
def check_unused_components(context: LintContext) -> Iterator[Hit]:
    """A component nothing outside unused components refers to."""
    components = context.document.get("components")
    if not isinstance(components, dict):
        return
    used = _reachable_refs(context.document)
    schemes = _used_security_schemes(context.document)
    for section, entries in components.items():
        if not isinstance(entries, dict) or section.startswith("x-"):
            continue
        for name in entries:
            pointer = pointer_from_path(["components", section, name])
            if section == "securitySchemes":
                if name not in schemes:
                    yield Hit(
                        ("components", section, name), f"security scheme {name!r} is never required"
                    )
            elif pointer not in used:
                yield Hit(
                    ("components", section, name), f"component {section}/{name} is never referenced"
                )


def _reachable_refs(document: dict[str, Any]) -> set[str]:
    """Pointers of every component reachable by `$ref` from outside `components`."""
    outside = {key: value for key, value in document.items() if key != "components"}
    pending = [ref[1:] for ref in _refs(outside)]
    seen: set[str] = set()
    while pending:
        pointer = pending.pop()
        if pointer in seen:
            continue
        seen.add(pointer)
        parts = [
            part.replace("~1", "/").replace("~0", "~") for part in pointer.lstrip("/").split("/")
        ]
        if len(parts) >= 3 and parts[0] == "components":
            target = document.get("components", {}).get(parts[1], {}).get(parts[2])
            seen.add(pointer_from_path(parts[:3]))
            pending.extend(ref[1:] for ref in _refs(target))
    return seen


def _refs(node: Any) -> Iterator[str]:
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                yield ref
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _used_security_schemes(document: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    requirements = list(_list(document.get("security")))
    for section in ("paths", "webhooks"):
        for _, item in _items(document.get(section)):
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    requirements.extend(_list(item[method].get("security")))
    for requirement in requirements:
        if isinstance(requirement, dict):
            names.update(str(name) for name in requirement)
    return names


# -- running ---------------------------------------------------------------------------------------
def lint_document(document: dict[str, Any], ignore: Iterable[str] = ()) -> list[LintFinding]:
    """All findings for a normalised document, minus the silenced ones, in pointer order.

    An `ignore` entry is a rule name (silences the rule) or `rule#/json/pointer` (one finding).
    """
    silenced = set(ignore)
    context = LintContext(document)
    findings: list[LintFinding] = []
    for name, spec_rule in RULES.items():
        if name in silenced:
            continue
        for hit in spec_rule.check(context):
            pointer = pointer_from_path(hit.path)
            if f"{name}#{pointer}" in silenced:
                continue
            findings.append(
                LintFinding(
                    name, spec_rule.severity, pointer, hit.message, hit.fix or spec_rule.fix
                )
            )
    return sorted(findings, key=lambda finding: (finding.pointer, finding.rule, finding.message))


def unknown_rules(ignore: Iterable[str]) -> list[str]:
    """Entries of `lint_ignore` that name no rule."""
    return sorted({entry for entry in ignore if entry.split("#", 1)[0] not in RULES})
