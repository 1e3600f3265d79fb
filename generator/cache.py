"""A content-addressed cache of the generator's expensive stages, in a folder of the user's.

What is kept, each under the sha256 of everything its value depends on:

- `findings`: the validator's findings (and the OpenAPI version) of a spec, by its bytes;
- `models`: the models module datamodel-code-generator writes, by the model document;
- `groups`: one group of schemas' share of that module, by the group's own model document
  (so a changed schema regenerates only its group: see `generator.models.schema_units`);
- `format`: a Python file as ruff leaves it, by its unformatted text, path and ruff settings;
- `package`: a whole package (the digest of every file, the summary and the warnings), by the
  spec's bytes and name, the settings that reach the package, and its version;
- `blob`: file contents by their own sha256 (what a `package` entry lists);
- `templates`: Jinja's compiled templates (its bytecode cache), by template and source.

Every key starts with `fingerprint()`: the versions of specforge, of the libraries whose output
ends up in a package (datamodel-code-generator, pydantic, ruff, Jinja2, the validators, PyYAML),
of Python, and a hash of specforge's own generator sources, so an entry is never used by another
version of any of them. Entries are written to a temporary file and renamed into place
(`os.replace`), so a reader sees a whole entry or none; each carries the sha256 of its payload
and one that does not match is a miss (and is removed). The folder is bounded: once a run has
written to it and it holds more than its cap, the least recently used entries go first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ENV_DIR = "SPECFORGE_CACHE_DIR"
ENV_MAX_MB = "SPECFORGE_CACHE_MAX_MB"
LAYOUT = "v1"  # the folder of this layout inside the cache folder
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_MAGIC = b"specforge-cache 1 "
_TRIM_TO = 0.8  # after eviction, the folder holds at most this share of its cap
_STALE_TEMP = 3600.0  # seconds after which a temporary file of a killed run is removed
KINDS = ("findings", "models", "groups", "format", "package", "blob", "templates")
# Distributions whose version is part of every key: what writes, checks or formats a package.
DISTRIBUTIONS = (
    "specforge",
    "datamodel-code-generator",
    "pydantic",
    "pydantic-core",
    "annotated-types",
    "ruff",
    "jinja2",
    "markupsafe",
    "openapi-spec-validator",
    "openapi-schema-validator",
    "jsonschema",
    "pyyaml",
)
# specforge's sources whose change may change a package (relative to the `specforge` folder).
_SOURCES = ("__init__.py", "config.py", "document", "generator", "templates")


class Cache:
    """Entries by kind and key below `root/v1`; reads and writes never raise."""

    def __init__(
        self, root: Path, *, max_bytes: int | None = None, fingerprint: str | None = None
    ) -> None:
        self.root = Path(root)
        self.folder = self.root / LAYOUT
        self.max_bytes = max_bytes if max_bytes is not None else configured_max_bytes()
        self.fingerprint = fingerprint if fingerprint is not None else version_fingerprint()
        self.stats: dict[str, list[int]] = {kind: [0, 0] for kind in KINDS}  # hits, misses
        self._written = 0

    def key(self, kind: str, *parts: str | bytes) -> str:
        """The key of an entry of `kind` whose value depends on `parts` (and the versions)."""
        return digest(self.fingerprint, kind, *parts)

    def path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        """The payload of an entry, or None (absent, unreadable, or corrupt: then removed)."""
        path = self.path(kind, key)
        try:
            data = path.read_bytes()
        except OSError:
            self.stats[kind][1] += 1
            return None
        header, _, payload = data.partition(b"\n")
        if header != _MAGIC + hashlib.sha256(payload).hexdigest().encode():
            with contextlib.suppress(OSError):
                path.unlink()
            self.stats[kind][1] += 1
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
        self.stats[kind][0] += 1
        return payload

    def put(self, kind: str, key: str, payload: bytes) -> None:
        """Store an entry atomically (a failure to write is not an error: it stays a miss)."""
        path = self.path(kind, key)
        data = _MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            return
        self._written += len(data)

    def get_text(self, kind: str, key: str) -> str | None:
        payload = self.get(kind, key)
        try:
            return None if payload is None else payload.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def put_text(self, kind: str, key: str, text: str) -> None:
        self.put(kind, key, text.encode("utf-8"))

    def get_json(self, kind: str, key: str) -> Any:
        payload = self.get(kind, key)
        if payload is None:
            return None
        try:
            return json.loads(payload)
        except ValueError:
            return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        self.put(kind, key, json.dumps(value, sort_keys=True, ensure_ascii=False).encode())

    def get_blob(self, sha256: str) -> bytes | None:
        """Contents stored by `put_blob` (checked against their digest)."""
        payload = self.get("blob", sha256)
        if payload is not None and hashlib.sha256(payload).hexdigest() != sha256:
            return None
        return payload

    def put_blob(self, data: bytes) -> str:
        """Store contents under their sha256; returns it."""
        sha256 = hashlib.sha256(data).hexdigest()
        self.put("blob", sha256, data)
        return sha256

    def trim(self) -> None:
        """Once this run wrote to it, evict the least recently used entries over the cap."""
        if not self._written:
            return
        self._written = 0
        entries: list[tuple[float, int, Path]] = []
        now = time.time()
        for path in _files(self.folder):
            try:
                info = path.stat()
            except OSError:
                continue
            if path.name.startswith(".tmp-"):
                if now - info.st_mtime > _STALE_TEMP:
                    with contextlib.suppress(OSError):
                        path.unlink()
                continue
            entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return
        entries.sort()
        goal = self.max_bytes * _TRIM_TO
        for _, size, path in entries:
            if total <= goal:
                break
            with contextlib.suppress(OSError):
                path.unlink()
            total -= size

    def size(self) -> int:
        """Bytes the entries take (for tests and reports)."""
        return sum(p.stat().st_size for p in _files(self.folder) if not p.name.startswith("."))


def _files(folder: Path) -> Iterable[Path]:
    for kind in KINDS:
        base = folder / kind
        try:
            buckets = list(os.scandir(base))
        except OSError:
            continue
        for bucket in buckets:
            if not bucket.is_dir(follow_symlinks=False):
                continue
            try:
                names = os.listdir(bucket.path)
            except OSError:
                continue
            for name in names:
                yield Path(bucket.path, name)


def digest(*parts: str | bytes) -> str:
    """sha256 of `parts`, each length-prefixed (so no two sequences of parts collide)."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def configured_max_bytes() -> int:
    """The cap: $SPECFORGE_CACHE_MAX_MB (MiB) when set to a number, else 512 MiB."""
    value = os.environ.get(ENV_MAX_MB, "")
    try:
        return max(0, int(float(value) * 1024 * 1024)) if value else DEFAULT_MAX_BYTES
    except ValueError:
        return DEFAULT_MAX_BYTES


