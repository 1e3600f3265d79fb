"""`specforge init` and the names derived from a spec when nothing is configured.

Titles of several shapes (3.0 and 3.1 documents; bearer, apiKey, basic, OAuth 2 and no scheme)
give valid, predictable names; an existing [tool.specforge] is only replaced with --force;
everything else in pyproject.toml (comments included) is kept; without any spec every command
says "no spec given" with exit 2; Ctrl-C while the CLI starts up exits 130 without a traceback.
"""

from __future__ import annotations

import keyword
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from specforge.cli import main
from specforge.cli.common import NAME_OPTIONS
from specforge.config import (
    NO_SPEC_MESSAGE,
    Config,
    derive_env_names,
    derive_package,
    derive_sdk_name,
    load_config,
)
from specforge.config import (
    settings as config_settings,
)
from tests.signals import interruptible

SCHEMES: dict[str, dict[str, Any]] = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-Key"},
    "basic": {"type": "http", "scheme": "basic"},
    "oauth2": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "https://auth.example/token", "scopes": {}}},
    },
}


def spec_document(title: str, version: str = "3.1.0", scheme: str = "") -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": version,
        "info": {"title": title, "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "responses": {
                        "200": {
                            "description": "The things.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "401": {"description": "No key."},
                    },
                }
            }
        },
    }
    if scheme:
        document["components"] = {"securitySchemes": {"Auth": SCHEMES[scheme]}}
        document["security"] = [{"Auth": []}]
    return document


