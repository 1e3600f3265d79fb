"""Generation settings: `[tool.specforge]` in pyproject.toml, overridable per call.

No setting defaults to one particular API. What nobody configured is derived from the spec
itself (`derive_package`, `derive_sdk_name`, `derive_env_names`): "Acme Projects API" gives the
package `acme_projects` in the folder `acme_projects` (next to the pyproject.toml, else in the
current folder), the SDK name "Acme Projects" and the variables `ACME_PROJECTS_API_KEY` and
`ACME_PROJECTS_BASE_URL`. Without a spec there is nothing to derive from: the spec path is
then a placeholder that refuses to be read ("no spec given: ...").
"""

from __future__ import annotations

import keyword
import re
import sys
import unicodedata
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from specforge.document.errors import ConfigError, SpecforgeError
from specforge.document.limits import Limits

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if sys.platform == "win32":  # pragma: no cover - the concrete Path class of this system
    from pathlib import WindowsPath as _ConcretePath
else:
    from pathlib import PosixPath as _ConcretePath

NO_SPEC_MESSAGE = "no spec given: pass --spec PATH or run 'specforge init'"
_PACKAGE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Unset(_ConcretePath):
    """A path nobody gave (no spec, so no output folder either).

    Anything that opens, stats or resolves it raises ConfigError with NO_SPEC_MESSAGE, so a
    command that reaches the file system without a spec says so instead of reading a default.
    """

    def __fspath__(self) -> str:
        raise ConfigError(NO_SPEC_MESSAGE)


NO_SPEC: Path = _Unset("(no spec given)")
NO_OUTPUT: Path = _Unset("(no output folder: no spec given)")

# Settings accepted in [tool.specforge], by the type each must have there.
_TEXT = ("spec", "package", "output", "api_key_env", "base_url_env", "sdk_name")
_FLAGS = ("lenient", "allow_external_refs")
# Settings derived from the spec when not configured, and their "not configured" value.
_DERIVED: dict[str, Any] = {
    "package": "",
    "output": NO_OUTPUT,
    "sdk_name": "",
    "api_key_env": "",
    "base_url_env": "",
}


