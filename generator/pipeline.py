"""The generation pipeline: spec file -> validated document -> model -> rendered files.

With a cache (`Config.cache_dir`; see specforge.generator.cache), each expensive stage looks its
result up first: the validator's findings, the models module, each formatted file and, for
`generate_package` and `fresh_package`, the whole package. The bytes written are the same with
and without it. Heavy libraries (the validator, Jinja, datamodel-code-generator) are imported by
the stage that needs them, so that a cached run does without them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specforge import __version__
from specforge.config import Config
from specforge.document.errors import Finding, SpecError, SpecforgeError
from specforge.document.limits import Limits, phase
from specforge.document.schemas import json_types, ref_name
from specforge.generator import cache as caching
from specforge.generator.escaping import Escaped, json_document, python_comment, python_identifier
from specforge.generator.findings import CachedFindings
from specforge.generator.ir import Api, Warning_
from specforge.generator.output import (
    BUMP,
    BUMP_KEYS,
    MANIFEST,
    OutputReport,
    checked_output,
    normal_output,
    read_manifest_entry,
    write_package,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from specforge.document.document import SpecDocument
    from specforge.document.loader import LoadedSpec
    from specforge.generator.cache import Cache

_PEP440 = re.compile(r"\d+(\.\d+)*([abc]|rc)?\d*")
# The package's runtime: plain modules copied verbatim; per-API values live in `_config.py`.
RUNTIME = Path(__file__).resolve().parent / "runtime"
RUNTIME_FILES = (
    "_runtime.py",
    "_response.py",
    "_validation.py",
    "_exceptions.py",
    "_base_model.py",
)
# The files ruff changes (every other generated file is written as rendered).
FORMATTED = (".py", ".pyi")


@dataclass
class GenerationResult:
    """Rendered files (relative path -> text) plus what the run noticed."""

    files: dict[str, str]
    api: Api
    findings: list[Finding] = field(default_factory=list)

    @property
    def warnings(self) -> list[Warning_]:
        return [
            Warning_(f.pointer, f"[{f.rule}] {f.message}") for f in self.findings
        ] + self.api.warnings

    def summary(self) -> str:
        return (
            f"{len(self.api.operations)} operations, {len(self.api.schema_classes)} models, "
            f"{len(self.warnings)} warnings"
        )


@dataclass
class Generated:
    """A package as `generate` writes it: each file's sha256 (and bytes, once read) by relative
    path, its summary line and its warnings. From the cache or from a run."""

    digests: dict[str, str]
    summary_text: str
    warnings: list[Warning_]
    contents: dict[str, bytes] | None = None

    def summary(self) -> str:
        return self.summary_text


def open_cache(config: Config) -> Cache | None:
    """The cache `config` names (None: no cache)."""
    return caching.Cache(config.cache_dir) if config.cache_dir is not None else None


def load_config_document(config: Config) -> SpecDocument:
    """The configured spec as a document; validator findings refuse it unless lenient."""
    from specforge.document.document import load_document

    return load_document(
        config.spec,
        lenient=config.lenient,
        allow_external_refs=config.allow_external_refs,
        limits=config.limits,
    )


def build(config: Config, version: str | None = None) -> GenerationResult:
    """Render every file of the package in memory (unformatted); `version` is the package's
    version (default: `package_version` of the spec's info.version)."""
    return _build(config, version, open_cache(config))[0]


def _build(
    config: Config, version: str | None, cache: Cache | None
) -> tuple[GenerationResult, str]:
    """`build`, with `cache`; also the spec's sha256.

    The stages run as in `load_document` and after it (a spec the validator refuses is
    refused before anything is rendered), but the model generator may start early: in a child
    process (`_ModelsJob`) while this one validates, killed if the validator refuses the spec.
    """
    from specforge.document.loader import load_spec
    from specforge.document.schemas import normalize
    from specforge.generator.parse import build_api

    limits = config.limits
    spec = load_spec(config.spec, allow_external_refs=config.allow_external_refs, limits=limits)
    checks = CachedFindings(spec, cache, allow_external_refs=config.allow_external_refs)

    def prepare(found: str, fork: bool) -> tuple[Api, _Renderer, _ModelsJob]:
        document = normalize(spec.document, found)
        api = build_api(
            document,
            idempotency_header=config.idempotency_header,
            limits=limits,
            pagination=dict(config.pagination) or None,
        )
        renderer = _Renderer(config, spec, api, document, version)
        return api, renderer, _ModelsJob(*renderer.model_input(), limits, cache, fork=fork)

    guess = checks.version or _openapi_version(spec.document)
    prepared: tuple[Api, _Renderer, _ModelsJob] | None = None
    early: Exception | None = None
    try:
        if guess:
            prepared = prepare(guess, fork=checks.pending)
    except Exception as error:  # reported only if the validator accepts the spec
        early = error
    try:
        found, findings = checks.result()
        if not found or any(f.rule == "openapi-version" for f in findings):  # as load_document
            raise SpecError(spec.source, list(findings))
        if findings and not config.lenient:
            raise SpecError(spec.source, list(findings))
        if early is not None:
            raise early
        if prepared is None or found != guess:  # the validator reads another version
            if prepared is not None:
                prepared[2].cancel()
            prepared = prepare(found, fork=False)
        api, renderer, job = prepared
        source = job.result()
    finally:
        if prepared is not None:
            prepared[2].cancel()
    _compiled_templates(cache)
    with phase("render", limits, spec.source):
        files = renderer.render(renderer.models_module(source))
    return GenerationResult(files=files, api=api, findings=list(findings)), spec.sha256


def _compiled_templates(cache: Cache | None) -> None:
    """Have Jinja keep its compiled templates in `cache` (none without one): compiling them
    costs more than rendering a small package."""
    import jinja2

    from specforge.generator.render import SUFFIXES, environment

    class Compiled(jinja2.BytecodeCache):
        def __init__(self, store: Cache) -> None:
            self.store = store

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            data = self.store.get("templates", self.store.key("templates", bucket.key))
            if data is not None:
                bucket.bytecode_from_string(data)  # Jinja checks its magic and checksum

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            key = self.store.key("templates", bucket.key)
            self.store.put("templates", key, bucket.bytecode_to_string())

    for syntax in set(SUFFIXES.values()):
        environment(syntax).bytecode_cache = Compiled(cache) if cache is not None else None


def _openapi_version(document: dict[str, Any]) -> str:
    """ "3.0" or "3.1" as `openapi_version` of specforge.document.validate says (which
    imports the validator); checked against it once the validator has run."""
    found = document.get("openapi")
    if isinstance(found, str) and found.startswith(("3.0", "3.1")):
        return found[:3]
    return ""


SERIAL_ENV = "SPECFORGE_SERIAL"


class _ModelsJob:
    """The models module's source: from the cache, else from `generate_models`, in a forked
    child process while the parent validates (`fork`; on Linux, single-threaded, more than one
    CPU, unless $SPECFORGE_SERIAL is set), else here when asked. A child that fails in any
    other way than the model generator's own errors is replaced by a run here."""

    def __init__(
        self,
        document: dict[str, Any],
        base: str,
        limits: Limits,
        cache: Cache | None,
        *,
        fork: bool,
    ) -> None:
        self.document, self.base, self.limits, self.cache = document, base, limits, cache
        self.key = ""
        self.source: str | None = None
        self.child: tuple[int, int] | None = None  # pid, read end of the pipe
        if cache is not None:
            self.key = cache.key(
                "models", base, caching.limits_key(limits), json.dumps(document, sort_keys=False)
            )
            self.source = cache.get_text("models", self.key)
        if self.source is None and fork and _can_fork():
            self.child = _fork(self._child)

    def _child(self) -> bytes:
        from specforge.document.limits import PhaseTimeout
        from specforge.generator.models import generate_models

        try:
            outcome: dict[str, Any] = {
                "source": generate_models(self.document, self.base, self.limits, self.cache)
            }
        except SpecError as error:
            findings = [[f.pointer, f.rule, f.message] for f in error.findings]
            outcome = {"spec_error": [error.source, findings]}
        except PhaseTimeout as error:
            outcome = {"timeout": [error.phase, error.seconds]}
        return json.dumps(outcome).encode("utf-8")

    def result(self) -> str:
        """The source (the model generator's errors raised as they would be here)."""
        if self.source is None and self.child is not None:
            outcome = _collect(self.child)
            self.child = None
            if isinstance(outcome, dict) and isinstance(outcome.get("source"), str):
                self.source = outcome["source"]
            elif isinstance(outcome, dict) and "spec_error" in outcome:
                source, findings = outcome["spec_error"]
                raise SpecError(source, [Finding(*finding) for finding in findings])
            elif isinstance(outcome, dict) and "timeout" in outcome:
                from specforge.document.limits import PhaseTimeout

                raise PhaseTimeout(*outcome["timeout"])
        if self.source is None:
            from specforge.generator.models import generate_models

            self.source = generate_models(self.document, self.base, self.limits, self.cache)
        if self.cache is not None:
            self.cache.put_text("models", self.key, self.source)
            self.cache = None  # kept once
        return self.source

    def cancel(self) -> None:
        """Stop the child, if it still runs."""
        if self.child is not None:
            _stop(self.child)
            self.child = None


def _can_fork() -> bool:
    import threading

    return (
        sys.platform.startswith("linux")
        and not os.environ.get(SERIAL_ENV)
        and threading.active_count() == 1
        and len(os.sched_getaffinity(0)) > 1
    )


def _fork(work: Any) -> tuple[int, int]:
    """Run `work() -> bytes` in a forked child; (its pid, the pipe its bytes come through)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller
        code = 1
        try:
            os.close(read_end)
            _die_with_parent()
            data = work()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:  # the parent runs the work itself
            pass
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _die_with_parent() -> None:
    """In a child: be killed when the parent dies (Linux's PR_SET_PDEATHSIG)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _collect(child: tuple[int, int]) -> Any:
    """What the child sent (None if it sent nothing readable); reaps it."""
    pid, read_end = child
    chunks: list[bytes] = []
    try:
        with os.fdopen(read_end, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
    finally:
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return None


def _stop(child: tuple[int, int]) -> None:
    pid, read_end = child
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.close(read_end)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


_KEY_SUFFIXES = ("_API_KEY", "_ACCESS_TOKEN", "_CREDENTIALS", "_TOKEN", "_KEY")


def log_env_name(config: Config) -> str:
    """The variable that switches request logging on (`TOGETHER_LOG` beside `TOGETHER_API_KEY`):
    the API key variable's prefix, else the base URL variable's, else the package name, in
    capitals, and `_LOG`."""
    for name, suffixes in (
        (config.api_key_env, _KEY_SUFFIXES),
        (config.base_url_env, ("_BASE_URL", "_URL")),
    ):
        for suffix in suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)] + "_LOG"
    return f"{config.package.upper()}_LOG"


def package_version(api_version: str) -> str:
    """The package's version unless a bump set it: the spec's info.version when it is a PEP 440
    version, else 0.0.0."""
    return api_version if _PEP440.fullmatch(api_version) else "0.0.0"


def recorded_bump(root: Path) -> dict[str, str] | None:
    """The version bump `root`'s manifest records (see `specforge generate --bump-from`), or None.

    Its `version` is the package's version from then on: `generate` without `--bump-from` and
    `check` render it, so that the bumped package is not drift."""
    bump = read_manifest_entry(root, BUMP)
    if bump is None:
        return None
    if not (
        isinstance(bump, dict)
        and set(bump) == set(BUMP_KEYS)
        and all(isinstance(value, str) for value in bump.values())
        and _PEP440.fullmatch(bump["version"])
    ):
        raise SpecforgeError(
            f"{root / MANIFEST}: its {BUMP!r} entry is not a version bump "
            f"({', '.join(BUMP_KEYS)}, the version PEP 440); restore it, or delete the entry "
            "to go back to the spec's info.version"
        )
    return {key: bump[key] for key in BUMP_KEYS}


def generate(config: Config, output: Path | None = None) -> GenerationResult:
    """Render, format and write the package into `output` (default: config.output)."""
    config = config.with_overrides(output=normal_output(config.output))
    target = checked_output(output or config.output, config.spec)
    bump = recorded_bump(config.output)
    cache = open_cache(config)
    result = _write(config, target, bump, cache)[0]
    if cache is not None:
        cache.trim()
    return result


def generate_package(
    config: Config, output: Path | None = None, bump: dict[str, str] | None = None
) -> tuple[GenerationResult | Generated, OutputReport]:
    """Write the package into `output` (default: config.output), saying what writing kept,
    removed or recovered (see specforge.generator.output).

    `bump` (keys BUMP_KEYS) sets the package's version and is recorded in the manifest; without
    it, the bump config.output's manifest records (if any) is kept, so that writing elsewhere
    gives what the committed package holds. With a cache that holds this package (same spec
    bytes, settings and versions), its files are written without rendering (a `Generated`)."""
    config = config.with_overrides(output=normal_output(config.output))
    target = checked_output(output or config.output, config.spec)
    if bump is None:
        bump = recorded_bump(config.output)
    cache = open_cache(config)
    key = _package_key(config, bump, cache)
    known = caching.read_package(cache, key, contents=True) if cache and key else None
    if known is not None and known.contents is not None:
        files = {path: data.decode("utf-8") for path, data in known.contents.items()}
        report = write_package(
            target, files, write=write_files, format=_as_written, manifest=_manifest(bump)
        )
        return _generated(known), report
    result, report, formatter = _write(config, target, bump, cache)
    if cache is not None:
        if key:
            _remember(cache, key, result, formatter.formatted)
        cache.trim()
    return result, report


def fresh_package(config: Config) -> Generated:
    """The package `generate` would write for `config`, without writing it (for `check`): from
    the cache's package entry when it has one (file digests only), else rendered and formatted
    in a scratch folder (then with every file's bytes)."""
    config = config.with_overrides(output=normal_output(config.output))
    bump = recorded_bump(config.output)
    cache = open_cache(config)
    key = _package_key(config, bump, cache)
    known = caching.read_package(cache, key, contents=False) if cache and key else None
    if known is not None:
        return _generated(known)
    result, spec_sha256 = _build(config, bump["version"] if bump else None, cache)
    formatter = _Formatter(result.files, cache, spec_sha256)
    with tempfile.TemporaryDirectory(prefix="specforge-check-") as scratch:
        write_files(Path(scratch), result.files)
        formatter(Path(scratch))
    contents = {path: text.encode("utf-8") for path, text in formatter.formatted.items()}
    if cache is not None:
        if key:
            _remember(cache, key, result, formatter.formatted)
        cache.trim()
    return Generated(
        {path: hashlib.sha256(data).hexdigest() for path, data in contents.items()},
        result.summary(),
        result.warnings,
        contents,
    )


def package_contents(config: Config, generated: Generated) -> dict[str, bytes]:
    """Every file's bytes of `generated`: from the cache, else generated again without it."""
    if generated.contents is not None:
        return generated.contents
    cache = open_cache(config)
    if cache is not None:
        found = {path: cache.get_blob(sha256) for path, sha256 in generated.digests.items()}
        blobs = {path: data for path, data in found.items() if data is not None}
        if len(blobs) == len(found):
            return blobs
    return fresh_package(replace(config, cache_dir=None)).contents or {}


def _write(
    config: Config, target: Path, bump: dict[str, str] | None, cache: Cache | None
) -> tuple[GenerationResult, OutputReport, _Formatter]:
    result, spec_sha256 = _build(config, bump["version"] if bump else None, cache)
    formatter = _Formatter(result.files, cache, spec_sha256)
    report = write_package(
        target, result.files, write=write_files, format=formatter, manifest=_manifest(bump)
    )
    return result, report, formatter


def _manifest(bump: dict[str, str] | None) -> dict[str, Any] | None:
    return {BUMP: bump} if bump else None


def _package_key(config: Config, bump: dict[str, str] | None, cache: Cache | None) -> str:
    """The key of the package `config` gives ("" without a cache or readable spec bytes)."""
    if cache is None:
        return ""
    limits = config.limits
    try:
        with open(config.spec, "rb") as handle:
            data = handle.read(limits.spec_bytes + 1)
    except OSError:
        return ""
    if len(data) > limits.spec_bytes:
        return ""
    settings = {
        "spec_name": config.spec.name,
        "package": config.package,
        "output_name": config.output.name,
        "sdk_name": config.sdk_name,
        "api_key_env": config.api_key_env,
        "base_url_env": config.base_url_env,
        "idempotency_header": config.idempotency_header,
        "lenient": config.lenient,
        "allow_external_refs": config.allow_external_refs,
        "limits": caching.limits_key(limits),
        "version": bump["version"] if bump else "",
    }
    return caching.package_key(cache, data, settings)


def _remember(cache: Cache, key: str, result: GenerationResult, formatted: dict[str, str]) -> None:
    caching.write_package_entry(
        cache,
        key,
        {path: text.encode("utf-8") for path, text in formatted.items()},
        result.summary(),
        [(w.pointer, w.message) for w in result.warnings],
    )


def _generated(entry: caching.PackageEntry) -> Generated:
    return Generated(
        dict(entry.digests),
        entry.summary,
        [Warning_(pointer, message) for pointer, message in entry.warnings],
        dict(entry.contents) if entry.contents is not None else None,
    )


def write_files(root: Path, files: dict[str, str]) -> None:
    for relative, text in sorted(files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def _as_written(root: Path) -> None:
    """The format step for files that come formatted (from the cache)."""


def format_tree(root: Path, paths: Iterable[str] | None = None) -> None:
    """`ruff check --fix-only` then `ruff format`, with the generated project's own settings,
    on the whole tree or on `paths` (relative to it)."""
    ruff = [sys.executable, "-m", "ruff"]
    # The tree's own settings only: no cache, and no .gitignore of the folders above it.
    common = ["--no-cache", "--no-respect-gitignore", "--quiet"]
    targets = ["."] if paths is None else sorted(paths)
    with phase("format"):
        for args in (
            ["check", *common, "--fix-only", "--select", "F401,I", *targets],
            ["format", *common, *targets],
        ):
            done = subprocess.run(
                [*ruff, *args], cwd=root, capture_output=True, text=True, check=False
            )
            if done.returncode not in (0, 1):
                raise SpecforgeError(f"formatting the generated code failed: {done.stderr.strip()}")


class _Formatter:
    """The format step of a written tree: each Python file from the cache when it has it, ruff
    for the others (then kept); `formatted` ends up holding every file as written."""

    def __init__(self, files: dict[str, str], cache: Cache | None, spec_sha256: str) -> None:
        self.files = files
        self.formatted: dict[str, str] = {}
        self.known: caching.FormattedFiles | None = None
        if cache is not None:
            settings = _ruff_settings(files.get("pyproject.toml", ""))
            self.known = caching.FormattedFiles(cache, settings, spec_sha256)

    def __call__(self, root: Path) -> None:
        python = sorted(path for path in self.files if path.endswith(FORMATTED))
        self.formatted = {p: t for p, t in self.files.items() if not p.endswith(FORMATTED)}
        missed = list(python)
        if self.known is not None:
            missed = []
            for path in python:
                found = self.known.lookup(path, self.files[path])
                if found is None:
                    missed.append(path)
                    continue
                (root / path).write_bytes(found.encode("utf-8"))
                self.formatted[path] = found
        if missed:
            format_tree(root, None if len(missed) == len(python) else missed)
        for path in missed:
            text = (root / path).read_bytes().decode("utf-8")
            self.formatted[path] = text
            if self.known is not None:
                self.known.store(path, self.files[path], text)


def _ruff_settings(pyproject: str) -> str:
    """What ruff reads from the package's pyproject.toml, as text for a key."""
    try:
        data = tomllib.loads(pyproject)
    except tomllib.TOMLDecodeError:
        return pyproject
    tool, project = data.get("tool", {}), data.get("project", {})
    settings = {"ruff": tool.get("ruff"), "requires-python": project.get("requires-python")}
    return json.dumps(settings, sort_keys=True, default=str)


class _Renderer:
    def __init__(
        self,
        config: Config,
        spec: LoadedSpec,
        api: Api,
        document: dict[str, Any],
        version: str | None = None,
        cache: Cache | None = None,
    ) -> None:
        self.config = config
        self.spec = spec
        self.api = api
        self.document = document
        header_text = (
            f"Generated by specforge {__version__} from {spec.path.name} "
            f"(sha256 {spec.sha256}). Do not edit by hand."
        )
        version = version or package_version(api.version)
        self.context: dict[str, Any] = {
            "header_text": header_text,
            "distribution": config.package.replace("_", "-"),
            "sdk_name": config.sdk_name or api.title,
            "title": api.title,
            "api_version": api.version,
            "package_version": version,
            "spec_sha256": spec.sha256,
            "generator_version": __version__,
            "default_origin": api.default_origin,
            "auth_scheme": api.secured_scheme,
            "idempotency_header": config.idempotency_header,
            "output_name": config.output.name,
        }

    def _render(self, template: str, **extra: Any) -> str:
        from specforge.generator.render import COMMENTS, render, syntax_of
        from specforge.generator.views import FLAVOURS

        syntax = syntax_of(template)
        trusted = {
            "package": self.config.package,
            "api_key_env": self.config.api_key_env,
            "base_url_env": self.config.base_url_env,
            "log_env": log_env_name(self.config),
        }
        context = {
            **self.context,
            # Identifiers (checked again here): the same text is safe in Python and Markdown.
            **{
                k: Escaped(python_identifier(v), syntax)
                for k, v in trusted.items()
                if syntax != "toml"
            },
            "header": COMMENTS[syntax](self.context["header_text"]),
            "flavours": FLAVOURS,
            **extra,
        }
        if syntax == "toml":
            context["package"] = self.config.package
        return render(template, context)

    @property
    def header(self) -> str:
        """The first line of every generated Python file."""
        return "# " + python_comment(self.context["header_text"])

    def render(self, models: str) -> dict[str, str]:
        """Every file of the package; `models` is the models module (`models_module`)."""
        from specforge.generator.views import api_views, module_model_names

        package = f"src/{self.config.package}"
        views = api_views(self.api)
        classes = set(self.api.schema_classes.values())
        roots = [(name, views[name][0].class_name) for name in views]
        files = {
            "pyproject.toml": self._render(
                "package/pyproject.toml.jinja", dependencies=package_dependencies(models)
            ),
            "README.md": self._render("package/README.md.jinja", **self._readme()),
            f"{package}/__init__.py": self._render("package/src/__init__.py.jinja"),
            f"{package}/_version.py": self._render("package/src/_version.py.jinja"),
            f"{package}/_config.py": self._render(
                "package/src/_config.py.jinja",
                auth_kind=self.api.auth.kind if self.api.auth else "",
                auth_name=self.api.auth.name if self.api.auth else "",
            ),
            **{f"{package}/{name}": self._runtime_file(name) for name in RUNTIME_FILES},
            f"{package}/_client.py": self._render("package/src/_client.py.jinja", roots=roots),
            f"{package}/py.typed": "",
            f"{package}/_schemas.json": self._schemas_json(),
            f"{package}/models.py": models,
            f"{package}/resources/__init__.py": f'{self.header}\n"""Resource classes, one module per top-level resource."""\n',
        }
        for root, resource_views in views.items():
            files[f"{package}/resources/{root}.py"] = self._render(
                "package/src/resources/resource.py.jinja",
                root=root,
                views=resource_views,
                model_names=module_model_names(resource_views, classes),
                has_poller=any(v.poller for v in resource_views),
                exports=sorted(p + v.class_name for v in resource_views for p in ("", "Async")),
            )
        return files

    def _runtime_file(self, name: str) -> str:
        """A static runtime module, verbatim after the generated-file header."""
        return f"{self.header}\n{(RUNTIME / name).read_text(encoding='utf-8')}"

    def _schemas_json(self) -> str:
        parameters: dict[str, dict[str, Any]] = {}
        for op in self.api.operations:
            named = {p.name: p.schema for p in op.parameters if p.schema}
            if named:
                parameters[".".join((*op.resource, op.method_name))] = named
        payload = {
            "x-generated": self.context["header_text"],
            "components": {"schemas": self.api.schemas},
            "parameters": parameters,
        }
        return json_document(payload) + "\n"

    def model_input(self) -> tuple[dict[str, Any], str]:
        """What `generate_models` is given: the model document and the base class."""
        from specforge.generator.models import model_document, open_enum_refs

        classes = self.api.schema_classes
        responses = {
            ref_name(r.schema_pointer)
            for op in self.api.operations
            for r in op.responses
            if r.schema_pointer
        }
        open_components = _closure(responses, self.api.schemas)
        enum_components = {
            name
            for name, s in self.api.schemas.items()
            if isinstance(s, dict)
            and isinstance(s.get("enum"), list)
            and all(isinstance(v, str) for v in s["enum"])
        }
        document = model_document(self.api.schemas, classes, open_components)
        open_enum_refs(
            document, {classes[n] for n in enum_components}, {classes[n] for n in open_components}
        )
        return document, f"{self.config.package}._base_model.BaseModel"

    def models_module(self, source: str) -> str:
        """The models module, from the model generator's `source`."""
        body = re.sub(r"^# generated by datamodel-codegen:\n(#.*\n)*", "", source)
        return f'{self.header}\n"""Models for every schema of the spec."""\n\n{body}'

    def _readme(self) -> dict[str, Any]:
        """The README's snippets, written here so that each is escaped once, as a whole."""
        config = self.config
        origin = self.api.default_origin
        install = (
            f"pip install {shlex.quote('./' + config.output.name)}\nexport {config.api_key_env}=..."
        )
        usage = (
            f"from {config.package} import Client, AsyncClient\n\n"
            f"client = Client()  # reads {config.api_key_env}; base_url defaults to "
            + python_comment(origin or "(set base_url)")
        )
        return {"install_snippet": install, "usage_snippet": usage, "methods": self._examples()}

    def _examples(self) -> list[Any]:
        from specforge.generator.views import method_view

        examples = []
        for op in self.api.operations:
            view = method_view(op)
            args = [_example_value(a.hint) for a in view.positional]
            args += [
                f"{a.python_name}={_example_value(a.hint)}"
                for a in view.arguments
                if a.required and a not in view.positional
            ]
            call = f"client.{'.'.join(op.resource)}.{view.name}({', '.join(args)})"
            examples.append(
                {
                    "op": op,
                    "call": f"client.{'.'.join(op.resource)}.{view.name}",
                    "title": op.summary or f"{op.method} {op.full_path}",
                    "request_line": f"{op.method} {op.full_path}",
                    "example": f"result = {call}\nprint(result)",
                }
            )
        return examples


RUNTIME_DEPENDENCIES = ("httpx>=0.27", "pydantic>=2.11", "jsonschema>=4.23", "jsonschema-rs>=0.29")
# What a model module's imports need beyond the runtime's dependencies: a name imported from
# pydantic, or a module (`format: ulid` gives `from ulid import ULID`).
MODEL_EXTRAS = {
    "pydantic.EmailStr": "email-validator>=2",
    "pydantic.NameEmail": "email-validator>=2",
    "ulid": "python-ulid>=3",
    "pendulum": "pendulum>=3",
}
_IMPORT = re.compile(r"^(?:from\s+([\w.]+)\s+import\s+(\([^)]*\)|[^\n]*)|import\s+([\w.]+))", re.M)


def package_dependencies(models_source: str) -> list[str]:
    """What the generated package needs: the runtime's, plus what its models import."""
    imported: set[str] = set()
    for source, names, module in _IMPORT.findall(models_source):
        top = (source or module).split(".")[0]
        imported.add(top)
        imported.update(f"{top}.{name}" for name in re.findall(r"\w+", names))
    extras = {requirement for name, requirement in MODEL_EXTRAS.items() if name in imported}
    return [*RUNTIME_DEPENDENCIES, *sorted(extras)]


def _example_value(hint: str) -> str:
    first = hint.split(" | ")[0]
    if first.startswith("Literal["):
        return first[len("Literal[") :].split(",")[0].rstrip("]")
    return {"str": '"..."', "int": "1", "float": "1.0", "bool": "True", "bytes": 'b"..."'}.get(
        first, "[]" if first.startswith("list[") else "{}"
    )


def _closure(names: set[str], schemas: dict[str, Any]) -> set[str]:
    """Component names reachable by $ref from `names`."""
    from specforge.document.loader import iter_refs

    seen: set[str] = set()
    todo = [n for n in names if n]
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(ref_name(ref) for _, ref in iter_refs(schemas[name]) if ref_name(ref))
    return seen


__all__ = [
    "Generated",
    "GenerationResult",
    "build",
    "fresh_package",
    "generate",
    "generate_package",
    "json_types",
    "package_version",
    "recorded_bump",
]
