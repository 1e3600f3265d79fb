"""Pydantic v2 models for every component schema, by datamodel-code-generator as a library."""

from __future__ import annotations

import ast
import copy
import dataclasses
import hashlib
import json
import re
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from specforge.document.errors import Finding, SpecError
from specforge.document.keywords import SCHEMA_KEYWORDS, SCHEMA_LIST_KEYWORDS, SCHEMA_MAP_KEYWORDS
from specforge.document.limits import Limits, phase
from specforge.document.schemas import BOUND_KEYWORDS, COMPONENT_PREFIX, fits, json_types, ref_name
from specforge.generator.cache import Cache, group_key
from specforge.generator.escaping import (
    EscapeError,
    python_identifier,
    python_indented_docstring,
    python_literal,
    python_type_hint,
)
from specforge.generator.type_hints import PARAM, TypeHints, identifier_key

_RECURSION_LIMIT = 20_000
_OPTIONS: dict[str, Any] = {
    "use_annotated": True,
    "field_constraints": True,
    "disable_timestamp": True,
    "use_union_operator": True,
    "use_standard_collections": True,
    "use_schema_description": True,
    "use_field_description": True,
    "use_double_quotes": True,
    "keep_model_order": False,
    "capitalise_enum_members": True,
    "use_subclass_enum": True,
    "union_mode": "left_to_right",
    "strict_nullable": False,
    "set_default_enum_member": True,
    # Component schemas keep their names and inline models are named after their parent
    # (`A.w` -> `AW`), so an inline model never takes the class a component's name asks for.
    "naming_strategy": "parent-prefixed",
    # A union property's default stays on the property: the root model of a branch (an
    # `integer` with bounds beside a `string` enum) would take a default it cannot hold.
    "keep_field_defaults_off_branch_roots": True,
}
# String formats the model generator types as something else than `str` (the type it uses):
# a string default cannot be written for them as it is (see `repair_defaults`).
TYPED_STRING_FORMATS: dict[str, str] = {
    "binary": "bytes",
    "date": "date",
    "date-time": "datetime",
    "date-time-local": "datetime",
    "decimal": "Decimal",
    "duration": "timedelta",
    "ipv4": "IPv4Address",
    "ipv6": "IPv6Address",
    "password": "SecretStr",
    "path": "Path",
    "time": "time",
    "ulid": "ULID",
    "uri": "AnyUrl",
    "uuid": "UUID",
    "uuid1": "UUID",
    "uuid3": "UUID",
    "uuid4": "UUID",
    "uuid5": "UUID",
}


def model_document(
    components: dict[str, Any], classes: dict[str, str], open_enums: set[str]
) -> dict[str, Any]:
    """An OpenAPI document of the components, keyed by class name, enums opened where asked.

    `open_enums` lists the components in which enum-typed properties also accept any string,
    so that a response carrying a value the spec does not list still parses.
    """
    renamed: dict[str, Any] = {}
    for name, schema in components.items():
        body = copy.deepcopy(schema) if isinstance(schema, dict) else {}
        strip_generator_keys(body)
        _rewrite_refs(body, classes)
        if name in open_enums:
            _open_enums(body, components, top=True)
        renamed[classes[name]] = body
    merge_conflicting_bases(renamed, classes)
    return {
        "openapi": "3.1.0",
        "info": {"title": "models", "version": "0"},
        "paths": {},
        "components": {"schemas": renamed},
        PARAMS_KEY: param_types(components, classes),
    }


PARAMS_KEY = "x-specforge-params"
"""Where the model document carries the `Param` TypedDicts of its object models (by class
name: each key as `[name, type hint, required, description]`); the model generator never
sees it (see `generate_models`)."""


def param_types(components: dict[str, Any], classes: dict[str, str]) -> dict[str, list[Any]]:
    """The `Param` TypedDict keys of each object component (see `type_hints.TypeHints`)."""
    enums = {
        name
        for name, schema in components.items()
        if isinstance(schema, dict) and "enum" in schema and not schema.get("properties")
    }
    hints = TypeHints({"components": {"schemas": components}}, classes, enums)
    return {
        classes[name]: [
            [f.key, f.hint, f.required, f.description] for f in hints.param_fields(name)
        ]
        for name in sorted(components)
        if name in classes and hints.has_param(name)
    }


# Schema keys that datamodel-code-generator reads as instructions rather than as JSON Schema:
# `customTypePath` and `customBasePath` (a type or base class to import), `default_factory`,
# `$id` and `$schema` (where and how references resolve), and the `x-` extensions, among them
# `x-python-type`, `x-python-import`, `x-is-base-class`, `x-is-classvar`, `x-enum-varnames`,
# `x-enumNames`, `x-enum-descriptions`, `x-enum-field-as-literal`, `x-propertyNames` and
# `x-datamodel-code-generator-*`. A spec must not choose what the models module imports or
# how it is built, so none of them reaches the model generator.
GENERATOR_KEYS = frozenset(
    {"customTypePath", "customBasePath", "default_factory", "$id", "$schema"}
)
_SCHEMA_LISTS = (*SCHEMA_LIST_KEYWORDS, "items")


def strip_generator_keys(schema: Any) -> None:
    """Remove, in place, every key of `schema` and its subschemas that steers the model
    generator (GENERATOR_KEYS and `x-` extensions), and `$ref`s that are not local.

    Only schema positions are walked: property names, enum values, defaults and examples
    are data and stay as they are.
    """
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        for key in [k for k in node if k in GENERATOR_KEYS or k.startswith("x-")]:
            del node[key]
        ref = node.get("$ref")
        if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
            del node["$ref"]  # never fetched nor read from disk by the model generator
        for key in SCHEMA_MAP_KEYWORDS:
            value = node.get(key)
            if isinstance(value, dict):
                stack.extend(value.values())
        for key in SCHEMA_KEYWORDS:
            value = node.get(key)
            if isinstance(value, dict):
                stack.append(value)
        for key in _SCHEMA_LISTS:
            value = node.get(key)
            if isinstance(value, list):
                stack.extend(value)


# Keywords that document a schema without constraining its values.
_ANNOTATION_KEYS = frozenset(
    {
        "title",
        "description",
        "default",
        "example",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "externalDocs",
        "xml",
    }
)
# Keywords that make the model generator write a class of their own for a schema.
_CLASS_KEYS = frozenset({"properties", "patternProperties", "enum", "allOf", "oneOf", "anyOf"})


def merge_conflicting_bases(schemas: dict[str, Any], classes: Mapping[str, str]) -> None:
    """Merge into a schema, in place, each `allOf` base whose property it types differently.

    The model generator writes `allOf: [{$ref: Base}, {properties: ...}]` as a subclass of
    Base, whose own properties override Base's fields, and narrows the property a
    discriminator selects by to a string `Literal` in each of its variants. An override the
    subclass types differently (a list of another item class; a `Literal` where Base has an
    enum) is an incompatible override of a mutable attribute, which `mypy --strict` refuses.
    Such a base is written into the `allOf` as the properties and `required` of its whole
    chain instead, so the class defines every field itself; other bases stay classes.
    `schemas` are keyed by class name, `classes` maps component names to class names (the
    discriminator mappings still use the former).
    """
    bases = _Bases(schemas, _narrowed(schemas, classes))
    stack: list[tuple[Any, str]] = list((schema, name) for name, schema in schemas.items())
    while stack:
        node, name = stack.pop()
        if not isinstance(node, dict):
            continue
        parts = node.get("allOf")
        if isinstance(parts, list):
            own = _own_properties(node)
            narrowed = bases.narrowed_in(node, name)
            required = _own_required(node)
            for index, part in enumerate(parts):
                base = _ref_target(part)
                if base and bases.conflicts(own, narrowed, required, base):
                    parts[index] = bases.flattened(base, leave_out=set(own))
        stack.extend((child, "") for child in _children(node))