@dataclass(frozen=True)
class Config:
    """Everything the pipeline needs to know besides the spec itself.

    Names left empty are derived when the config is made (see the module docstring); which ones
    were derived is kept, so `with_overrides` derives them again from a new spec or package.
    """

    spec: Path = NO_SPEC
    package: str = ""
    output: Path = NO_OUTPUT
    api_key_env: str = ""
    base_url_env: str = ""
    sdk_name: str = ""
    lenient: bool = False
    allow_external_refs: bool = False
    idempotency_header: str = ""
    lint_ignore: tuple[str, ...] = ()
    # Where generation keeps its cache (`[tool.specforge] cache_dir`, `--cache-dir`); None: none.
    cache_dir: Path | None = None
    # Bounds on the spec and on each phase's time (`[tool.specforge.limits]`, `--limit`).
    limits: Limits = field(default_factory=Limits)
    # Pagination overrides per operation (`[tool.specforge.pagination]`: key -> table or false),
    # checked against the spec when the model is built (`generator.detect.pagination_override`).
    pagination: tuple[tuple[str, Any], ...] = field(default=(), hash=False)
    # The folder a derived output folder goes in (the pyproject.toml's; "" is the current one).
    root: Path = field(default=Path(), repr=False)
    # Which of the names above were derived, and why the spec could not be read for them.
    derived: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    spec_error: SpecforgeError | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        values: dict[str, Any] = {}
        facts = _SpecFacts("", "")
        if self.has_spec and any(not self._given(name) for name in _DERIVED):
            try:
                facts = spec_facts(self.spec, self.limits, self.allow_external_refs)
            except SpecforgeError as error:  # the command reports it (see `specforge.cli`)
                object.__setattr__(self, "spec_error", error)
                facts = _SpecFacts("", "")
        package = self.package
        if not package and self.has_spec:
            package = values["package"] = derive_package(facts.title, self.spec.stem)
        if package:
            if not self._given("output"):
                values["output"] = self.root / package
            api_key_env, base_url_env = derive_env_names(package, facts.auth)
            if not self.api_key_env:
                values["api_key_env"] = api_key_env
            if not self.base_url_env:
                values["base_url_env"] = base_url_env
            if not self.sdk_name and self.has_spec:
                values["sdk_name"] = derive_sdk_name(facts.title, package)
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "derived", self.derived | frozenset(values))

    def _given(self, name: str) -> bool:
        value = getattr(self, name)
        return not isinstance(value, _Unset) and value != ""

    @property
    def has_spec(self) -> bool:
        """Whether a spec was given (in [tool.specforge], on the command line or in code)."""
        return not isinstance(self.spec, _Unset)

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with the given non-None values replaced (derived names derived again)."""
        values = {key: value for key, value in overrides.items() if value is not None}
        for key in ("spec", "output", "root", "cache_dir"):
            if key in values and not isinstance(values[key], Path):
                values[key] = Path(values[key])
        again = {name: _DERIVED[name] for name in self.derived if name not in values}
        config = replace(self, **again, **values, derived=frozenset(), spec_error=None)
        config.check()
        return config

    def check(self) -> None:
        if self.package and not _PACKAGE_NAME.fullmatch(self.package):
            raise ConfigError(
                f"package name {self.package!r} is not accepted: use lower-case letters, "
                "digits and underscores, not starting with a digit (e.g. acme_projects)"
            )
        if self.package and keyword.iskeyword(self.package):
            raise ConfigError(f"package name {self.package!r} is a Python keyword")
        for name in ("api_key_env", "base_url_env"):
            value = getattr(self, name)
            if value and not _ENV_NAME.fullmatch(value):
                raise ConfigError(f"{name} {value!r} is not a valid environment variable name")


# -- names derived from the spec -------------------------------------------------------------------
# Words split at punctuation and case changes; digits stay with what they stand before or after
# ("3D", "S3", "v2"), and a plural "s" with its acronym ("APIs", "URLs").
_WORD = re.compile(
    r"[A-Z]+s(?![a-z])|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+[A-Za-z]*"
)
# Words that say "this is an API" rather than which one; dropped at either end of a title.
_GENERIC = frozenset(
    {"api", "apis", "openapi", "swagger", "rest", "restful", "spec", "specification", "the"}
)
_VERSION = re.compile(r"v[0-9]+")
# Import names a generated package must not take: what it, its tests or its build import.
_TAKEN = frozenset(
    {
        *sys.stdlib_module_names,
        *("httpx", "httpcore", "h11", "anyio", "sniffio", "certifi", "idna"),
        *("pydantic", "pydantic_core", "typing_extensions", "annotated_types"),
        *("jsonschema", "jsonschema_rs", "email_validator", "yaml", "specforge"),
        *("setuptools", "pkg_resources", "pip", "wheel", "pytest", "conftest"),
        *("src", "test", "tests", "build", "dist", "docs", "site"),
    }
)
MAX_PACKAGE = 40
FALLBACK_PACKAGE = "api_client"


def _words(text: str) -> list[str]:
    """Lower-case ASCII words of `text` (accents folded, split at case changes and punctuation)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return [word.lower() for word in _WORD.findall(folded)]


def _core(words: list[str]) -> list[str]:
    """`words` without the generic words and version tokens at either end."""
    start, end = 0, len(words)
    while start < end and (words[start] in _GENERIC or _VERSION.fullmatch(words[start])):
        start += 1
    while end > start and (words[end - 1] in _GENERIC or _VERSION.fullmatch(words[end - 1])):
        end -= 1
    return words[start:end]


def derive_package(title: str, stem: str = "") -> str:
    """A package (import) name from the spec's title, else its file name: always a valid,
    non-keyword identifier that shadows no standard or dependency module."""
    words = _core(_words(title)) or _core(_words(stem))
    name = ""
    for word in words:
        longer = f"{name}_{word}" if name else word
        if len(longer) > MAX_PACKAGE:
            break
        name = longer
    name = name or (words[0][:MAX_PACKAGE] if words else FALLBACK_PACKAGE)
    if name[0].isdigit():
        name = f"api_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _TAKEN:
        name = f"{name}_api"
    return name


def derive_sdk_name(title: str, package: str = "") -> str:
    """The name the SDK goes by: the title on one line, without a trailing "API" or version."""
    tokens = str(title).split()
    end = len(tokens)
    while end and (
        tokens[end - 1].lower().strip(".,:;-") in _GENERIC
        or _VERSION.fullmatch(tokens[end - 1].lower())
    ):
        end -= 1
    name = " ".join(tokens[:end]) or " ".join(tokens)
    return name or " ".join(word.capitalize() for word in package.split("_") if word)


# How the client sends its one credential -> the variable's suffix.
_KEY_SUFFIX = {"oauth2": "ACCESS_TOKEN", "openIdConnect": "ACCESS_TOKEN", "basic": "CREDENTIALS"}


