"""Base class of every generated model, named root types, open enums and lenient builds.

- `BaseModel`: properties the spec does not list stay reachable, validation is built on first
  use, and `model_construct` builds what it can (see `build`).
- `RootType`: a schema that is a list, a mapping, a union or a scalar. Type checkers see the
  type itself (the models module states it as a `TypeAlias` under `TYPE_CHECKING`); at run
  time the class validates as that type, so a field typed by it holds a plain `list`,
  `dict` or member model, and `X.model_validate(data)` (or `X(data)`) returns one.
- `open_enum`: a string enum that also takes values the spec does not list.
- `build(type, data)`: `data` as `type` where it fits, part by part: every valid part is
  converted (nested models, lists and mappings of them, datetimes and other typed scalars),
  each part that is not stays as it came, and its JSON pointer is reported.
"""

from __future__ import annotations

import collections.abc
import enum
import functools
import sys
import types
import typing
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin

import pydantic
from pydantic_core import core_schema
from typing_extensions import Required, TypedDict

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from typing_extensions import Self

__all__ = [
    "BaseModel",
    "Required",
    "RootType",
    "TypedDict",
    "build",
    "open_enum",
    "validated_default",
]

_E = TypeVar("_E", bound=type[enum.Enum])


class BaseModel(pydantic.BaseModel):
    """A response or request object; properties the spec does not list stay reachable."""

    model_config = pydantic.ConfigDict(extra="allow", defer_build=True, populate_by_name=True)

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """An instance of `values` that never fails: each field that validates holds its
        converted value (nested models, lists and mappings of them, datetimes), each one
        that does not holds the value as given (see `build`). Defaults fill missing fields."""
        built: Self = _model(cls, values, "", [])
        if _fields_set is not None:
            object.__setattr__(built, "__pydantic_fields_set__", set(_fields_set))
        return built


def validated_default(value: Any) -> Any:
    """A field's default as the spec writes it (JSON), which pydantic validates into the
    field's type (`validate_default=True`) whenever the field is left out."""
    return value


# -- root types --------------------------------------------------------------------------------
class _RootTypeMeta(type):
    """`isinstance(value, X)` asks whether `value` is of the type `X` names."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is RootType:
            return False
        return _is_instance(instance, _root_of(cls))


class RootType(metaclass=_RootTypeMeta):
    """A named list, mapping, union or scalar of the spec (its type is the `root` annotation).

    Never instantiated: `X(data)` and `X.model_validate(data)` return `data` validated as the
    type (a `list`, a `dict`, a member model, a `str`).
    """

    __slots__ = ()

    def __new__(cls, value: Any) -> Any:  # the validated value, not an instance
        return cls.model_validate(value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return handler.generate_schema(_root_of(cls))

    @classmethod
    def model_validate(
        cls, obj: Any, *, strict: bool | None = None, context: Any | None = None
    ) -> Any:
        """`obj` validated as the type (raises `pydantic.ValidationError`)."""
        return _adapter(cls).validate_python(obj, strict=strict, context=context)

    @classmethod
    def model_validate_json(
        cls, data: str | bytes, *, strict: bool | None = None, context: Any | None = None
    ) -> Any:
        """JSON text validated as the type (raises `pydantic.ValidationError`)."""
        return _adapter(cls).validate_json(data, strict=strict, context=context)

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Any:
        """A mapping `values` built as the type where it fits (see `build`)."""
        return build(cls, values)[0]

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        """The JSON Schema pydantic gives the type."""
        return _adapter(cls).json_schema()

    @classmethod
    def model_rebuild(cls, *, force: bool = False) -> bool:
        """Build the type's validator now (it is otherwise built on first use)."""
        if force:
            _root_of.cache_clear()
            _adapters.clear()
        _adapter(cls)
        return True


@functools.cache
def _root_of(cls: type) -> Any:
    """The type a `RootType` subclass names (its `root` annotation, resolved once)."""
    module = sys.modules.get(cls.__module__)
    namespace = dict(vars(module)) if module else {}
    return typing.get_type_hints(cls, globalns=namespace, include_extras=True)["root"]