def default_dir() -> Path:
    """The user's cache folder for specforge (`~/.cache/specforge` on Linux)."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "specforge" / "Cache"
    if sys.platform == "darwin":  # pragma: no cover - macOS
        return Path.home() / "Library" / "Caches" / "specforge"
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "specforge"


def resolve_dir(
    flag: Path | None, configured: Path | None, *, disabled: bool = False
) -> Path | None:
    """The cache folder in force: None with `--no-cache`; else `--cache-dir`, then
    $SPECFORGE_CACHE_DIR, then `[tool.specforge] cache_dir`, then `default_dir()`."""
    if disabled:
        return None
    if flag is not None:
        return flag
    from_env = os.environ.get(ENV_DIR, "")
    if from_env:
        return Path(from_env)
    return configured if configured is not None else default_dir()


@functools.cache
def version_fingerprint() -> str:
    """What every key depends on: the versions of `DISTRIBUTIONS`, Python's, and specforge's
    generator sources (so a changed checkout never reads an entry of another)."""
    versions = installed_versions(DISTRIBUTIONS)
    facts = {
        "python": sys.version,
        "implementation": sys.implementation.cache_tag or sys.implementation.name,
        "libyaml": _has_libyaml(),
        "versions": versions,
        "sources": sources_digest(),
    }
    return digest(json.dumps(facts, sort_keys=True))


def _has_libyaml() -> bool:
    """Whether PyYAML has its libyaml binding (without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("yaml")
    folder = Path(spec.origin).parent if spec and spec.origin else None
    return bool(folder and any(p.name.startswith("_yaml.") for p in folder.iterdir()))


_DIST = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+?)(-py[^-]*)?\.(dist|egg)-info$")