class _Narrowed:
    """The properties discriminators narrow: by component (class name) and by inline schema."""

    def __init__(self) -> None:
        self.components: dict[str, set[str]] = {}
        self.inline: dict[int, set[str]] = {}


def _narrowed(schemas: dict[str, Any], classes: Mapping[str, str]) -> _Narrowed:
    """Where each discriminator's property is narrowed: its branches and mapped schemas."""
    found = _Narrowed()
    stack: list[Any] = list(schemas.values())
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        stack.extend(_children(node))
        discriminator = node.get("discriminator")
        name = discriminator.get("propertyName") if isinstance(discriminator, dict) else None
        if not isinstance(name, str):
            continue
        for key in ("oneOf", "anyOf"):
            for branch in node.get(key) or []:
                target = _ref_target(branch)
                if target:
                    found.components.setdefault(target, set()).add(name)
                elif isinstance(branch, dict):
                    found.inline.setdefault(id(branch), set()).add(name)
        mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
        for value in mapping.values() if isinstance(mapping, dict) else ():
            target = classes.get(ref_name(str(value)) or str(value), "")
            if target:
                found.components.setdefault(target, set()).add(name)
    return found


def _children(node: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    for key in SCHEMA_MAP_KEYWORDS:
        if isinstance(node.get(key), dict):
            found.extend(node[key].values())
    found.extend(node[key] for key in SCHEMA_KEYWORDS if isinstance(node.get(key), dict))
    for key in _SCHEMA_LISTS:
        if isinstance(node.get(key), list):
            found.extend(node[key])
    return found


def _ref_target(part: Any) -> str:
    """The component a `{$ref: ...}` allOf part names ('' for any other part)."""
    if isinstance(part, dict) and isinstance(part.get("$ref"), str):
        return ref_name(part["$ref"])
    return ""


def _own_properties(node: dict[str, Any]) -> dict[str, Any]:
    """The properties `node` states itself or in the inline parts of its `allOf`."""
    own: dict[str, Any] = {}
    for part in node.get("allOf") or []:
        if (
            isinstance(part, dict)
            and "$ref" not in part
            and isinstance(part.get("properties"), dict)
        ):
            own.update(part["properties"])
    if isinstance(node.get("properties"), dict):
        own.update(node["properties"])
    return own


def _own_required(node: dict[str, Any]) -> set[str]:
    """The properties `node` requires itself or in the inline parts of its `allOf`."""
    required: set[str] = set()
    for part in [node, *(node.get("allOf") or [])]:
        if isinstance(part, dict) and "$ref" not in part and isinstance(part.get("required"), list):
            required.update(name for name in part["required"] if isinstance(name, str))
    return required


def _shape(schema: Any) -> Any:
    """A schema without the keywords that only document it (for comparing two of them)."""
    if not isinstance(schema, dict):
        return schema
    return {k: v for k, v in schema.items() if k not in _ANNOTATION_KEYS and not k.startswith("x-")}


def _defines_class(schema: Any) -> bool:
    """Whether the model generator writes a class for `schema` or a schema inside it."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if _CLASS_KEYS & set(node) and not _is_nullable_ref(node):
            return True
        stack.extend(_children(node))
    return False


_SCALARS = frozenset({"string", "integer", "number", "boolean", "null"})


def _narrows_scalar(schema: Any, base: Any) -> bool:
    """Whether `schema` only narrows the plain scalar `base`, as a subtype of its type: fewer
    of its JSON types, an enum or const of them (a `str` enum subclasses `str`), bounds, or
    a union of such."""
    if not (isinstance(schema, dict) and isinstance(base, dict)):
        return False
    for key in ("anyOf", "oneOf"):  # an opened enum, `anyOf: [enum, string]`: each branch
        branches = schema.get(key)
        if isinstance(branches, list) and branches and not set(_shape(schema)) - {key}:
            return all(_narrows_scalar(branch, base) for branch in branches)
    kinds, base_kinds = set(json_types(schema)), set(json_types(base))
    plain = {"type", "format", *_ANNOTATION_KEYS, *BOUND_KEYWORDS}
    if (
        not base_kinds
        or not base_kinds <= _SCALARS
        or set(_shape(base)) - plain
        or schema.get("format") != base.get("format")
    ):
        return False
    found = schema.get("enum")
    values: list[Any] = found if isinstance(found, list) else []
    if "const" in schema:
        values = [schema["const"]]
    if not kinds and values:
        kinds = {kind for kind in _SCALARS if any(fits(v, [kind]) for v in values)}
    return (
        bool(kinds)
        and kinds <= base_kinds
        and all(fits(v, sorted(kinds)) for v in values)
        and not set(_shape(schema)) - plain - {"enum", "const"}
    )


def _is_nullable_ref(node: dict[str, Any]) -> bool:
    """`anyOf: [{$ref: X}, {type: null}]`, which is `X | None` and no class of its own."""
    branches = node.get("anyOf") or node.get("oneOf")
    if set(node) - _ANNOTATION_KEYS - {"anyOf", "oneOf"} or not isinstance(branches, list):
        return False
    return all(
        isinstance(b, dict) and (set(b) == {"$ref"} or b == {"type": "null"}) for b in branches
    )


class _Bases:
    """The properties each component has along its `allOf` chain, computed once each."""

    def __init__(self, schemas: dict[str, Any], narrowed: _Narrowed) -> None:
        self._schemas = schemas
        self._narrowed = narrowed
        self._chains: dict[str, _Chain] = {}

    def narrowed_in(self, node: dict[str, Any], name: str) -> set[str]:
        """The properties a discriminator narrows in `node` (component `name`, or inline)."""
        return self._narrowed.inline.get(id(node), set()) | self._narrowed.components.get(
            name, set()
        )

    def chain(self, name: str, seen: frozenset[str] = frozenset()) -> _Chain:
        """The properties, `required` and property owners of `name` and its `allOf` bases."""
        if name in self._chains:
            return self._chains[name]
        schema = self._schemas.get(name)
        found = _Chain({}, [], {}, {name}, {})
        if not isinstance(schema, dict) or name in seen:
            return found
        found_parts = schema.get("allOf")
        parts: list[Any] = list(found_parts) if isinstance(found_parts, list) else []
        for index, part in [*enumerate(parts), (-1, schema)]:
            if not isinstance(part, dict):
                continue
            base = _ref_target(part) if part is not schema else ""
            if base:
                inherited = self.chain(base, seen | {name})
                found.properties.update(inherited.properties)
                found.owners.update(inherited.owners)
                found.members.update(inherited.members)
                found.pointers.update(inherited.pointers)
                needed = inherited.required
            else:
                properties = part.get("properties")
                where = [name, *(["allOf", str(index)] if index >= 0 else []), "properties"]
                for key, value in properties.items() if isinstance(properties, dict) else ():
                    found.properties[key] = value
                    found.owners[key] = name
                    found.pointers[key] = COMPONENT_PREFIX + "/".join(
                        token.replace("~", "~0").replace("/", "~1") for token in [*where, key]
                    )
                needed = [r for r in part.get("required") or [] if isinstance(r, str)]
            found.required.extend(r for r in needed if r not in found.required)
        self._chains[name] = found
        return found

    def conflicts(
        self, own: dict[str, Any], narrowed: set[str], required: set[str], base: str
    ) -> bool:
        """Whether the subclass types a property of `base` differently from it.

        `own` are the properties the subclass states, `narrowed` those a discriminator
        narrows to a `Literal` in it (an override unless the base's field is a `Literal`
        already, its owner being narrowed on it too, or a plain type), `required` those it
        requires (an inherited one is written again, with the schema's type, which overrides
        a base field narrowed to a `Literal`).
        """
        chain = self.chain(base)
        inherited = chain.properties

        def literal_in_base(name: str) -> bool:
            return any(name in self._narrowed.components.get(c, set()) for c in chain.members)

        for name, schema in own.items():
            if (
                name in inherited
                and (_shape(schema) != _shape(inherited[name]) or _defines_class(schema))
                and not _narrows_scalar(schema, inherited[name])
            ):
                return True
        for name in narrowed - set(own):
            schema = inherited.get(name)
            if (
                isinstance(schema, dict)
                and not literal_in_base(name)
                and (_defines_class(schema) or "$ref" in schema)
            ):
                return True
        return any(
            name in inherited and literal_in_base(name) for name in required - set(own) - narrowed
        )

    def flattened(self, base: str, leave_out: set[str]) -> dict[str, Any]:
        """`base` as one inline object schema: the properties and `required` of its chain,
        less the properties in `leave_out` (those the subclass states itself)."""
        chain = self.chain(base)
        properties = {
            key: self._reused(value, chain.pointers[key])
            for key, value in chain.properties.items()
            if key not in leave_out
        }
        flat: dict[str, Any] = {"type": "object", "properties": properties}
        if chain.required:
            flat["required"] = list(chain.required)
        return flat

    @staticmethod
    def _reused(schema: Any, pointer: str) -> Any:
        """An inherited property's schema for the merged subclass: a `$ref` to where the base
        states an inline object or enum (so the subclass's field has the base's class, not a
        copy of it), else a copy of the schema."""
        if (
            isinstance(schema, dict)
            and ("properties" in schema or "enum" in schema)
            and _SIMPLE_POINTER.fullmatch(pointer)
        ):
            return {"$ref": pointer}
        return copy.deepcopy(schema)


# A pointer the model generator resolves as written (no characters a URI fragment escapes).
_SIMPLE_POINTER = re.compile(r"#(/[A-Za-z0-9_.\-]+)+")


@dataclass
class _Chain:
    """What a component has along its `allOf` chain: properties, `required`, for each
    property the component that states it last (whose field the others inherit) and where,
    and the components of the chain (itself included)."""

    properties: dict[str, Any]
    required: list[str]
    owners: dict[str, str]
    members: set[str]
    pointers: dict[str, str]  # where each property is stated (a JSON pointer)


def _rewrite_refs(node: Any, classes: dict[str, str]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith(COMPONENT_PREFIX):
                target = classes.get(ref_name(ref))
                if target:
                    current["$ref"] = COMPONENT_PREFIX + target
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _is_enum(schema: Any, components: dict[str, Any], classes_view: bool = False) -> bool:
    return (
        isinstance(schema, dict)
        and isinstance(schema.get("enum"), list)
        and all(isinstance(value, str) for value in schema["enum"])
    )


def _open_enums(node: Any, components: dict[str, Any], top: bool = False) -> None:
    """Turn each enum-typed property (inline or by $ref) into `anyOf: [enum, string]`."""
    if isinstance(node, list):
        for item in node:
            _open_enums(item, components)
        return
    if not isinstance(node, dict):
        return
    for key, value in list(node.items()):
        if key in ("properties", "patternProperties", "$defs") and isinstance(value, dict):
            for prop_name, prop in list(value.items()):
                if _opens(prop, components):
                    value[prop_name] = _opened(prop)
                else:
                    _open_enums(prop, components)
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            if _opens(value, components):
                node[key] = _opened(value)
            else:
                _open_enums(value, components)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            _open_enums(value, components)


def _opens(schema: Any, components: dict[str, Any]) -> bool:
    if not isinstance(schema, dict):
        return False
    if "$ref" in schema:
        return False  # refs are rewritten already; handled by _opened_ref below
    return _is_enum(schema, components)


# What stays on the property when its enum is opened: the property's own documentation and
# default (inside the `anyOf` the model generator would drop the default).
_PROPERTY_KEYS = ("description", "default", "deprecated", "readOnly", "writeOnly")


def _opened(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [enum, string]` for an enum property, which keeps its documentation and default."""
    inner = {k: v for k, v in schema.items() if k not in ("default",)}
    opened: dict[str, Any] = {"anyOf": [inner, {"type": "string"}]}
    opened.update({k: schema[k] for k in _PROPERTY_KEYS if k in schema})
    return opened


def open_enum_refs(
    document: dict[str, Any], enum_classes: set[str], open_components: set[str]
) -> None:
    """Wrap `$ref`s to enum components inside the opened components as `anyOf: [ref, string]`."""
    schemas = document["components"]["schemas"]
    for class_name in open_components:
        _wrap_refs(schemas.get(class_name), enum_classes)


def _wrap_refs(node: Any, enum_classes: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _wrap_refs(item, enum_classes)
        return
    if not isinstance(node, dict):
        return
    for key, value in list(node.items()):
        containers: list[tuple[dict[str, Any], str]] = []
        if key in ("properties",) and isinstance(value, dict):
            containers = [(value, prop) for prop in list(value)]
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            containers = [(node, key)]
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            _wrap_refs(value, enum_classes)
        for holder, slot in containers:
            target = holder[slot]
            if isinstance(target, dict) and ref_name(str(target.get("$ref", ""))) in enum_classes:
                extra = {k: v for k, v in target.items() if k != "$ref"}
                holder[slot] = {"anyOf": [{"$ref": target["$ref"]}, {"type": "string"}], **extra}
            else:
                _wrap_refs(target, enum_classes)


def generate_models(
    document: dict[str, Any],
    base_class: str,
    limits: Limits | None = None,
    cache: Cache | None = None,
    *,
    workers: int | None = None,
) -> str:
    """Python source of the models module (unformatted), within the models phase's budget.

    The component schemas are generated group by group (`schema_units`): each unit's part of
    the module comes from `cache` when it holds it (by the unit's model document), else from
    the model generator, in worker processes when several units are missing and more than
    one CPU is free (`workers`: how many at most; default: the CPUs this process may use,
    1 with $SPECFORGE_SERIAL). The parts are merged in the units' order, so the module is the
    same bytes whatever the cache holds and however many workers made it.
    """
    with phase("models", limits):
        return _generate_grouped(document, base_class, limits, cache, workers)


def _generate_models(document: dict[str, Any], base_class: str) -> str:
    from datamodel_code_generator import InputFileType, PythonVersion, generate
    from datamodel_code_generator.enums import DataModelType
    from datamodel_code_generator.format import Formatter

    if not document["components"]["schemas"]:
        return ""
    params = document.get(PARAMS_KEY) or {}
    document = {key: value for key, value in document.items() if key != PARAMS_KEY}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))  # deeply nested inline schemas
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            source = generate(
                json.dumps(document, sort_keys=False),
                input_file_type=InputFileType.OpenAPI,
                output_model_type=DataModelType.PydanticV2BaseModel,
                target_python_version=PythonVersion.PY_310,
                base_class=base_class,
                formatters=[Formatter.BUILTIN],  # the whole package is formatted with ruff after
                **_OPTIONS,
            )
        except Exception as error:  # the library raises many unrelated types
            raise SpecError(
                "models",
                [
                    Finding(
                        "/components/schemas",
                        "model-generation",
                        f"datamodel-code-generator failed: {error}",
                    )
                ],
            ) from None
        finally:
            sys.setrecursionlimit(limit)
    runtime_module = base_class.rsplit(".", 1)[0]
    source = root_types(open_enum_classes(str(source or ""), runtime_module), runtime_module)
    source = mark_coerced_defaults(drop_single_union_modes(source), runtime_module)
    return insert_params(source, params, runtime_module)