_adapters: dict[Any, pydantic.TypeAdapter[Any]] = {}


def _adapter(type_: Any) -> pydantic.TypeAdapter[Any]:
    """A (cached) validator of `type_`."""
    try:
        found = _adapters.get(type_)
    except TypeError:  # an unhashable type expression
        return pydantic.TypeAdapter(type_)
    if found is None:
        found = _adapters[type_] = pydantic.TypeAdapter(type_)
    return found


def _is_instance(value: Any, type_: Any) -> bool:
    origin = get_origin(type_)
    if origin is typing.Annotated:
        return _is_instance(value, get_args(type_)[0])
    if origin in (Union, types.UnionType):
        return any(_is_instance(value, member) for member in get_args(type_))
    if origin is typing.Literal:
        return value in get_args(type_)
    if type_ is Any:
        return True
    if type_ is None or type_ is type(None):
        return value is None
    target = origin if isinstance(origin, type) else type_
    return isinstance(target, type) and isinstance(value, target)


# -- open enums --------------------------------------------------------------------------------
def open_enum(cls: _E) -> _E:
    """Let the enum `cls` also hold values it does not list (of its member type: a `str` for
    a string enum). `cls("queued")` gives a member of its own, not kept in the class, that
    compares, hashes and serialises as its value."""
    setattr(cls, "_missing_", classmethod(_missing))  # noqa: B010 - a sunder Enum hook
    return cls


def _missing(cls: type[enum.Enum], value: object) -> Any:
    kind: Any = getattr(cls, "_member_type_", object)
    if kind is object or not isinstance(value, kind):
        return None
    member = kind.__new__(cls, value)
    member._name_ = str(value)
    member._value_ = value
    return member


# -- lenient builds ----------------------------------------------------------------------------
def build(type_: Any, data: Any) -> tuple[Any, list[str]]:
    """`data` as `type_` as far as it fits, and the JSON pointers of the parts that do not.

    Valid data gives what validation gives and no pointer. Otherwise each model is built
    field by field, each list item and mapping value on its own, a union as the member that
    leaves the fewest parts out; a part that fits nowhere is kept as it came.
    """
    raw: list[str] = []
    return _lenient(type_, data, "", raw), raw


def _escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _valid(type_: Any, value: Any) -> tuple[bool, Any]:
    """Whether `value` validates as `type_`, and what it gives."""
    try:
        if isinstance(type_, type) and issubclass(type_, pydantic.BaseModel):
            return True, type_.model_validate(value)
        return True, _adapter(type_).validate_python(value)
    except pydantic.ValidationError:
        return False, None
    except Exception:  # a type pydantic cannot validate: the value is kept as it is
        return False, None


def _lenient(type_: Any, value: Any, where: str, raw: list[str]) -> Any:
    ok, result = _valid(type_, value)
    return result if ok else _partial(type_, value, where, raw)


def _partial(type_: Any, value: Any, where: str, raw: list[str]) -> Any:
    """`value`, which does not validate as `type_`, built part by part."""
    origin = get_origin(type_)
    args = get_args(type_)
    if origin is typing.Annotated:
        return _lenient(args[0], value, where, raw)
    if isinstance(type_, type) and issubclass(type_, RootType):
        return _lenient(_root_of(type_), value, where, raw)
    if origin in (Union, types.UnionType):
        return _union(args, value, where, raw)
    if isinstance(type_, type) and issubclass(type_, pydantic.RootModel):
        inner = _lenient(_fields(type_)["root"].annotation, value, where, raw)
        return type_.model_construct(inner)
    if isinstance(type_, type) and issubclass(type_, pydantic.BaseModel):
        if isinstance(value, dict):
            return _model(type_, value, where, raw)
    elif origin in _SEQUENCES and isinstance(value, list):
        item = args[0] if args else Any
        return [_lenient(item, v, f"{where}/{i}", raw) for i, v in enumerate(value)]
    elif origin in _MAPPINGS and isinstance(value, dict):
        item = args[1] if len(args) == 2 else Any
        return {k: _lenient(item, v, f"{where}/{_escape(k)}", raw) for k, v in value.items()}
    raw.append(where)
    return value


