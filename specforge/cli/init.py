"""`specforge init`: write a [tool.specforge] table for a spec into ./pyproject.toml."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from specforge.cli.common import NAME_OPTIONS, add_spec_options, overrides
from specforge.config import NO_SPEC_MESSAGE, Config, load_config
from specforge.document.errors import ConfigError

# Where a spec usually is, in the order they are tried when --spec is not given.
CANDIDATES = tuple(
    f"{folder}openapi.{suffix}"
    for folder in ("", "spec/", "api/", "docs/")
    for suffix in ("yaml", "yml", "json")
)
# The keys `init` writes, in the order it writes them.
KEYS = ("spec", *NAME_OPTIONS, "lenient", "allow_external_refs")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "init",
        help="write a [tool.specforge] table for your spec into pyproject.toml",
        description="Derive the package name, SDK name and environment variable names from "
        "the spec (its info.title and security scheme; each can be set with its flag) and "
        "write them, with the spec's path, as [tool.specforge] into pyproject.toml in the "
        "current folder: the file is made if absent, and nothing else in it changes. An "
        "existing [tool.specforge] is left alone unless --force (which replaces the keys "
        "init writes and keeps the others, such as lint_ignore and limits).",
    )
    add_spec_options(parser, output=True)
    parser.add_argument(
        "--force", action="store_true", help="replace an existing [tool.specforge] table's names"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import tomlkit

    folder = Path.cwd()
    pyproject = folder / "pyproject.toml"
    text = _read(pyproject)
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as error:
        raise ConfigError(f"{pyproject}: not valid TOML: {error}") from None
    tool = document.get("tool")
    if tool is not None and not isinstance(tool, dict):
        raise ConfigError(f"{pyproject}: 'tool' is not a table; [tool.specforge] cannot go in it")
    existing = tool.get("specforge") if tool is not None else None
    if existing is not None and not isinstance(existing, dict):
        raise ConfigError(f"{pyproject}: tool.specforge is not a table; make it one by hand")
    if existing is not None and not args.force:
        raise ConfigError(
            f"{pyproject} already has a [tool.specforge] table (spec = "
            f"{existing.get('spec', '(none)')!r}); it is left as it is: edit it, or pass "
            "--force to replace the names init writes"
        )
    if getattr(args, "no_cache", False):
        raise ConfigError(
            "init writes settings, and --no-cache is none: pass it to generate or check "
            "(init --cache-dir DIR writes where they keep their cache)"
        )
    spec = args.spec or _find_spec(folder)
    values = overrides(args)
    values["spec"] = spec
    values["cache_dir"] = getattr(args, "cache_dir", None)
    config = _config(folder, spec, args, values)
    written = _settings(config, folder, values)
    if existing is not None:
        for key, value in written.items():
            existing[key] = value
    else:
        table = tomlkit.table()
        for key, value in written.items():
            table.add(key, value)
        table.add(tomlkit.nl())
        if tool is not None:
            tool["specforge"] = table
        else:
            holder = tomlkit.table(is_super_table=True)
            holder.add("specforge", table)
            document.add("tool", holder)
    new_text = tomlkit.dumps(document)
    if new_text.endswith("\n\n") and not text.endswith("\n\n"):
        new_text = new_text[:-1]  # the blank line that ends the table, when nothing follows it
    _check_nothing_else_changed(pyproject, text, new_text, replaced=existing is not None)
    _write(pyproject, new_text)
    shown = tomlkit.dumps({"tool": {"specforge": written}}).strip()
    verb = "updated" if existing is not None else ("added" if text else "created")
    print(f"{verb} {pyproject} with:\n\n{shown}\n")
    _next_steps(config, folder)
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None


def _find_spec(folder: Path) -> Path:
    found = [Path(name) for name in CANDIDATES if (folder / name).is_file()]
    if not found:
        raise ConfigError(
            f"{NO_SPEC_MESSAGE.partition(':')[0]}: pass --spec PATH "
            f"(none of {', '.join(CANDIDATES[:3])}, spec/openapi.yaml, ... is here)"
        )
    if len(found) > 1:
        raise ConfigError(
            f"several specs here ({', '.join(map(str, found))}): pass --spec PATH to choose"
        )
    return found[0]


def _config(folder: Path, spec: Path, args: argparse.Namespace, values: dict[str, Any]) -> Config:
    """The settings `init` writes: the given ones, the others derived from the spec."""
    from specforge.cli.common import with_limits
    from specforge.document.document import load_document

    base = with_limits(load_config(folder), args)
    config = Config(limits=base.limits, root=folder).with_overrides(**values)
    if config.spec_error is not None:
        raise config.spec_error
    # Refuse what is not an OpenAPI 3.0/3.1 document; validator findings only get a note.
    document = load_document(
        config.spec,
        lenient=True,
        allow_external_refs=config.allow_external_refs,
        limits=config.limits,
    )
    if document.findings and not config.lenient:
        print(
            f"note: {spec} has {len(document.findings)} validator finding(s): "
            "'specforge validate' lists them; fix them, or pass --lenient to accept them",
            file=sys.stderr,
        )
    return config


def _relative(path: Path, folder: Path) -> str:
    """`path` as written in pyproject.toml: relative to its folder when inside it."""
    absolute = Path(os.path.abspath(folder / path))
    try:
        return absolute.relative_to(folder).as_posix()
    except ValueError:
        return absolute.as_posix()


def _settings(config: Config, folder: Path, given: dict[str, Any]) -> dict[str, Any]:
    written: dict[str, Any] = {
        "spec": _relative(config.spec, folder),
        "package": config.package,
        "output": _relative(config.output, folder),
        "sdk_name": config.sdk_name,
        "api_key_env": config.api_key_env,
        "base_url_env": config.base_url_env,
    }
    if config.idempotency_header:
        written["idempotency_header"] = config.idempotency_header
    if given.get("cache_dir"):
        written["cache_dir"] = _relative(Path(str(given["cache_dir"])).expanduser(), folder)
    for flag in ("lenient", "allow_external_refs"):
        if given.get(flag):
            written[flag] = True
    return written


def _check_nothing_else_changed(pyproject: Path, old: str, new: str, *, replaced: bool) -> None:
    """Refuse to write unless `new` means what `old` did (bar [tool.specforge]) and, unless a
    table was `replaced`, keeps each of its lines (comments too), in order."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    before, after = tomllib.loads(old), tomllib.loads(new)
    for data in (before, after):
        data.get("tool", {}).pop("specforge", None)
        if data.get("tool") == {}:
            del data["tool"]
    lines = iter(new.splitlines())
    kept = replaced or all(
        any(line == candidate for candidate in lines) for line in old.splitlines()
    )
    if before != after or not kept:
        raise ConfigError(
            f"{pyproject}: adding [tool.specforge] would change other settings; add the "
            "table by hand (run 'specforge init' in an empty folder to see it)"
        )


def _write(path: Path, text: str) -> None:
    """Replace `path` in one step (a temporary file beside it, then a rename), keeping its mode."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pyproject-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _next_steps(config: Config, folder: Path) -> None:
    output = _relative(config.output, folder)
    install = shlex.quote(output if output.startswith("/") else f"./{output}")
    steps = [
        ("specforge generate", f"write the SDK into {output}/"),
        (f"pip install {install}", f"install it; it reads {config.api_key_env}"),
        ("specforge check", f"fail when {output}/ is stale (for CI)"),
        ("specforge lint", "findings beyond validity"),
        ("specforge mock", "serve a mock of the API (needs specforge[conformance])"),
        ("specforge conform", "run the conformance suite against the mock or --base-url"),
        ("specforge gate --base origin/main", "what a pull request must pass"),
    ]
    width = max(len(command) for command, _ in steps)
    print("next:")
    for command, what in steps:
        print(f"  {command:<{width}}  # {what}")
