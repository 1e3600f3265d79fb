"""Options shared by the sub-commands that read a spec, and what they need installed."""

from __future__ import annotations

import argparse
import importlib.util
import shlex
from dataclasses import replace
from pathlib import Path

from specforge.config import NO_SPEC_MESSAGE, Config, load_config
from specforge.document import limits
from specforge.document.errors import ConfigError
from specforge.generator.cache import ENV_DIR, resolve_dir

# The settings that name things in the generated package: [tool.specforge] key -> flag help.
NAME_OPTIONS = {
    "package": ("NAME", "import name of the generated package (default: from the spec's title)"),
    "output": ("DIR", "folder of the generated package project (default: the package name)"),
    "sdk_name": ("TEXT", "name the SDK goes by in its README and docstrings (default: the title)"),
    "api_key_env": (
        "VAR",
        "environment variable the client reads its key from (default: "
        "PACKAGE_API_KEY, or _ACCESS_TOKEN / _CREDENTIALS by security scheme)",
    ),
    "base_url_env": (
        "VAR",
        "environment variable that overrides the base URL (default: PACKAGE_BASE_URL)",
    ),
    "idempotency_header": (
        "NAME",
        "header carrying one key across retried POSTs (default: "
        "the spec's x-idempotency-header or Idempotency-Key parameter)",
    ),
}
# The cache's flags (of the commands with the naming flags).
CACHE_OPTIONS = ("cache_dir", "no_cache")
# Sub-commands that need the `conformance` extra, and the modules it brings.
EXTRAS = {
    "mock": ("uvicorn", "httptools"),
    "conform": ("pytest", "hypothesis", "schemathesis", "uvicorn", "httptools"),
}


def add_spec_options(parser: argparse.ArgumentParser, *, output: bool = False) -> None:
    """`--spec`, `--lenient`, `--allow-external-refs`, `--limit` (and, with `output`, a flag
    for every naming setting: `--package`, `--output`, `--sdk-name`, `--api-key-env`, ...)."""
    parser.add_argument(
        "--spec",
        type=Path,
        metavar="PATH",
        help="OpenAPI 3.0/3.1 document, YAML or JSON (default: [tool.specforge] spec)",
    )
    if output:
        add_name_options(parser)
        add_cache_options(parser)
    parser.add_argument(
        "--lenient",
        action="store_true",
        default=None,
        help="report validator findings as warnings and go on (default: refuse an invalid spec)",
    )
    parser.add_argument(
        "--allow-external-refs",
        action="store_true",
        default=None,
        help="accept non-local $refs (they are never fetched; default: refuse them)",
    )
    add_limit_option(parser)


def add_name_options(parser: argparse.ArgumentParser) -> None:
    """One flag per naming setting; each overrides its [tool.specforge] key."""
    for key, (metavar, text) in NAME_OPTIONS.items():
        parser.add_argument(
            "--" + key.replace("_", "-"),
            dest=key,
            type=Path if key == "output" else str,
            metavar=metavar,
            help=f"{text}; [tool.specforge] {key}",
        )


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    """`--cache-dir DIR` and `--no-cache`: where generation keeps what it can reuse."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--cache-dir",
        dest="cache_dir",
        type=Path,
        metavar="DIR",
        help="keep the validator's findings, the models, the formatted files and whole "
        "packages in DIR and reuse them (the output is the same bytes; default: "
        f"${ENV_DIR}, else [tool.specforge] cache_dir, else ~/.cache/specforge)",
    )
    group.add_argument(
        "--no-cache",
        dest="no_cache",
        action="store_true",
        default=None,
        help="neither read nor write the cache",
    )


def add_limit_option(parser: argparse.ArgumentParser) -> None:
    """`--limit NAME=VALUE`, repeatable: raise (or lower) one of the bounds on the spec."""
    names = ", ".join(f"{name} ({default})" for name, default, _ in limits.describe())
    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change a limit (repeatable; comma-separated lists work too; also "
        f"[tool.specforge.limits] in pyproject.toml). Limits and defaults: {names}",
    )


def with_limits(config: Config, args: argparse.Namespace) -> Config:
    """`config` with the `--limit` values applied; they become the limits in force."""
    values = limits.parse_assignments(getattr(args, "limit", None) or [])
    if values:
        config = config.with_overrides(limits=config.limits.updated(values, "--limit"))
    limits.use(config.limits)
    return config


def overrides(args: argparse.Namespace) -> dict[str, object]:
    """The settings given on the command line (None where not given)."""
    keys = ("spec", *NAME_OPTIONS, "lenient", "allow_external_refs")
    return {key: getattr(args, key, None) for key in keys}


def config_from(args: argparse.Namespace) -> Config:
    """[tool.specforge] with the command-line options applied on top; ConfigError without a
    spec, the spec's own error when the names to derive from it cannot be read."""
    base = load_config()
    values = limits.parse_assignments(getattr(args, "limit", None) or [])
    config = base.with_overrides(
        **overrides(args), limits=base.limits.updated(values, "--limit") if values else None
    )
    limits.use(config.limits)
    if hasattr(args, "no_cache"):  # a command that generates: the cache in force
        folder = resolve_dir(args.cache_dir, config.cache_dir, disabled=bool(args.no_cache))
        config = replace(config, cache_dir=folder)
    if not config.has_spec:
        raise ConfigError(NO_SPEC_MESSAGE)
    if config.spec_error is not None:
        raise config.spec_error
    return config


def command_flags(args: argparse.Namespace, *, names: bool = True) -> list[str]:
    """The settings given on the command line, as flags again (without the naming flags when
    not `names`), for another specforge command that should read the same settings."""
    flags: list[str] = []
    given = {**overrides(args), **{key: getattr(args, key, None) for key in CACHE_OPTIONS}}
    for key, value in given.items():
        if key in (*NAME_OPTIONS, *CACHE_OPTIONS) and not names:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif value not in (None, False):
            flags += [flag, str(value)]
    for assignment in getattr(args, "limit", None) or []:
        flags += ["--limit", assignment]
    return flags


def generate_command(args: argparse.Namespace) -> str:
    """The `specforge generate` command line that writes what this command checked."""
    return shlex.join(["specforge", "generate", *command_flags(args)])


def missing_extra(command: str) -> str:
    """A message when `specforge <command>` needs an extra that is not installed, else ""."""
    missing = [name for name in EXTRAS.get(command, ()) if importlib.util.find_spec(name) is None]
    if not missing:
        return ""
    return (
        f"this command needs the conformance extra ({', '.join(missing)} not installed): "
        "pip install 'specforge[conformance]'"
    )