def installed_versions(names: Iterable[str]) -> dict[str, str]:
    """Versions of the distributions `names` from the `.dist-info` folder names on sys.path
    (the first one found wins, as for imports); "" for one not found. Reading folder names
    spares importing `importlib.metadata`, which costs more than everything else here."""
    wanted = {_normal(name): name for name in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for item in listing:
            match = _DIST.match(item)
            if match is None:
                continue
            name = _normal(match["name"])
            if name in wanted and wanted[name] not in found:
                found[wanted[name]] = match["version"]
        if len(found) == len(wanted):
            break
    return {name: found.get(name, "") for name in names}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def sources_digest() -> str:
    """sha256 of specforge's sources that shape a package (its document stage, generator,
    runtime and templates), path by path."""
    import specforge

    root = Path(specforge.__file__).resolve().parent
    parts: list[str | bytes] = []
    for name in _SOURCES:
        top = root / name
        paths = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in paths:
            if path.suffix not in (".py", ".jinja") or "__pycache__" in path.parts:
                continue
            with contextlib.suppress(OSError):
                parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return digest(*parts)


def group_key(cache: Cache, base_class: str, limits: Any, document: Any) -> str:
    """The key of one group's share of the models module: the base class, the limits in force
    and the group's model document (its schemas and their `Param` keys, in their order)."""
    return cache.key(
        "groups",
        base_class,
        limits_key(limits) if limits is not None else "",
        json.dumps(document, sort_keys=False),
    )


def limits_key(limits: Any) -> str:
    """The limits in force, as text for a key: an entry made under other limits (another time
    budget, say) is not used, so a limit always bounds what a run does."""
    return json.dumps(dataclasses.asdict(limits), sort_keys=True)


# -- formatted files --------------------------------------------------------------------------
# Stands in, in keys and entries, for the spec's sha256 that the header of every generated file
# names: same length and alphabet, so ruff treats the text alike. Then a changed spec misses
# only the files whose code changed.
PLACEHOLDER = hashlib.sha256(b"specforge cache: the spec's sha256 goes here").hexdigest()


class FormattedFiles:
    """ruff's output for each Python file, by its path, its unformatted text and the ruff
    settings of the package (`settings`); `volatile` (the spec's sha256) is masked."""

    def __init__(self, cache: Cache, settings: str, volatile: str) -> None:
        self.cache = cache
        self.settings = settings
        self.volatile = volatile

    def _masked(self, text: str) -> str | None:
        if not self.volatile or PLACEHOLDER in text:
            return None
        return text.replace(self.volatile, PLACEHOLDER)

    def _key(self, path: str, text: str) -> str:
        masked = self._masked(text)
        return self.cache.key(
            "format", self.settings, path, "masked" if masked else "raw", masked or text
        )

    def lookup(self, path: str, text: str) -> str | None:
        """The formatted text of `text` (at `path`), or None."""
        found = self.cache.get_text("format", self._key(path, text))
        if found is None or self._masked(text) is None:
            return found
        return found.replace(PLACEHOLDER, self.volatile)

    def store(self, path: str, text: str, formatted: str) -> None:
        """Keep what ruff made of `text` (unless the mask cannot be undone exactly)."""
        masked = self._masked(text)
        if masked is not None:
            if PLACEHOLDER in formatted or formatted.count(self.volatile) != text.count(
                self.volatile
            ):
                return
            formatted = formatted.replace(self.volatile, PLACEHOLDER)
        self.cache.put_text("format", self._key(path, text), formatted)


# -- whole packages ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class PackageEntry:
    """A package as generated: each file's sha256 by path, the summary line and the warnings
    (pointer, message); `contents` holds the files' bytes when they were asked for."""

    digests: dict[str, str]
    summary: str
    warnings: tuple[tuple[str, str], ...]
    contents: dict[str, bytes] | None = None


def package_key(cache: Cache, spec_bytes: bytes, settings: dict[str, Any]) -> str:
    """The key of the package generated from a spec's bytes with `settings` (every setting that
    reaches the package: names, flags, limits, version)."""
    return cache.key(
        "package", hashlib.sha256(spec_bytes).hexdigest(), json.dumps(settings, sort_keys=True)
    )


def read_package(cache: Cache, key: str, *, contents: bool) -> PackageEntry | None:
    """The package entry `key` (with every file's bytes when `contents`), or None, also when
    one of its files is no longer in the cache."""
    value = cache.get_json("package", key)
    try:
        digests = {str(k): str(v) for k, v in value["files"].items()}
        summary = str(value["summary"])
        warnings = tuple((str(p), str(m)) for p, m in value["warnings"])
    except (TypeError, KeyError, ValueError, AttributeError):
        return None
    files: dict[str, bytes] | None = None
    if contents:
        files = {}
        for path, sha256 in digests.items():
            data = cache.get_blob(sha256)
            if data is None:
                return None
            files[path] = data
    return PackageEntry(digests, summary, warnings, files)


def write_package_entry(
    cache: Cache,
    key: str,
    files: dict[str, bytes],
    summary: str,
    warnings: Iterable[tuple[str, str]],
) -> PackageEntry:
    """Store a package's files (as blobs) and its entry; returns the entry."""
    digests = {path: cache.put_blob(data) for path, data in sorted(files.items())}
    listed = tuple(warnings)
    cache.put_json(
        "package",
        key,
        {"files": digests, "summary": summary, "warnings": [list(w) for w in listed]},
    )
    return PackageEntry(digests, summary, listed, dict(files))
