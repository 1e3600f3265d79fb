"""The generation pipeline: spec file -> validated document -> model -> rendered files."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specforge import __version__
from specforge.config import Config
from specforge.document.document import SpecDocument, load_document
from specforge.document.errors import Finding, SpecforgeError
from specforge.document.limits import phase
from specforge.document.loader import LoadedSpec
from specforge.document.schemas import json_types, ref_name
from specforge.generator.escaping import Escaped, json_document, python_comment, python_identifier
from specforge.generator.ir import Api, Warning_
from specforge.generator.models import generate_models, model_document, open_enum_refs
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
from specforge.generator.parse import build_api
from specforge.generator.render import COMMENTS, render, syntax_of
from specforge.generator.views import (
    FLAVOURS,
    api_views,
    method_view,
    module_model_names,
)

_PEP440 = re.compile(r"\d+(\.\d+)*([abc]|rc)?\d*")
# The package's runtime: plain modules copied verbatim; per-API values live in `_config.py`.
RUNTIME = Path(__file__).resolve().parent / "runtime"
RUNTIME_FILES = ("_runtime.py", "_validation.py", "_exceptions.py", "_base_model.py")


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


def load_config_document(config: Config) -> SpecDocument:
    """The configured spec as a document; validator findings refuse it unless lenient."""
    return load_document(
        config.spec,
        lenient=config.lenient,
        allow_external_refs=config.allow_external_refs,
        limits=config.limits,
    )


def build(config: Config, version: str | None = None) -> GenerationResult:
    """Render every file of the package in memory (unformatted); `version` is the package's
    version (default: `package_version` of the spec's info.version)."""
    loaded = load_config_document(config)
    spec, document = loaded.spec, loaded.normalized
    api = build_api(document, idempotency_header=config.idempotency_header, limits=config.limits)
    with phase("render", config.limits, spec.source):
        files = _Renderer(config, spec, api, document, version).render()
    return GenerationResult(files=files, api=api, findings=list(loaded.findings))


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
    return generate_package(config, output)[0]


def generate_package(
    config: Config, output: Path | None = None, bump: dict[str, str] | None = None
) -> tuple[GenerationResult, OutputReport]:
    """`generate`, also saying what writing kept, removed or recovered (see specforge.generator.output).

    `bump` (keys BUMP_KEYS) sets the package's version and is recorded in the manifest; without
    it, the bump config.output's manifest records (if any) is kept, so that writing elsewhere
    (`check`'s scratch folder) gives what the committed package holds."""
    config = config.with_overrides(output=normal_output(config.output))
    target = checked_output(output or config.output, config.spec)
    if bump is None:
        bump = recorded_bump(config.output)
    result = build(config, bump["version"] if bump else None)
    report = write_package(
        target,
        result.files,
        write=write_files,
        format=format_tree,
        manifest={BUMP: bump} if bump else None,
    )
    return result, report


def write_files(root: Path, files: dict[str, str]) -> None:
    for relative, text in sorted(files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def format_tree(root: Path) -> None:
    """`ruff check --fix` then `ruff format`, with the generated project's own settings."""
    ruff = [sys.executable, "-m", "ruff"]
    # The tree's own settings only: no cache, and no .gitignore of the folders above it.
    common = ["--no-cache", "--no-respect-gitignore", "--quiet"]
    with phase("format"):
        for args in (
            ["check", *common, "--fix-only", "--select", "F401,I", "."],
            ["format", *common, "."],
        ):
            done = subprocess.run(
                [*ruff, *args], cwd=root, capture_output=True, text=True, check=False
            )
            if done.returncode not in (0, 1):
                raise SpecforgeError(f"formatting the generated code failed: {done.stderr.strip()}")


class _Renderer:
    def __init__(
        self,
        config: Config,
        spec: LoadedSpec,
        api: Api,
        document: dict[str, Any],
        version: str | None = None,
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
        syntax = syntax_of(template)
        trusted = {
            "package": self.config.package,
            "api_key_env": self.config.api_key_env,
            "base_url_env": self.config.base_url_env,
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

    def render(self) -> dict[str, str]:
        package = f"src/{self.config.package}"
        views = api_views(self.api)
        classes = set(self.api.schema_classes.values())
        roots = [(name, views[name][0].class_name) for name in views]
        models = self._models()
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

    def _models(self) -> str:
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
        base = f"{self.config.package}._base_model.BaseModel"
        source = generate_models(document, base, self.config.limits)
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
# Pydantic types that need an optional dependency, as the models module names them.
MODEL_EXTRAS = {
    "EmailStr": "email-validator>=2",
    "NameEmail": "email-validator>=2",
}


def package_dependencies(models_source: str) -> list[str]:
    """What the generated package needs: the runtime's, plus what its models use."""
    used = set(re.findall(r"\b[A-Z][A-Za-z]+\b", models_source))
    extras = {requirement for name, requirement in MODEL_EXTRAS.items() if name in used}
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
    "GenerationResult",
    "build",
    "generate",
    "json_types",
    "package_version",
    "recorded_bump",
]