def derive_env_names(package: str, auth: str = "") -> tuple[str, str]:
    """(API key variable, base URL variable), prefixed with the package name in capitals;
    the key's suffix follows the security scheme (API_KEY, ACCESS_TOKEN or CREDENTIALS)."""
    prefix = package.upper()
    return f"{prefix}_{_KEY_SUFFIX.get(auth, 'API_KEY')}", f"{prefix}_BASE_URL"


@dataclass(frozen=True)
class _SpecFacts:
    title: str
    auth: str  # "apiKey", "bearer", "basic", "oauth2", "openIdConnect" or ""


_FACTS: dict[tuple[Any, ...], _SpecFacts | SpecforgeError] = {}


def spec_facts(path: Path, limits: Limits, allow_external_refs: bool = False) -> _SpecFacts:
    """The title and security scheme type of the spec at `path`; SpecError when it cannot be
    read. Read once per file version and limits (a refusal is remembered too, so a command
    that asks again, with the same limits, does not wait for the same timeout twice)."""
    try:
        stat = path.stat()
    except OSError:
        return _read_facts(path, limits, allow_external_refs)  # says why it cannot be read
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size, limits, allow_external_refs)
    if key not in _FACTS:
        if len(_FACTS) >= 16:
            _FACTS.clear()
        try:
            _FACTS[key] = _read_facts(path, limits, allow_external_refs)
        except SpecforgeError as error:
            _FACTS[key] = error
    found = _FACTS[key]
    if isinstance(found, SpecforgeError):
        raise found
    return found


def _read_facts(path: Path, limits: Limits, allow_external_refs: bool) -> _SpecFacts:
    """From the YAML event stream when that is plain (a regular file, no aliases, one document:
    a fraction of a full load, which the command does anyway), else from the full, bounded load
    (which also says why a spec cannot be used)."""
    document = _skeleton(path, limits)
    if document is None:
        from specforge.document.loader import load_spec

        document = load_spec(path, allow_external_refs=allow_external_refs, limits=limits).document
    info = document.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    return _SpecFacts(title.strip() if isinstance(title, str) else "", _auth(document))


def _wanted(path: tuple[Any, ...]) -> bool:
    """Whether the value at `path` is part of what names are derived from."""
    size, head = len(path), path[:1]
    if head == ("info",):
        return size == 1 or path[1:] == ("title",)
    if head == ("security",):
        return size <= 3  # security, alternative, scheme name
    if head == ("paths",):
        return size <= 3 or (path[3] == "security" and size <= 6)
    if head == ("components",):
        if size == 1:
            return True
        return path[1] == "securitySchemes" and (size <= 3 or path[3:] in (("type",), ("scheme",)))
    return size == 0


def _skeleton(path: Path, limits: Limits) -> dict[str, Any] | None:
    """The title, security requirements and scheme types of the spec (a document holding only
    those), read from the event stream; None when the file or stream is not plain."""
    import stat as stat_module

    import yaml

    try:
        if not stat_module.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as handle:
            raw = handle.read(limits.spec_bytes + 1)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if len(raw) > limits.spec_bytes:
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root: dict[str, Any] = {}
    # Open collections being kept: [container, path, key of the value to come, next index].
    frames: list[list[Any]] = []
    skipping = documents = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if skipping:
                if isinstance(event, yaml.CollectionStartEvent):
                    skipping += 1
                elif isinstance(event, yaml.CollectionEndEvent):
                    skipping -= 1
                    if not skipping:
                        _done(frames)
                continue
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    return None
                continue
            if isinstance(event, yaml.AliasEvent):
                return None
            if isinstance(event, yaml.CollectionEndEvent):
                frames.pop()
                _done(frames)
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            if not frames:  # the document itself
                if not isinstance(event, yaml.MappingStartEvent):
                    return None
                frames.append([root, (), None, 0])
                continue
            frame = frames[-1]
            container = frame[0]
            if isinstance(container, dict) and frame[2] is None:  # a key
                if not isinstance(event, yaml.ScalarEvent):
                    return None
                frame[2] = event.value
                continue
            where = (*frame[1], frame[2] if isinstance(container, dict) else frame[3])
            if not _wanted(where):
                if isinstance(event, yaml.CollectionStartEvent):
                    skipping = 1
                else:
                    _done(frames)
                continue
            value: Any = event.value if isinstance(event, yaml.ScalarEvent) else None
            if isinstance(event, yaml.MappingStartEvent):
                value = {}
            elif isinstance(event, yaml.SequenceStartEvent):
                value = []
            if isinstance(container, dict):
                container[frame[2]] = value
            else:
                container.append(value)
            if isinstance(event, yaml.CollectionStartEvent):
                frames.append([value, where, None, 0])
            else:
                _done(frames)
    except yaml.YAMLError:
        return None
    return root