def write_spec(folder: Path, document: dict[str, Any], name: str = "openapi.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def table(folder: Path) -> dict[str, Any]:
    data = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    section = data["tool"]["specforge"]
    assert isinstance(section, dict)
    return section


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder, the current one, with no pyproject.toml above it."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    assert load_config(project) == Config() or not (tmp_path / "pyproject.toml").exists()
    return project


# -- names from several titles --------------------------------------------------------------------
CASES = [
    # title, OpenAPI version, scheme, package, SDK name, API key variable
    ("Acme Projects API", "3.1.0", "apiKey", "acme_projects", "Acme Projects", "API_KEY"),
    ("Together Videos", "3.0.3", "bearer", "together_videos", "Together Videos", "API_KEY"),
    ("Together APIs", "3.1.0", "bearer", "together", "Together", "API_KEY"),
    ("URLs Shortener", "3.0.3", "apiKey", "urls_shortener", "URLs Shortener", "API_KEY"),
    ("Billing Service", "3.0.3", "basic", "billing_service", "Billing Service", "CREDENTIALS"),
    ("Photo Hub API v2", "3.1.0", "oauth2", "photo_hub", "Photo Hub", "ACCESS_TOKEN"),
    ("The Swagger Petstore", "3.0.3", "", "petstore", "The Swagger Petstore", "API_KEY"),
    ("Café Señor REST API", "3.1.0", "bearer", "cafe_senor", "Café Señor", "API_KEY"),
    ("3D Printer API", "3.1.0", "apiKey", "api_3d_printer", "3D Printer", "API_KEY"),
    ("class", "3.0.3", "bearer", "class_api", "class", "API_KEY"),
    ("JSON API", "3.1.0", "", "json_api", "JSON", "API_KEY"),
    ("日本語 API", "3.1.0", "bearer", "api_client", "日本語", "API_KEY"),
    ("", "3.0.3", "apiKey", "api_client", "Api Client", "API_KEY"),
]


@pytest.mark.parametrize(
    ("title", "version", "scheme", "package", "sdk_name", "suffix"),
    CASES,
    ids=[case[0] or "(empty)" for case in CASES],
)
def test_init_derives_names_from_the_spec(
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    title: str,
    version: str,
    scheme: str,
    package: str,
    sdk_name: str,
    suffix: str,
) -> None:
    write_spec(folder, spec_document(title, version, scheme))
    assert main(["init"]) == 0  # finds ./openapi.yaml by itself
    prefix = package.upper()
    assert table(folder) == {
        "spec": "openapi.yaml",
        "package": package,
        "output": package,
        "sdk_name": sdk_name,
        "api_key_env": f"{prefix}_{suffix}",
        "base_url_env": f"{prefix}_BASE_URL",
    }
    out = capsys.readouterr().out
    assert f"created {folder / 'pyproject.toml'}" in out
    assert "specforge generate" in out and f"pip install ./{package}" in out
    # The file it wrote is what every command reads.
    config = load_config(folder)
    assert (config.package, config.output, config.spec) == (
        package,
        folder / package,
        folder / "openapi.yaml",
    )
    assert config.derived == frozenset()


def test_the_package_init_names_generates_and_imports(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec(folder, spec_document("Acme Projects API", "3.1.0", "apiKey"))
    assert main(["init"]) == 0
    assert main(["check", "--package", "acme_projects"]) == 1  # nothing generated yet
    assert (
        f"{folder / 'acme_projects'} does not exist yet: run "
        "'specforge generate --package acme_projects' and commit it." in capsys.readouterr().err
    )
    assert main(["generate"]) == 0
    assert main(["check"]) == 0
    source = folder / "acme_projects" / "src" / "acme_projects" / "_config.py"
    text = source.read_text(encoding="utf-8").replace('"', "'")
    assert "API_KEY_ENV = 'ACME_PROJECTS_API_KEY'" in text
    assert "SDK_NAME = 'Acme Projects'" in text
    assert "is up to date" in capsys.readouterr().out


def test_init_writes_the_cache_folder_and_refuses_no_cache(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec(folder, spec_document("Acme Projects API", "3.1.0", "apiKey"), "api.yaml")
    assert main(["init", "--spec", "api.yaml", "--no-cache"]) == 2
    assert "--no-cache" in capsys.readouterr().err and not (folder / "pyproject.toml").exists()
    assert main(["init", "--spec", "api.yaml", "--cache-dir", ".sf-cache"]) == 0
    assert table(folder)["cache_dir"] == ".sf-cache"
    assert load_config(folder).cache_dir == folder / ".sf-cache"


def test_flags_override_what_init_derives(folder: Path) -> None:
    write_spec(folder, spec_document("Acme Projects API", "3.1.0", "apiKey"), "api.yaml")
    assert (
        main(
            [
                *("init", "--spec", "api.yaml", "--package", "acme", "--output", "sdk/acme"),
                *("--sdk-name", "Acme", "--api-key-env", "ACME_TOKEN"),
                *("--idempotency-header", "Idem-Key", "--lenient"),
            ]
        )
        == 0
    )
    assert table(folder) == {
        "spec": "api.yaml",
        "package": "acme",
        "output": "sdk/acme",
        "sdk_name": "Acme",
        "api_key_env": "ACME_TOKEN",
        "base_url_env": "ACME_BASE_URL",
        "idempotency_header": "Idem-Key",
        "lenient": True,
    }


# -- pyproject.toml: never replaced, never losing content -------------------------------------------
RICH_PYPROJECT = """\
# The Acme service (hand-written comment at the top)
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "acme-service"   # trailing comment
version = "1.2.3"
dependencies = [
    "httpx>=0.27",  # one per line
    "pydantic>=2",
]

[tool.ruff]
line-length = 100

[tool.ruff.lint]
select = ["E", "F"]

[project.optional-dependencies]
dev = ["pytest"]

[tool.mypy]
strict = true
"""


def test_other_pyproject_content_is_kept(folder: Path) -> None:
    pyproject = folder / "pyproject.toml"
    pyproject.write_text(RICH_PYPROJECT, encoding="utf-8")
    write_spec(folder, spec_document("Acme Projects API", "3.1.0", "apiKey"))
    assert main(["init"]) == 0
    after = pyproject.read_text(encoding="utf-8")
    before_data, after_data = tomllib.loads(RICH_PYPROJECT), tomllib.loads(after)
    assert after_data["tool"].pop("specforge")["package"] == "acme_projects"
    assert after_data == before_data
    lines = iter(after.splitlines())
    assert all(any(line == seen for seen in lines) for line in RICH_PYPROJECT.splitlines())


def test_an_existing_table_is_refused_without_force(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = folder / "pyproject.toml"
    original = (
        '[project]\nname = "x"\n\n[tool.specforge]\n# ours\nspec = "old.yaml"\npackage = "old"\n'
        'lint_ignore = ["missing-4xx-response"]\n\n[tool.specforge.limits]\nenum-values = 20000\n'
    )
    pyproject.write_text(original, encoding="utf-8")
    write_spec(folder, spec_document("Acme Projects API", "3.1.0", "apiKey"))
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert "already has a [tool.specforge] table" in err and "--force" in err
    assert pyproject.read_text(encoding="utf-8") == original

    assert main(["init", "--force"]) == 0
    section = table(folder)
    assert section["package"] == "acme_projects" and section["spec"] == "openapi.yaml"
    assert section["lint_ignore"] == ["missing-4xx-response"]  # kept
    assert section["limits"] == {"enum-values": 20000}  # kept
    text = pyproject.read_text(encoding="utf-8")
    assert "# ours" in text and text.startswith('[project]\nname = "x"\n')
    assert "updated" in capsys.readouterr().out


def test_invalid_toml_is_refused_and_left_alone(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = folder / "pyproject.toml"
    pyproject.write_text("[project\nname = 1\n", encoding="utf-8")
    write_spec(folder, spec_document("Acme"))
    assert main(["init"]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert pyproject.read_text(encoding="utf-8") == "[project\nname = 1\n"


def test_no_spec_found_and_several_found(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 2
    assert "no spec given: pass --spec PATH" in capsys.readouterr().err
    write_spec(folder, spec_document("One"))
    (folder / "spec").mkdir()
    write_spec(folder / "spec", spec_document("Two"), "openapi.json")
    assert main(["init"]) == 2
    assert "several specs here" in capsys.readouterr().err
    assert not (folder / "pyproject.toml").exists()


def test_what_is_not_an_openapi_document_is_refused(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "openapi.yaml").write_text("swagger: '2.0'\ninfo: {title: Old, version: '1'}\n")
    assert main(["init"]) == 2
    assert "invalid spec" in capsys.readouterr().err
    assert not (folder / "pyproject.toml").exists()


# -- without any configuration ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["generate"],
        ["check"],
        ["lint"],
        ["mock"],
        ["conform"],
        ["gate", "--base", "HEAD"],
    ],
    ids=lambda command: command[0],
)
def test_no_spec_anywhere_is_a_clear_usage_error(
    folder: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main(command) == 2
    err = capsys.readouterr().err
    assert f"specforge {command[0]}: {NO_SPEC_MESSAGE}" in err
    assert "together" not in err.lower() and "Traceback" not in err


def test_generate_without_config_names_the_package_after_the_spec(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec(folder, spec_document("Acme Projects API", "3.1.0", "apiKey"), "acme.yaml")
    assert main(["generate", "--spec", "acme.yaml"]) == 0
    captured = capsys.readouterr()
    assert "generated acme_projects: " in captured.out  # ./acme_projects: no pyproject.toml
    assert "'specforge init' writes them to pyproject.toml" in captured.err
    readme = (folder / "acme_projects" / "README.md").read_text(encoding="utf-8")
    assert "export ACME_PROJECTS_API_KEY=..." in readme
    assert "TOGETHER" not in readme
    assert main(["validate", "--spec", "acme.yaml"]) == 0


def test_a_new_spec_or_package_derives_the_names_again(folder: Path) -> None:
    first = write_spec(folder, spec_document("Acme Projects API", "3.1.0", "apiKey"), "a.yaml")
    second = write_spec(folder, spec_document("Billing", "3.0.3", "basic"), "b.yaml")
    config = Config(spec=first)
    assert (config.package, config.api_key_env) == ("acme_projects", "ACME_PROJECTS_API_KEY")
    config = config.with_overrides(spec=second)
    assert (config.package, config.output, config.api_key_env, config.sdk_name) == (
        "billing",
        Path("billing"),
        "BILLING_CREDENTIALS",
        "Billing",
    )
    config = config.with_overrides(package="invoices")
    assert (config.output, config.base_url_env) == (Path("invoices"), "INVOICES_BASE_URL")
    kept = Config(spec=first, package="mine", api_key_env="MY_KEY").with_overrides(spec=second)
    assert (kept.package, kept.api_key_env, kept.base_url_env) == (
        "mine",
        "MY_KEY",
        "MINE_BASE_URL",
    )


def test_every_naming_setting_is_a_flag_of_generate_check_and_gate() -> None:
    from specforge.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    # tables (lint ignores, pagination overrides) are set in pyproject.toml only
    wanted = {"--" + key.replace("_", "-") for key in config_settings()}
    wanted -= {"--lint-ignore", "--pagination"}
    wanted = (wanted - {"--limits"}) | {"--limit"}
    for name in ("generate", "check", "gate", "init"):
        flags = {flag for action in commands[name]._actions for flag in action.option_strings}
        assert wanted <= flags, (name, wanted - flags)
    assert {"--" + key.replace("_", "-") for key in NAME_OPTIONS} <= wanted


# -- derived names are valid for any title ------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120), st.text(max_size=40))
def test_derived_names_are_always_valid(title: str, stem: str) -> None:
    package = derive_package(title, stem)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", package) and len(package) <= 44
    assert package.isidentifier() and not keyword.iskeyword(package)
    assert not keyword.issoftkeyword(package) and package not in sys.stdlib_module_names
    for name in derive_env_names(package, "bearer") + derive_env_names(package, "basic"):
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name)
    sdk_name = derive_sdk_name(title, package)
    assert sdk_name and "\n" not in sdk_name and sdk_name == sdk_name.strip()
    Config(package=package, sdk_name=sdk_name).check()


# -- Ctrl-C ----------------------------------------------------------------------------------------------
def test_ctrl_c_while_starting_up_exits_130_without_a_traceback(tmp_path: Path) -> None:
    script = (
        "import os, signal, sys\n"
        "import specforge.cli as cli\n"
        "real = cli.build_parser\n"
        "def interrupted():\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real()\n"
        "cli.build_parser = interrupted\n"
        "sys.exit(cli.main(['validate']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "SPECFORGE_TRACEBACK"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=interruptible,
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr


# -- the names come from a light read of the spec, the same as from a full load ------------------------
def _facts_of(document: dict[str, Any]) -> tuple[str, str]:
    from specforge.config import _auth

    info = document.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    return (title.strip() if isinstance(title, str) else "", _auth(document))


FIXTURES = Path(__file__).parent / "fixtures"
SPECS = [
    *sorted(path for pattern in ("*.yaml", "*.json") for path in FIXTURES.rglob(pattern)),
    Path(__file__).parent.parent / "spec" / "together-videos.yaml",
]


@pytest.mark.parametrize("spec", SPECS, ids=[path.name for path in SPECS])
def test_the_event_stream_read_gives_what_a_full_load_gives(spec: Path) -> None:
    from specforge.config import _skeleton
    from specforge.document.errors import SpecError
    from specforge.document.limits import Limits
    from specforge.document.loader import load_spec

    try:
        full = load_spec(spec).document
    except SpecError:
        pytest.skip("not loadable (a fixture of a refused spec)")
    light = _skeleton(spec, Limits())
    if light is not None:  # None: not plain (aliases, several documents), the full load decides
        assert _facts_of(light) == _facts_of(full)


def test_what_the_light_read_cannot_take_goes_to_the_full_load(tmp_path: Path) -> None:
    from specforge.config import _skeleton
    from specforge.document.limits import Limits

    aliased = tmp_path / "aliased.yaml"
    aliased.write_text(
        "openapi: 3.1.0\ninfo: &i {title: Anchored, version: '1'}\nx-copy: *i\npaths: {}\n"
    )
    several = tmp_path / "several.yaml"
    several.write_text("openapi: 3.1.0\n---\nopenapi: 3.0.3\n")
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    big = tmp_path / "big.yaml"
    big.write_text("openapi: 3.1.0\ninfo: {title: Big, version: '1'}\npaths: {}\n")
    for path, limits in [
        (aliased, Limits()),
        (several, Limits()),
        (fifo, Limits()),
        (tmp_path / "missing.yaml", Limits()),
        (big, Limits(spec_bytes=10)),
    ]:
        assert _skeleton(path, limits) is None, path
    assert Config(spec=aliased).package == "anchored"  # from the full load
    refused = Config(spec=big, limits=Limits(spec_bytes=10))
    assert refused.spec_error is not None and "spec-bytes" in str(refused.spec_error)
