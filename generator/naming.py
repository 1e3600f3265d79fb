"""Python names from arbitrary spec text: always valid identifiers, never keywords."""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import keyword
import re
import unicodedata
from pathlib import Path

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")
# Names a generated method or keyword argument must not shadow.
RESERVED = frozenset(
    {
        "self",
        "cls",
        "timeout",
        "extra_headers",
        "extra_query",
        "extra_body",
        "max_retries",
        "model_config",
        "model_fields",
        "json",
        "copy",
        "schema",
        "dict",
        "construct",
        "validate",
        "with_raw_response",
        "Any",
        "None",
        "True",
        "False",
        # Names the generated methods use themselves (locals and module-level imports).
        "call",
        "body",
        "raw",
        "httpx",
        "builtins",
        "Mapping",
        "Literal",
        "TYPE_CHECKING",
        "NOT_GIVEN",
        "NotGiven",
        "RequestInput",
        "RawResponse",
        "OperationSpec",
        "ParameterSpec",
        "warn_deprecated",
        "SyncTransport",
        "AsyncTransport",
    }
)
MAX_NAME = 64
# Names the generated package defines or imports besides the models (runtime, client,
# exceptions); a model class named like one of them would shadow it where both are used.
GENERATED_NAMES = frozenset(
    {
        "APIConnectionError",
        "APIError",
        "APIStatusError",
        "APITimeoutError",
        "AsyncClient",
        "AsyncTransport",
        "AuthenticationError",
        "BadRequestError",
        "BaseClient",
        "BaseModel",
        "Client",
        "ConflictError",
        "InternalServerError",
        "MissingAPIKeyError",
        "NotFoundError",
        "NotGiven",
        "OperationSpec",
        "ParameterSpec",
        "PermissionDeniedError",
        "PollingTimeoutError",
        "RateLimitError",
        "ResponseTooLargeError",
        "RawResponse",
        "RequestInput",
        "RequestValidationError",
        "ResponseDriftWarning",
        "ResponseValidation",
        "ResponseValidationError",
        "SyncTransport",
        "UnprocessableEntityError",
        "Draft202012Validator",
        "ValidationError",
        "TracebackType",
        "NoneType",
        "EllipsisType",
        "UUID",
        "Decimal",
        "Path",
        "PurePath",
        "Pattern",
        "IPv4Address",
        "IPv6Address",
        "IPv4Network",
        "IPv6Network",
        "IPv4Interface",
        "IPv6Interface",
    }
)


def words(text: str) -> list[str]:
    """The words of `text`, ASCII-folded, split at case changes and punctuation."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(folded)


def snake(text: str, *, fallback: str = "value") -> str:
    """A lower_snake_case identifier for `text` that is safe to use as a name."""
    name = "_".join(word.lower() for word in words(text)) or fallback
    return _safe(name[:MAX_NAME].rstrip("_") or fallback)


def pascal(text: str, *, fallback: str = "Model") -> str:
    """A PascalCase identifier for `text`."""
    parts = words(text)
    name = "".join(part[:1].upper() + part[1:] for part in parts) or fallback
    return _safe(name[:MAX_NAME])


def class_name(text: str, *, fallback: str = "Model") -> str:
    """A PascalCase class name for `text` that a models module can define as it is.

    It starts with a capital letter (`N` before a digit), and a name the generated code
    needs for something else (`Any`, `None`, `NotGiven`, `BaseModel`, `Field`, typing,
    pydantic and builtin names) takes a `Model` suffix, as the model generator itself does.
    """
    parts = words(text)
    name = "".join(part[:1].upper() + part[1:] for part in parts)[:MAX_NAME] or fallback
    if name[0].isdigit():
        name = "N" + name
    while name in class_reserved() or keyword.iskeyword(name):
        name += "Model"
    return name


@functools.cache
def class_reserved() -> frozenset[str]:
    """Capitalised names a model class must not take (see `class_name`)."""
    import builtins
    import collections.abc
    import enum
    import typing

    names = set(dir(builtins)) | set(typing.__all__) | set(collections.abc.__all__)
    names |= set(enum.__all__) | GENERATED_NAMES | _runtime_names()
    for module in ("pydantic", "annotated_types"):  # both come with the model generator
        with contextlib.suppress(ImportError):
            names |= set(getattr(importlib.import_module(module), "__all__", ()))
    return frozenset(name for name in names if name[:1].isupper())


def _runtime_names() -> set[str]:
    """Names the generated package's runtime modules (generator/runtime) define or import."""
    names: set[str] = set()
    for path in sorted((Path(__file__).resolve().parent / "runtime").glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names


def _safe(name: str) -> str:
    if name[0].isdigit():
        name = "n" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED:
        name += "_"
    return name


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, `name_3`... whichever is not in `taken`; records the result."""
    candidate, counter = name, 2
    while candidate in taken:
        candidate = f"{name}_{counter}"
        counter += 1
    taken.add(candidate)
    return candidate


def unique_class(name: str, taken: set[str], reserved: frozenset[str] = frozenset()) -> str:
    """`name`, or `name2`, `name3`...: free in `taken` and not in `reserved`; records it.

    Class names take no underscore before the number: the model generator drops it.
    """
    candidate, counter = name, 2
    while candidate in taken or (candidate != name and candidate in reserved):
        candidate = f"{name}{counter}"
        counter += 1
    taken.add(candidate)
    return candidate