_SEQUENCES = (list, collections.abc.Sequence, collections.abc.Iterable, collections.abc.Collection)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def _union(members: tuple[Any, ...], value: Any, where: str, raw: list[str]) -> Any:
    """`value` as the member of a union it fits best (the first of the best)."""
    for member in members:
        ok, result = _valid(member, value)
        if ok:
            return result
    best: tuple[Any, list[str]] | None = None
    for member in members:
        if not _shaped(member, value):
            continue
        left: list[str] = []
        result = _partial(member, value, where, left)
        if best is None or len(left) < len(best[1]):
            best = (result, left)
    if best is None:
        raw.append(where)
        return value
    raw.extend(best[1])
    return best[0]


def _shaped(type_: Any, value: Any) -> bool:
    """Whether `value` has the JSON shape of `type_` (an object for a model, an array for a
    list): a member of a union it may be built as."""
    origin = get_origin(type_)
    if origin is typing.Annotated:
        return _shaped(get_args(type_)[0], value)
    if isinstance(type_, type) and issubclass(type_, RootType):
        return _shaped(_root_of(type_), value)
    if origin in (Union, types.UnionType):
        return any(_shaped(member, value) for member in get_args(type_))
    if isinstance(type_, type) and issubclass(type_, pydantic.RootModel):
        return _shaped(_fields(type_)["root"].annotation, value)
    if isinstance(type_, type) and issubclass(type_, pydantic.BaseModel):
        return isinstance(value, dict)
    if origin in _SEQUENCES:
        return isinstance(value, list)
    if origin in _MAPPINGS:
        return isinstance(value, dict)
    return False


def _fields(cls: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The fields of `cls`, their annotations resolved (the model is built if it was not)."""
    if not cls.__pydantic_complete__:
        cls.model_rebuild()
    return dict(cls.__pydantic_fields__)


def _model(
    cls: type[pydantic.BaseModel], values: dict[str, Any], where: str, raw: list[str]
) -> Any:
    """An instance of the model `cls` from the mapping `values`, field by field."""
    ok, result = _valid(cls, values)
    if ok:
        return result
    remaining = dict(values)
    scratch = _blank(cls, {})
    data: dict[str, Any] = {}
    given: set[str] = set()
    for name, field in _fields(cls).items():
        key = field.alias if field.alias is not None and field.alias in remaining else name
        if key not in remaining:
            if not field.is_required():
                default = field.get_default(call_default_factory=True, validated_data=data)
                data[name] = (
                    _field(cls, scratch, name, default)[1] if field.validate_default else default
                )
            continue
        value = remaining.pop(key)
        given.add(name)
        ok, result = _field(cls, scratch, name, value)
        data[name] = (
            result if ok else _partial(field.annotation, value, f"{where}/{_escape(key)}", raw)
        )
    made = _blank(cls, data, given, remaining)
    if cls.__pydantic_post_init__:
        made.model_post_init(None)
    return made


def _field(cls: type[pydantic.BaseModel], scratch: Any, name: str, value: Any) -> tuple[bool, Any]:
    """Whether `value` validates as the field `name` of `cls` (its constraints included),
    and what it gives (`value` itself when it does not)."""
    try:
        cls.__pydantic_validator__.validate_assignment(scratch, name, value)
    except pydantic.ValidationError:
        return False, value
    except Exception:
        return False, value
    return True, scratch.__dict__.pop(name, value)


def _blank(
    cls: type[pydantic.BaseModel],
    data: dict[str, Any],
    given: set[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Any:
    """An instance of `cls` holding `data` as it is (no validation, no defaults)."""
    made: Any = cls.__new__(cls)
    object.__setattr__(made, "__dict__", data)
    object.__setattr__(made, "__pydantic_fields_set__", set(given or ()))
    object.__setattr__(made, "__pydantic_extra__", dict(extra or {}))
    object.__setattr__(made, "__pydantic_private__", None)
    return made