# -- models group by group -----------------------------------------------------------------------
GROUP_SCHEMAS = 50
"""About how many component schemas one call of the model generator is given: a group of
schemas that refer to one another stays whole, and small groups share a call (a call costs
about as much for one schema as for a few dozen, and grows faster than linearly beyond)."""
PARALLEL_SCHEMAS = 100
"""Below this many schemas to generate, the units run in this process (workers cost more)."""
SERIAL_ENV = "SPECFORGE_SERIAL"  # set: no worker processes (the pipeline's setting too)
WORKERS_ENV = "SPECFORGE_MODEL_WORKERS"  # how many worker processes at most (1: none)


def schema_groups(schemas: Mapping[str, Any]) -> list[list[str]]:
    """The component schemas (by class name) as groups none of which refers to another: the
    connected components of the graph of their references (`$ref`s, discriminator mappings,
    any string naming a component), each in document order, the groups in the order of
    their first schema."""
    order = {name: index for index, name in enumerate(schemas)}
    parent = list(range(len(order)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for name, schema in schemas.items():
        for target in _referenced(schema, order):
            a, b = root(order[name]), root(order[target])
            if a != b:
                parent[max(a, b)] = min(a, b)  # a group's root is its first schema
    groups: dict[int, list[str]] = {}
    for name, index in order.items():
        groups.setdefault(root(index), []).append(name)
    return [groups[key] for key in sorted(groups)]


def _referenced(schema: Any, names: Mapping[str, int]) -> set[str]:
    """The components (of `names`) that `schema` names anywhere: a string that is a pointer
    into one (`#/components/schemas/X...`), or a discriminator mapping's bare name."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            mapping = node.get("mapping") if "propertyName" in node else None
            if isinstance(mapping, dict):
                found.update(v for v in mapping.values() if isinstance(v, str) and v in names)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and node.startswith(COMPONENT_PREFIX):
            target = node[len(COMPONENT_PREFIX) :].split("/", 1)[0]
            target = target.replace("~1", "/").replace("~0", "~")
            if target in names:
                found.add(target)
    return found


def schema_units(schemas: Mapping[str, Any], size: int | None = None) -> list[list[str]]:
    """The calls of the model generator: each group of `schema_groups` of `size` schemas or
    more alone, the smaller ones in bins of about `size` schemas (a group's bin is chosen by
    a hash of its first schema's name, so a changed schema leaves every other bin as it was),
    each unit's schemas in document order, the units in the order of their first schema."""
    size = size or GROUP_SCHEMAS
    groups = schema_groups(schemas)
    small = [group for group in groups if len(group) < size]
    bins = max(1, -(-sum(len(group) for group in small) // size))
    units: list[list[str]] = [group for group in groups if len(group) >= size]
    binned: dict[int, list[str]] = {}
    for group in small:
        number = int(hashlib.sha256(group[0].encode("utf-8")).hexdigest()[:8], 16) % bins
        binned.setdefault(number, []).extend(group)
    order = {name: index for index, name in enumerate(schemas)}
    units += [sorted(unit, key=order.__getitem__) for unit in binned.values()]
    return sorted(units, key=lambda unit: order[unit[0]])


def unit_document(document: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The model document of the schemas `names` of `document` (with their `Param` keys)."""
    schemas = document["components"]["schemas"]
    params = document.get(PARAMS_KEY) or {}
    return {
        **{key: value for key, value in document.items() if key not in ("components", PARAMS_KEY)},
        "components": {"schemas": {name: schemas[name] for name in names}},
        PARAMS_KEY: {name: params[name] for name in names if name in params},
    }


@dataclass
class _Part:
    """One unit's share of the models module (see `split_module`)."""

    header: str  # the model generator's comment lines
    imports: list[list[str]]  # [module, name, alias] ("" for none; module "" for `import name`)
    body: str  # the classes
    aliases: str  # the root types' `if TYPE_CHECKING:` body
    roots: str  # the root types' `else:` body
    tail: str  # the closing `X.model_rebuild()` calls
    names: list[str]  # the names it defines

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, value: Any) -> _Part | None:
        try:
            part = cls(**value)
        except TypeError:
            return None
        texts = (part.header, part.body, part.aliases, part.roots, part.tail)
        if not all(isinstance(t, str) for t in texts) or not isinstance(part.names, list):
            return None
        if not all(isinstance(i, list) and len(i) == 3 for i in part.imports):
            return None
        return part


def split_module(source: str) -> _Part:
    """A models module as its parts: the imports, the classes, the root types' block, the
    closing rebuild calls and the names it defines."""
    tree = ast.parse(source)
    lines = _lines(source)
    body = list(tree.body)
    imports: list[list[str]] = []
    while body and isinstance(body[0], ast.Import | ast.ImportFrom):
        node = body.pop(0)
        assert isinstance(node, ast.Import | ast.ImportFrom)
        module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
        imports += [[module, alias.name, alias.asname or ""] for alias in node.names]
    first = tree.body[0].lineno - 1 if tree.body else len(lines)
    header = "".join(line for line in lines[:first] if line.startswith("#"))
    tail: list[ast.stmt] = []
    while body and _is_rebuild(body[-1]):
        tail.insert(0, body.pop())
    block: ast.If | None = None
    if (
        body
        and isinstance(body[-1], ast.If)
        and isinstance(body[-1].test, ast.Name)
        and body[-1].test.id == "TYPE_CHECKING"
        and body[-1].orelse
    ):
        found = body.pop()
        assert isinstance(found, ast.If)
        block = found
    names: list[str] = []
    for node in body:
        if isinstance(node, ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    if block is not None:
        names += [n.name for n in block.orelse if isinstance(n, ast.ClassDef)]

    def text(nodes: list[ast.stmt]) -> str:
        if not nodes:
            return ""
        start = min([nodes[0].lineno, *(d.lineno for d in getattr(nodes[0], "decorator_list", []))])
        return "".join(lines[start - 1 : _end_line(nodes[-1])]).strip("\n") + "\n"

    return _Part(
        header=header,
        imports=imports,
        body=text(body),
        aliases=text(block.body) if block is not None else "",
        roots=text(block.orelse) if block is not None else "",
        tail=text(tail),
        names=names,
    )


def merge_parts(parts: list[_Part]) -> str:
    """One models module of the units' parts, in their order: the imports joined (each name
    once), then every unit's classes, one root types' block, the rebuild calls."""
    if not parts:
        return ""
    plain: dict[str, set[str]] = {}
    aliased: dict[str, set[tuple[str, str]]] = {}
    modules: list[str] = []  # `import x` lines
    for part in parts:
        for module, name, alias in part.imports:
            if not module:
                line = f"import {name}" + (f" as {alias}" if alias else "")
                if line not in modules:
                    modules.append(line)
            elif alias:
                aliased.setdefault(module, set()).add((name, alias))
                plain.setdefault(module, set())
            else:
                plain.setdefault(module, set()).add(name)
    lines: list[str] = []
    if "annotations" in plain.pop("__future__", set()):
        lines.append("from __future__ import annotations\n\n")
    lines += [line + "\n" for line in modules]
    for module in plain:  # in the order the units name them first
        if plain[module]:
            lines.append(f"from {module} import {', '.join(sorted(plain[module]))}\n")
        lines += [f"from {module} import {n} as {a}\n" for n, a in sorted(aliased.get(module, ()))]
    out = [parts[0].header + "\n" + "".join(lines)]
    out += ["\n\n" + part.body for part in parts if part.body]
    if any(part.roots for part in parts):
        aliases = "".join(part.aliases for part in parts)
        roots = "\n".join(part.roots for part in parts if part.roots)
        out.append("\n\nif TYPE_CHECKING:\n" + aliases + "else:\n" + roots)
    tails = "".join(part.tail for part in parts)
    if tails:
        out.append("\n\n" + tails)
    return "".join(out)


def _generate_grouped(
    document: dict[str, Any],
    base_class: str,
    limits: Limits | None,
    cache: Cache | None,
    workers: int | None,
) -> str:
    schemas = document["components"]["schemas"]
    if not schemas:
        return ""
    units = schema_units(schemas)
    parts: dict[int, _Part] = {}
    while True:
        documents = [unit_document(document, unit) for unit in units]
        keys = [
            group_key(cache, base_class, limits, doc) if cache is not None else ""
            for doc in documents
        ]
        missing: list[int] = []
        for index, key in enumerate(keys):
            if index in parts:
                continue
            found = _Part.from_json(cache.get_json("groups", key)) if cache else None
            if found is None:
                missing.append(index)
            else:
                parts[index] = found
        made = _run_units([documents[i] for i in missing], base_class, workers)
        for index, part in zip(missing, made, strict=True):
            parts[index] = part
            if cache is not None:
                cache.put_json("groups", keys[index], part.to_json())
        joined = _joined_on_clashes(units, [parts[i] for i in range(len(units))])
        if joined is None:
            return merge_parts([parts[i] for i in range(len(units))])
        # Units that define the same name are made again as one (the model generator then
        # names them as it would in one module); the others keep their parts.
        kept = {tuple(unit): parts[i] for i, unit in enumerate(units)}
        units = joined
        parts = {i: kept[tuple(u)] for i, u in enumerate(units) if tuple(u) in kept}


def _joined_on_clashes(units: list[list[str]], parts: list[_Part]) -> list[list[str]] | None:
    """The units with those defining a same name joined into one (None when no name is
    defined twice)."""
    owner: dict[str, int] = {}
    parent = list(range(len(units)))

    def root(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    clash = False
    for index, part in enumerate(parts):
        for name in part.names:
            if name in owner and root(owner[name]) != root(index):
                parent[max(root(owner[name]), root(index))] = min(root(owner[name]), root(index))
                clash = True
            owner.setdefault(name, index)
    if not clash:
        return None
    joined: dict[int, list[str]] = {}
    for index, unit in enumerate(units):
        joined.setdefault(root(index), []).extend(unit)
    return [joined[key] for key in sorted(joined)]


def _run_units(
    documents: list[dict[str, Any]], base_class: str, workers: int | None
) -> list[_Part]:
    """Each unit's part, by the model generator: in worker processes when that helps."""
    if not documents:
        return []
    count = _workers(documents, workers)
    if count <= 1:
        return [split_module(_generate_models(doc, base_class)) for doc in documents]
    import multiprocessing

    global _PENDING
    _PENDING = (documents, base_class)
    # The biggest first, so that the last to finish is a small one; the smallest is made here
    # first, which imports what the model generator imports on its first call (half a second
    # of work that every worker would otherwise do again).
    order = sorted(range(len(documents)), key=lambda i: -len(documents[i]["components"]["schemas"]))
    results: dict[int, Any] = {}
    try:
        first = order.pop()
        results[first] = _unit_outcome(first)[1]
        with multiprocessing.get_context("fork").Pool(count, _worker_started) as pool:
            for index, outcome in pool.imap_unordered(_unit_outcome, order):
                results[index] = outcome
    finally:
        _PENDING = None
    parts: list[_Part] = []
    for index in range(len(documents)):
        outcome = results[index]
        if isinstance(outcome, _Part):
            parts.append(outcome)
        else:  # the model generator's finding, raised here as it would have been
            source, findings = outcome
            raise SpecError(source, [Finding(*finding) for finding in findings])
    return parts


_PENDING: tuple[list[dict[str, Any]], str] | None = None  # what the workers (forked) read


def _worker_started() -> None:
    """In a worker: be killed when the process that made it dies (Linux's PR_SET_PDEATHSIG),
    so that a models run that is stopped (a refused spec, a budget) leaves none behind."""
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _unit_outcome(index: int) -> tuple[int, Any]:
    """In a worker: unit `index`'s part, or the model generator's finding."""
    assert _PENDING is not None
    documents, base_class = _PENDING
    try:
        return index, split_module(_generate_models(documents[index], base_class))
    except SpecError as error:
        return index, (error.source, [[f.pointer, f.rule, f.message] for f in error.findings])


def _workers(documents: list[dict[str, Any]], asked: int | None) -> int:
    """How many worker processes to make the units with (1: none): as many as asked (or
    $SPECFORGE_MODEL_WORKERS), else none under $SPECFORGE_SERIAL, off Linux, in a threaded
    process or for fewer than PARALLEL_SCHEMAS schemas, else one per CPU that is idle (the
    1-minute load average below the CPUs this process may use, rounded)."""
    import os
    import threading

    if asked is None and os.environ.get(WORKERS_ENV, "").strip().isdigit():
        asked = int(os.environ[WORKERS_ENV])
    if asked is not None:
        return max(1, min(asked, len(documents)))
    if (
        os.environ.get(SERIAL_ENV)
        or not sys.platform.startswith("linux")
        or threading.active_count() > 1
        or sum(len(d["components"]["schemas"]) for d in documents) < PARALLEL_SCHEMAS
    ):
        return 1
    cpus = len(os.sched_getaffinity(0))
    try:  # CPUs no other process is using (on a busy machine, workers only add overhead)
        idle = int(cpus - os.getloadavg()[0] + 0.5)
    except OSError:
        idle = cpus
    return max(1, min(cpus, idle, len(documents)))


# -- the dict form of object models --------------------------------------------------------------
def insert_params(source: str, params: dict[str, list[Any]], runtime_module: str) -> str:
    """Each object model class of `params` with its `Param` TypedDict, for type checkers.

    `class Foo(BaseModel)` gains, under `if TYPE_CHECKING:`, `class Param(TypedDict,
    total=False)` with a key per property a request may send (`Required[...]` for the
    required ones), typed as request inputs are: a nested object `Bar | Bar.Param`, an enum
    `E | Literal[...]`. A request input typed `Foo | Foo.Param` takes the model or a dict
    literal mypy checks key by key, as the official SDKs' params do. Nothing of it runs.
    """
    if not params:
        return source
    tree = ast.parse(source)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    own = {name: fields for name, fields in params.items() if name in classes}
    own.update(_merged_params(tree, own))
    if not own:
        return source
    lines = _lines(source)
    having = _classes_with_param(tree, set(own))
    for name in sorted(own, key=lambda n: -classes[n].lineno):
        at = _end_line(classes[name])
        lines[at:at] = [_param_block(name, own[name], having)]
    text = "".join(lines)
    typing_names = {"TYPE_CHECKING"}
    used = " ".join(str(f[1]) for fields in own.values() for f in fields)
    typing_names |= {name for name in ("Any", "Literal") if re.search(rf"\b{name}\b", used)}
    text = _add_import(text, "typing", typing_names)
    return _add_import(text, runtime_module, {"Required", "TypedDict"})


def _merged_params(tree: ast.Module, own: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """A `Param` for each class without one of its own that inherits one from two bases or
    more (type checkers refuse two different `Param`s from its bases): their keys, merged."""
    found: dict[str, list[Any]] = {}
    reach: dict[str, list[Any] | None] = {}  # the `Param` keys a class has, inherited or own
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [b.id for b in node.bases if isinstance(b, ast.Name) and reach.get(b.id)]
        if node.name in own:
            reach[node.name] = own[node.name]
            continue
        sources = [reach[b] for b in bases]
        if len(bases) > 1:
            merged: dict[str, list[Any]] = {}
            for fields in sources:
                for field in fields or []:
                    merged.setdefault(str(field[0]), field)
            found[node.name] = reach[node.name] = list(merged.values())
        else:
            reach[node.name] = sources[0] if sources else None
    return found


def _classes_with_param(tree: ast.Module, own: set[str]) -> set[str]:
    """The classes of the module that have a `Param`: their own, or one a base class has."""
    having = set(own)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(
            isinstance(base, ast.Name) and base.id in having for base in node.bases
        ):
            having.add(node.name)
    return having


_PARAM_REF = re.compile(rf"\s*\|\s*([A-Za-z_]\w*)\.{PARAM}\b|\b([A-Za-z_]\w*)\.{PARAM}\s*\|\s*")


def _only_defined_params(typed: str, having: set[str]) -> str:
    """`typed` without the `X.Param` alternatives of names that have no `Param` (a name the
    model generator gave a union alias, or renamed, where a class with a `Param` was meant)."""
    return _PARAM_REF.sub(
        lambda m: m.group(0) if (m.group(1) or m.group(2)) in having else "", typed
    )


def _param_block(name: str, fields: list[Any], having: set[str]) -> str:
    """The `if TYPE_CHECKING:` block defining `Param` inside the class `name`."""
    hints = []
    for _key, hint, required, _ in fields:
        try:
            typed = _only_defined_params(str(python_type_hint(hint)), having)
        except EscapeError:  # too long or not a type expression: any value
            typed = "Any"
        hints.append(f"Required[{typed}]" if required else typed)
    pad = " " * 8
    out = ["", "    if TYPE_CHECKING:", ""]
    keys = [str(key) for key, *_ in fields]
    if all(identifier_key(key) for key in keys):
        summary = f"`{name}` as a plain dict (a request takes either)."
        out.append(f"{pad}class {PARAM}(TypedDict, total=False):")
        out.append(f'{pad}    """{python_indented_docstring(summary, 12)}"""')
        for (key, _, _, description), typed in zip(fields, hints, strict=True):
            out.append(f"{pad}    {python_identifier(key)}: {typed}")
            if description:
                out.append(f'{pad}    """{python_indented_docstring(description, 12)}"""')
        if not fields:
            out.append(f"{pad}    pass")
    else:
        entries = ", ".join(
            f"{python_literal(key)}: {typed}" for key, typed in zip(keys, hints, strict=True)
        )
        out.append(f'{pad}{PARAM} = TypedDict("{PARAM}", {{{entries}}}, total=False)')
    return "\n".join(out) + "\n"


# -- open enums as their enum class ------------------------------------------------------------
def open_enum_classes(source: str, runtime_module: str) -> str:
    """Each `E | str` of `source` (an opened string enum) as `E`, and `E` made open.

    An opened enum reaches the model generator as `anyOf: [enum, {type: string}]`, which it
    writes `E | str`: a type checker folds that into `str` (the enum is a `str` subclass), so
    the listed values no longer complete. The field is typed `E` instead, and `E` is
    decorated with the runtime's `open_enum`, so a value it does not list is still a member
    (`E("queued")`, equal to `"queued"`).
    """
    if "Enum" not in source:
        return source
    tree = ast.parse(source)
    enums = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.ClassDef) and _is_string_enum(node)
    }
    if not enums:
        return source
    closer = _EnumUnions(set(enums))
    data = source.encode("utf-8")  # ast offsets count UTF-8 bytes
    offsets = [0]
    for line in data.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, bytes]] = []
    for enum_node in enums.values():  # string values without `type: string`: a `str` enum too
        names = [b.id for b in enum_node.bases if isinstance(b, ast.Name)]
        if "str" not in names:
            base = enum_node.bases[names.index("Enum")]
            at = offsets[base.lineno - 1] + base.col_offset
            edits.append((at, at, b"str, "))
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if not isinstance(statement, ast.AnnAssign):
                continue
            annotation = statement.annotation
            found = closer.close(annotation)
            if found is None or annotation.end_lineno is None or annotation.end_col_offset is None:
                continue
            start = offsets[annotation.lineno - 1] + annotation.col_offset
            end = offsets[annotation.end_lineno - 1] + annotation.end_col_offset
            edits.append((start, end, ast.unparse(found).encode("utf-8")))
    for name in closer.opened:
        at = offsets[enums[name].lineno - 1]
        edits.append((at, at, f"@{_OPEN_ENUM}\n".encode()))
    if not edits:
        return source
    for start, end, text in sorted(edits, reverse=True):
        data = data[:start] + text + data[end:]
    if not closer.opened:
        return data.decode("utf-8")
    return _add_import(data.decode("utf-8"), runtime_module, {f"open_enum as {_OPEN_ENUM}"})


def _is_string_enum(node: ast.ClassDef) -> bool:
    """An `Enum` class (with or without `str` as a base) whose members are all strings."""
    bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
    if "Enum" not in bases or set(bases) - {"str", "Enum"} or len(bases) != len(node.bases):
        return False
    values = [
        s.value
        for s in node.body
        if isinstance(s, ast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], ast.Name)
        and not s.targets[0].id.startswith("_")
    ]
    return bool(values) and all(
        isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values
    )


# The runtime's decorator, imported under a name no model takes (classes are capitalised).
_OPEN_ENUM = "_open_enum"


class _EnumUnions:
    """Rewrites type expressions: `E | str` (E a string enum class) becomes `E`."""

    def __init__(self, enums: set[str]) -> None:
        self.enums = enums
        self.opened: set[str] = set()

    def close(self, annotation: ast.expr) -> ast.expr | None:
        """`annotation` rewritten, or None when it has no opened enum."""
        changed = [False]
        result = self._visit(annotation, changed)
        return result if changed[0] else None

    def _visit(self, node: ast.expr, changed: list[bool]) -> ast.expr:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            members = [self._visit(m, changed) for m in _union_members(node)]
            names = {m.id for m in members if isinstance(m, ast.Name)}
            opened = names & self.enums
            if opened and "str" in names:
                self.opened |= opened
                changed[0] = True
                members = [m for m in members if not (isinstance(m, ast.Name) and m.id == "str")]
            return _union_of(members)
        if isinstance(node, ast.Subscript):
            inner = self._visit_slice(node.slice, changed)
            made = ast.Subscript(value=node.value, slice=inner, ctx=ast.Load())
            return _single_union_mode(made) if changed[0] else made
        return node

    def _visit_slice(self, node: ast.expr, changed: list[bool]) -> ast.expr:
        if isinstance(node, ast.Tuple):
            return ast.Tuple(elts=[self._visit(e, changed) for e in node.elts], ctx=ast.Load())
        return self._visit(node, changed)


def _union_of(members: list[ast.expr]) -> ast.expr:
    result = members[0]
    for member in members[1:]:
        result = ast.BinOp(left=result, op=ast.BitOr(), right=member)
    return result


def _single_union_mode(node: ast.Subscript) -> ast.expr:
    """`Annotated[T, Field(union_mode=...)]` without the mode when `T` is no union any more
    (`X | None` counts as none), and without `Annotated` when nothing else is left."""
    if not (
        isinstance(node.value, ast.Name)
        and node.value.id == "Annotated"
        and isinstance(node.slice, ast.Tuple)
        and node.slice.elts
    ):
        return node
    hint, *extras = node.slice.elts
    if len([m for m in _union_members(hint) if not _is_none(m)]) > 1:
        return node
    kept: list[ast.expr] = []
    for extra in extras:
        if (
            isinstance(extra, ast.Call)
            and isinstance(extra.func, ast.Name)
            and extra.func.id == "Field"
        ):
            keywords = [k for k in extra.keywords if k.arg != "union_mode"]
            if keywords or extra.args:
                kept.append(ast.Call(func=extra.func, args=extra.args, keywords=keywords))
        else:
            kept.append(extra)
    if not kept:
        return hint
    return ast.Subscript(
        value=node.value, slice=ast.Tuple(elts=[hint, *kept], ctx=ast.Load()), ctx=ast.Load()
    )


# -- root models as the types they hold --------------------------------------------------------
# The `Field()` arguments a root type keeps: those that change what validates, not documentation.
_TYPE_FIELD_ARGUMENTS = frozenset(
    {
        "union_mode",
        "discriminator",
        "strict",
        "gt",
        "ge",
        "lt",
        "le",
        "multiple_of",
        "min_length",
        "max_length",
        "pattern",
        "max_digits",
        "decimal_places",
        "allow_inf_nan",
    }
)


@dataclass
class _Root:
    """A `RootModel` class of the model generator's output."""

    name: str
    node: ast.ClassDef
    annotation: ast.expr
    docstring: str
    uses: set[str]


def root_types(source: str, runtime_module: str) -> str:
    """Each `RootModel` class of `source` as the type it holds, for users and type checkers.

    The model generator writes a schema that is an array, a map, a union or a scalar as
    `class X(RootModel[T])`, whose users must write `x.root[0]` and wrap each value in
    `X(...)`. Instead, type checkers see `X: TypeAlias = T` (under `TYPE_CHECKING`) and the
    module defines `class X(RootType)` with `root: T`, which pydantic validates as `T`, so a
    field typed `X` holds a plain `list`, `dict`, member model or scalar, and the runtime's
    `X.model_validate(data)` returns one. A root model stays one where a plain type cannot
    take its place: in a cycle of root models (`X = list[X] | str`), as another class's base,
    or with a `model_config` of its own.
    """
    if "RootModel" not in source:
        return source
    tree = ast.parse(source)
    roots = _root_models(tree, source)
    kept = _kept_roots(tree, roots)
    moved = {name: root for name, root in roots.items() if name not in kept}
    if not moved:
        return source
    lines = _lines(source)
    # Before the module's closing `X.model_rebuild()` calls, which resolve the names.
    at = next((node.lineno - 1 for node in tree.body if _is_rebuild(node)), len(lines))
    head, tail = lines[:at], lines[at:]
    for root in sorted(moved.values(), key=lambda r: r.node.lineno, reverse=True):
        del head[root.node.lineno - 1 : _end_line(root.node)]
    block = "".join(head).rstrip("\n") + "\n\n\n" + _root_block(moved, source)
    body = block + ("\n\n" + "".join(tail) if tail else "")
    body = _add_import(body, "typing", {"TYPE_CHECKING", "TypeAlias"})
    body = _add_import(body, runtime_module, {"RootType"})
    if not kept:
        body = _drop_import(body, "pydantic", "RootModel")
    return body


def _is_rebuild(node: ast.stmt) -> bool:
    """`X.model_rebuild()` as a statement."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr == "model_rebuild"
    )


def _lines(source: str) -> list[str]:
    """The lines of `source` as `ast` counts them (a line separator inside a string is no
    line break), each with its end."""
    lines = [line + "\n" for line in source.split("\n")]
    if source.endswith("\n"):
        lines.pop()  # the empty piece after the last line break
    else:
        lines[-1] = lines[-1][:-1]
    return lines


def _end_line(node: ast.stmt) -> int:
    return node.end_lineno if node.end_lineno is not None else node.lineno


def _root_models(tree: ast.Module, source: str) -> dict[str, _Root]:
    found: dict[str, _Root] = {}
    segment = _Segments(source)
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or not any(
            isinstance(base, ast.Subscript)
            and isinstance(base.value, ast.Name)
            and base.value.id == "RootModel"
            for base in node.bases
        ):
            continue
        annotation: ast.expr | None = None
        configured = False
        for statement in node.body:
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.target.id == "root"
            ):
                annotation = statement.annotation
            elif isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "model_config" for t in statement.targets
            ):
                configured = True
        if annotation is None or configured:
            continue
        docstring = ""
        first = node.body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            docstring = segment(first)
        found[node.name] = _Root(node.name, node, annotation, docstring, _names_in(annotation))
    return found


_FORWARD_REF = re.compile(r"[A-Za-z_][\w\[\], .|]{0,500}")


def _names_in(annotation: ast.expr) -> set[str]:
    """The names a type expression uses, those in quoted forward references included."""
    names: set[str] = set()
    stack: list[ast.AST] = [annotation]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _FORWARD_REF.fullmatch(node.value):  # a quoted name, as the generator writes
                names.update(re.findall(r"[A-Za-z_]\w*", node.value))
        elif not isinstance(node, ast.Call):  # `Field(...)` arguments are no types
            stack.extend(ast.iter_child_nodes(node))
    return names


def _kept_roots(tree: ast.Module, roots: dict[str, _Root]) -> set[str]:
    """The root models that must stay classes: bases of other classes, and those in a
    cycle of root models (a plain type cannot name itself)."""
    kept = {
        base.id
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for base in node.bases
        if isinstance(base, ast.Name) and base.id in roots
    }
    graph = {name: root.uses & set(roots) for name, root in roots.items()}
    for component in _cycles(graph):
        kept |= component
    return kept


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of `graph` that hold a cycle (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, todo = work[-1]
            if todo:
                child = todo.pop()
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, set()):
                    found.append(component)
    return found


def _ordered(roots: dict[str, _Root]) -> list[_Root]:
    """`roots` with each after the root types it names (they form no cycle)."""
    done: list[_Root] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        stack = [(name, False)]
        while stack:
            current, expanded = stack.pop()
            if current in seen:
                continue
            if expanded:
                seen.add(current)
                done.append(roots[current])
                continue
            stack.append((current, True))
            stack.extend(
                (dep, False) for dep in sorted(roots[current].uses & set(roots), reverse=True)
            )

    for name in sorted(roots, key=lambda n: roots[n].node.lineno):
        visit(name)
    return done


def _root_block(roots: dict[str, _Root], source: str) -> str:
    """The `if TYPE_CHECKING:` aliases and, else, the `RootType` classes of `roots`."""
    aliases: list[str] = []
    classes: list[str] = []
    for root in _ordered(roots):
        bare = _bare_type(root.annotation)
        aliases.append(f"    {root.name}: TypeAlias = {ast.unparse(bare)}\n")
        if root.docstring:
            aliases.append(_indent(root.docstring, "    ") + "\n")
        runtime = ast.unparse(_type_annotation(root.annotation))
        doc = _indent(root.docstring, "        ") + "\n\n" if root.docstring else ""
        classes.append(f"\n    class {root.name}(RootType):\n{doc}        root: {runtime}\n")
    return "if TYPE_CHECKING:\n" + "".join(aliases) + "else:\n" + "".join(classes)


def _indent(docstring: str, pad: str) -> str:
    """A class-body docstring (its lines after the first indented by four) indented by `pad`."""
    first, *rest = docstring.split("\n")
    moved = [line[4:] if line.startswith("    ") else line.lstrip() for line in rest]
    return "\n".join([pad + first, *((pad + line) if line.strip() else "" for line in moved)])


def _bare_type(annotation: ast.expr) -> ast.expr:
    """The type of `Annotated[type, ...]` (metadata only matters to pydantic)."""
    if (
        isinstance(annotation, ast.Subscript)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
        and annotation.slice.elts
    ):
        return annotation.slice.elts[0]
    return annotation


def _type_annotation(annotation: ast.expr) -> ast.expr:
    """`annotation` with only the `Field()` arguments that change validation (no
    documentation, defaults or examples), `Annotated` dropped when none is left."""
    if not (
        isinstance(annotation, ast.Subscript)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
        and annotation.slice.elts
    ):
        return annotation
    hint, *extras = annotation.slice.elts
    kept: list[ast.expr] = []
    for extra in extras:
        if (
            isinstance(extra, ast.Call)
            and isinstance(extra.func, ast.Name)
            and extra.func.id == "Field"
        ):
            keywords = [k for k in extra.keywords if k.arg in _TYPE_FIELD_ARGUMENTS]
            if keywords:
                kept.append(ast.Call(func=extra.func, args=[], keywords=keywords))
        else:
            kept.append(extra)
    if not kept:
        return hint
    return ast.Subscript(
        value=annotation.value, slice=ast.Tuple(elts=[hint, *kept], ctx=ast.Load()), ctx=ast.Load()
    )


class _Segments:
    """`ast.get_source_segment` over one source, its lines split once (that function splits
    the whole source again at every call)."""

    def __init__(self, source: str) -> None:
        self.lines: list[str] = _LINE.findall(source)  # as `ast` splits them: at \r\n, \r and \n

    def __call__(self, node: ast.stmt | ast.expr) -> str:
        end_line, end_col = node.end_lineno, node.end_col_offset
        if end_line is None or end_col is None:
            return ""
        first, last = node.lineno - 1, end_line - 1
        if last >= len(self.lines):
            return ""
        head = self.lines[first].encode("utf-8")  # ast offsets count UTF-8 bytes
        if first == last:
            return head[node.col_offset : end_col].decode("utf-8")
        tail = self.lines[last].encode("utf-8")[:end_col].decode("utf-8")
        return "".join(
            [head[node.col_offset :].decode("utf-8"), *self.lines[first + 1 : last], tail]
        )


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# Where a module's leading imports end: the first line at the margin that is none of theirs.
_AFTER_IMPORTS = re.compile(r"^(?!from |import |#|[ \t)]|$)", re.MULTILINE)


def _imports(source: str, module: str) -> ast.ImportFrom | None:
    """The module's `from <module> import ...` among its leading imports (only they are
    parsed: the rest of a large module is not read)."""
    after = _AFTER_IMPORTS.search(source)
    head = source[: after.start()] if after else source
    for node in ast.parse(head).body:
        if isinstance(node, ast.ImportFrom) and node.module == module and node.level == 0:
            return node
    return None


def _add_import(source: str, module: str, names: set[str]) -> str:
    """`source` importing `names` from `module` too (one `from` line, names sorted)."""
    node = _imports(source, module)
    lines = _lines(source)
    if node is None:
        anchor = re.search(r"^from __future__ import annotations\n", source, re.MULTILINE)
        at = anchor.end() if anchor else 0
        listed = ", ".join(sorted(names))
        return source[:at] + f"\nfrom {module} import {listed}\n" + source[at:]
    have = {alias.name for alias in node.names if alias.asname is None}
    others = [f"{a.name} as {a.asname}" for a in node.names if a.asname is not None]
    listed = ", ".join([*sorted(have | names), *others])
    lines[node.lineno - 1 : _end_line(node)] = [f"from {module} import {listed}\n"]
    return "".join(lines)


def _drop_import(source: str, module: str, name: str) -> str:
    node = _imports(source, module)
    if node is None:
        return source
    names = [a for a in node.names if not (a.name == name and a.asname is None)]
    lines = _lines(source)
    listed = ", ".join(a.name if a.asname is None else f"{a.name} as {a.asname}" for a in names)
    lines[node.lineno - 1 : _end_line(node)] = [f"from {module} import {listed}\n"] if names else []
    return "".join(lines)


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*_union_members(node.left), *_union_members(node.right)]
    return [node]


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def drop_single_union_modes(source: str) -> str:
    """Remove `union_mode=` from fields whose type is one type or `X | None` (or `X | X`).

    The model generator adds it to every union, nullable ones included, and pydantic refuses
    it on anything but a real union when the model is first used.
    """
    if "union_mode" not in source:
        return source
    data = source.encode("utf-8")  # ast offsets count UTF-8 bytes
    offsets = [0]
    for line in data.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    cuts: list[tuple[int, int]] = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Annotated"
            and isinstance(node.slice, ast.Tuple)
        ):
            continue
        hint, *extras = node.slice.elts
        if len({ast.dump(m) for m in _union_members(hint) if not _is_none(m)}) > 1:
            continue
        for call in extras:
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == "Field"
            ):
                for keyword in call.keywords:
                    if (
                        keyword.arg == "union_mode"
                        and keyword.end_lineno is not None
                        and keyword.end_col_offset is not None
                    ):
                        start = offsets[keyword.lineno - 1] + keyword.col_offset
                        end = offsets[keyword.end_lineno - 1] + keyword.end_col_offset
                        cuts.append((start, end))
    for start, end in sorted(cuts, reverse=True):
        tail = data[end:]
        stripped = tail.lstrip()
        if stripped.startswith(b","):
            end += len(tail) - len(stripped) + 1
        data = data[:start] + data[end:]
    return data.decode("utf-8")


# The runtime function (in `_base_model.py`) a default pydantic validates is passed through,
# imported under a name no field can take (pydantic fields never start with "_").
VALIDATED_DEFAULT = "_validated"


def mark_coerced_defaults(source: str, runtime_module: str) -> str:
    """Wrap the defaults pydantic converts (`validate_default=True`) in `validated_default()`.

    The model generator writes the default of a property typed by a root model or a model
    (`parallel_tool_calls: ParallelToolCalls | None = True`) as the JSON value and lets
    pydantic validate it into that type when the model is built. The value is right at run
    time but not, as written, of the annotation's type, which mypy refuses (per item, for a
    list or a mapping). Where it is not of that type already, it is written as
    `_validated(True)`: the same value, typed `Any`, saying that pydantic converts it.
    `runtime_module` is the generated package's `_base_model` module, which defines it.
    """
    if "validate_default" not in source:
        return source
    data = source.encode("utf-8")  # ast offsets count UTF-8 bytes
    offsets = [0]
    for line in data.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    spans: list[tuple[int, int]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            value = statement.value if isinstance(statement, ast.AnnAssign) else None
            if (
                isinstance(statement, ast.AnnAssign)
                and value is not None
                and value.end_lineno is not None
                and value.end_col_offset is not None
                and _validates_default(statement.annotation)
                and not _fits_as_written(value, _hint_of(statement.annotation))
            ):
                start = offsets[value.lineno - 1] + value.col_offset
                spans.append((start, offsets[value.end_lineno - 1] + value.end_col_offset))
    if not spans:
        return source
    for start, end in sorted(spans, reverse=True):
        data = data[:start] + f"{VALIDATED_DEFAULT}(".encode() + data[start:end] + b")" + data[end:]
    text = data.decode("utf-8")
    imported = f"from {runtime_module} import validated_default as {VALIDATED_DEFAULT}\n"
    anchor = re.search(rf"^from {re.escape(runtime_module)} import .*\n", text, re.MULTILINE)
    anchor = anchor or re.search(r"^from __future__ import annotations\n", text, re.MULTILINE)
    at = anchor.end() if anchor else 0
    return text[:at] + imported + text[at:]


def _hint_of(annotation: ast.expr) -> ast.expr:
    """The type inside `Annotated[type, ...]`."""
    if (
        isinstance(annotation, ast.Subscript)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
        and annotation.slice.elts
    ):
        return annotation.slice.elts[0]
    return annotation


def _validates_default(annotation: ast.expr) -> bool:
    """Whether an `Annotated[...]` carries `Field(..., validate_default=True)`."""
    if not (isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple)):
        return False
    return any(
        isinstance(extra, ast.Call)
        and isinstance(extra.func, ast.Name)
        and extra.func.id == "Field"
        and any(
            k.arg == "validate_default"
            and isinstance(k.value, ast.Constant)
            and k.value.value is True
            for k in extra.keywords
        )
        for extra in annotation.slice.elts[1:]
    )


_BUILTIN_FITS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),  # bool is an int for mypy too
    "float": (int, float),
    "bool": (bool,),
    "bytes": (bytes,),
}


def _fits_as_written(value: ast.expr, hint: ast.expr) -> bool:
    """Whether the literal `value` is, for mypy, already of the type `hint` (else: False)."""
    try:
        literal = ast.literal_eval(value)
    except ValueError:
        return True  # an expression (an enum member): the generator typed it itself
    return _literal_fits(literal, hint)


def _literal_fits(literal: Any, hint: ast.expr) -> bool:
    return any(_member_fits(literal, _hint_of(member)) for member in _union_members(hint))


def _member_fits(literal: Any, member: ast.expr) -> bool:
    """Whether the literal is of one member of a union, as mypy sees it."""
    if isinstance(member, ast.Constant):
        return member.value is None and literal is None
    if isinstance(member, ast.Name):
        return member.id == "Any" or isinstance(literal, _BUILTIN_FITS.get(member.id, ()))
    if not (isinstance(member, ast.Subscript) and isinstance(member.value, ast.Name)):
        return False
    arguments = member.slice.elts if isinstance(member.slice, ast.Tuple) else [member.slice]
    kind = member.value.id
    if kind == "Literal":
        return any(
            isinstance(a, ast.Constant) and a.value == literal and type(a.value) is type(literal)
            for a in arguments
        )
    if kind == "list" and isinstance(literal, list):
        return all(_literal_fits(item, arguments[0]) for item in literal)
    if kind == "dict" and isinstance(literal, dict) and len(arguments) == 2:
        return all(
            _literal_fits(k, arguments[0]) and _literal_fits(v, arguments[1])
            for k, v in literal.items()
        )
    return False
