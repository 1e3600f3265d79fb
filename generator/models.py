"""Pydantic v2 models for every component schema, by datamodel-code-generator as a library."""

from __future__ import annotations

import ast
import copy
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


def _opened(schema: dict[str, Any]) -> dict[str, Any]:
    description = schema.get("description")
    opened: dict[str, Any] = {"anyOf": [schema, {"type": "string"}]}
    if description:
        opened["description"] = description
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


def generate_models(document: dict[str, Any], base_class: str, limits: Limits | None = None) -> str:
    """Python source of the models module (unformatted), within the models phase's budget."""
    with phase("models", limits):
        return _generate_models(document, base_class)


def _generate_models(document: dict[str, Any], base_class: str) -> str:
    from datamodel_code_generator import InputFileType, PythonVersion, generate
    from datamodel_code_generator.enums import DataModelType
    from datamodel_code_generator.format import Formatter

    if not document["components"]["schemas"]:
        return ""
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
    return mark_coerced_defaults(drop_single_union_modes(str(source or "")), runtime_module)


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