def _done(frames: list[list[Any]]) -> None:
    """A value of the innermost open collection is complete: a key or an index comes next."""
    if frames:
        frame = frames[-1]
        if isinstance(frame[0], dict):
            frame[2] = None
        else:
            frame[3] += 1


def _auth(document: dict[str, Any]) -> str:
    """The type of the scheme the client will send its key with: those the security
    requirements name first (the document's, then the operations'), then the others by name."""
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    if not isinstance(schemes, dict):
        return ""
    requirements = [document.get("security")]
    paths = document.get("paths")
    for item in paths.values() if isinstance(paths, dict) else ():
        for operation in item.values() if isinstance(item, dict) else ():
            if isinstance(operation, dict):
                requirements.append(operation.get("security"))
    named: list[Any] = []
    for requirement in requirements:
        for alternative in requirement if isinstance(requirement, list) else ():
            if isinstance(alternative, dict):
                named += [name for name in alternative if name in schemes and name not in named]
    for name in [*named, *sorted((n for n in schemes if n not in named), key=str)]:
        scheme = schemes[name]
        if not isinstance(scheme, dict):
            continue
        kind, http = scheme.get("type"), str(scheme.get("scheme", "")).lower()
        if kind in ("oauth2", "openIdConnect", "apiKey"):
            return str(kind)
        if kind == "http" and http in ("bearer", "basic"):
            return http
    return ""


# -- pyproject.toml ----------------------------------------------------------------------------------
def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start`."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def settings() -> list[str]:
    """The keys [tool.specforge] accepts."""
    hidden = {"root", "derived", "spec_error"}
    return [item.name for item in fields(Config) if item.name not in hidden]


def _pagination_table(table: Any, pyproject: Path) -> tuple[tuple[str, Any], ...]:
    """`[tool.specforge.pagination]` as (operation, override) pairs, in the order written."""
    where = f"{pyproject}: [tool.specforge.pagination]"
    if not isinstance(table, dict):
        raise ConfigError(f'{where} must be a table, e.g. "projects.list" = false')
    for key, value in table.items():
        if value is not False and not isinstance(value, dict):
            raise ConfigError(
                f"{where} {key!r} must be a table (style, param, items, cursor, ...) or false"
            )
    return tuple(table.items())


def load_config(start: Path | None = None) -> Config:
    """Read `[tool.specforge]`; paths in it are relative to the pyproject's folder."""
    pyproject = find_pyproject((start or Path.cwd()).resolve())
    if pyproject is None:
        return Config()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{pyproject}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot be read: {error}") from None
    tool = data.get("tool", {})
    section = tool.get("specforge", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.specforge] must be a table")
    known = set(settings())
    unknown = sorted(set(section) - known - {"lint"})
    if unknown:
        raise ConfigError(
            f"{pyproject}: unknown [tool.specforge] key(s) {', '.join(unknown)}; "
            f"accepted: {', '.join(sorted(known))}"
        )
    root = pyproject.parent
    values: dict[str, Any] = {key: value for key, value in section.items() if key in known}
    for key, kind, what in [
        *((key, str, "a string") for key in (*_TEXT, "idempotency_header", "cache_dir")),
        *((key, bool, "true or false") for key in _FLAGS),
    ]:
        if key in values and not isinstance(values[key], kind):
            raise ConfigError(f"{pyproject}: [tool.specforge] {key} must be {what}")
    for key in ("spec", "output", "cache_dir"):
        if key in values:
            values[key] = root / (
                Path(values[key]).expanduser() if key == "cache_dir" else values[key]
            )
    lint = section.get("lint", {})
    if isinstance(lint, dict) and "ignore" in lint:
        values["lint_ignore"] = tuple(lint["ignore"])
    if "lint_ignore" in values:
        if not isinstance(values["lint_ignore"], list | tuple):
            raise ConfigError(f"{pyproject}: [tool.specforge] lint_ignore must be a list")
        values["lint_ignore"] = tuple(values["lint_ignore"])
    if "limits" in values:
        table = values["limits"]
        if not isinstance(table, dict):
            raise ConfigError(
                f"{pyproject}: [tool.specforge] limits must be a table, e.g. "
                "[tool.specforge.limits] with enum-values = 20000"
            )
        values["limits"] = Limits().updated(table, f"{pyproject}: [tool.specforge.limits]")
    if "pagination" in values:
        values["pagination"] = _pagination_table(values["pagination"], pyproject)
    config = Config(root=root, **values)
    config.check()
    return config
