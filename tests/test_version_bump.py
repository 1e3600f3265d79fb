"""The suggested SDK version and `specforge generate --bump-from BASE [--changelog]`: the bumped
version in pyproject.toml and __version__, recorded in the manifest so that check and a plain
generate keep it, the same bytes on a second run, the changelog a user file only added to, and a
bumped package that installs and imports."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from specforge.gate.changelog import PREAMBLE, prepended
from specforge.gate.semver import Version, VersionError, applied
from specforge.generator.output import MANIFEST

PAIRS = Path(__file__).parent / "fixtures" / "diff"
BASE = PAIRS / "base.yaml"  # info.version 1.0.0
ADDED = PAIRS / "property-added.yaml"  # an optional request property: minor
BREAKING = PAIRS / "parameter-required.yaml"  # an optional parameter made required: major
NAMES = ["--output", "pkg", "--package", "pets"]


# -- the rules -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "level", "bumped"),
    [
        ("1.2.3", "major", "2.0.0"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "patch", "1.2.4"),
        ("1.2.3", "none", "1.2.3"),
        ("1.2", "patch", "1.2.1"),
        ("2", "minor", "2.1.0"),
        ("1.2.3.4", "patch", "1.2.4"),
        ("v2.0.0", "minor", "2.1.0"),
        ("1.3.0rc1", "minor", "1.3.0"),
        ("1.3.0rc1", "patch", "1.3.0"),
        ("1.3.0rc1", "major", "2.0.0"),
        ("1.0.0rc1", "major", "1.0.0"),
        ("1.3.1-beta.2", "minor", "1.4.0"),
        ("0.3.1", "minor", "0.4.0"),
    ],
)
def test_bumps(version: str, level: str, bumped: str) -> None:
    assert str(Version.parse(version).bumped(level)) == bumped  # type: ignore[arg-type]


def test_zero_major_turns_breaking_into_minor() -> None:
    assert applied("major", Version.parse("0.9.0")) == "minor"
    assert applied("minor", Version.parse("0.9.0")) == "minor"
    assert applied("major", Version.parse("1.0.0")) == "major"


@pytest.mark.parametrize("text", ["", "next", "1.x", "2024-05-01", "1.0.0; rm -rf /"])
def test_unbumpable_versions_are_refused(text: str) -> None:
    with pytest.raises(VersionError):
        Version.parse(text)


def test_prepending_keeps_the_users_text() -> None:
    entry = "## [1.1.0]\n\nA minor release.\n"
    assert prepended(None, entry) == f"{PREAMBLE}\n{entry}"
    mine = "# History\n\nHand-written intro.\n\n## [Unreleased]\n\n- soon\n\n## [1.0.0] - 2024-01-01\n\n- first\n"
    updated = prepended(mine, entry)
    assert updated == mine.replace("## [1.0.0]", entry + "\n## [1.0.0]")
    again = prepended(updated, "## [2.0.0]\n\nA major release.\n", replace="1.1.0")
    assert "## [1.1.0]" not in again and again.index("## [2.0.0]") < again.index("## [1.0.0]")
    assert "Hand-written intro." in again and "- soon" in again
    assert prepended(again, entry, replace="9.9.9").count("## [") == 4


# -- generate --bump-from --------------------------------------------------------------------
def specforge(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "specforge", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def ok(cwd: Path, *args: str) -> str:
    done = specforge(cwd, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def tree(root: Path) -> dict[str, str]:
    """Every file below `root` (caches left out) and its sha256."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "cache" not in str(path)
    }


def version_of(package: Path) -> tuple[str, str]:
    """(pyproject.toml's version, _version.py's __version__)."""
    pyproject = (package / "pyproject.toml").read_text(encoding="utf-8")
    module = (package / "src" / "pets" / "_version.py").read_text(encoding="utf-8")
    [toml] = [line for line in pyproject.splitlines() if line.startswith("version = ")]
    [python] = [line for line in module.splitlines() if line.startswith("__version__ = ")]
    return toml.split('"')[1], python.split('"')[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with the three specs and the package generated from BASE (version 1.0.0)."""
    for source in (BASE, ADDED, BREAKING):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    ok(tmp_path, "generate", "--spec", "base.yaml", *NAMES)
    assert version_of(tmp_path / "pkg") == ("1.0.0", "1.0.0")
    return tmp_path


def test_bump_writes_the_version_and_records_it(project: Path) -> None:
    out = ok(
        project,
        "generate",
        "--spec",
        "property-added.yaml",
        *NAMES,
        "--bump-from",
        "base.yaml",
        "--changelog",
    )
    assert "version 1.0.0 -> 1.1.0 (minor, from base.yaml)" in out
    package = project / "pkg"
    assert version_of(package) == ("1.1.0", "1.1.0")
    manifest = json.loads((package / MANIFEST).read_text())
    assert manifest["bump"] == {
        "base_sha256": hashlib.sha256(BASE.read_bytes()).hexdigest(),
        "from": "1.0.0",
        "level": "minor",
        "version": "1.1.0",
    }
    assert "CHANGELOG.md" not in manifest["files"]
    changelog = (package / "CHANGELOG.md").read_text()
    assert changelog.startswith(PREAMBLE)
    assert "## [1.1.0]\n" in changelog
    assert "- `client.pets.create()` argument `color`" in changelog

    # The same command again: the same bytes (it starts from the recorded 1.0.0 again).
    before = tree(package)
    ok(
        project,
        "generate",
        "--spec",
        "property-added.yaml",
        *NAMES,
        "--bump-from",
        "base.yaml",
        "--changelog",
    )
    assert tree(package) == before

    # check and a plain generate know the version from the manifest.
    assert "is up to date" in ok(project, "check", "--spec", "property-added.yaml", *NAMES)
    ok(project, "generate", "--spec", "property-added.yaml", *NAMES)
    assert tree(package) == before

    # A version edited by hand is drift.
    pyproject = package / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"1.1.0"', '"1.5.0"'))
    done = specforge(project, "check", "--spec", "property-added.yaml", *NAMES)
    assert done.returncode == 1
    assert '-version = "1.5.0"' in done.stdout and '+version = "1.1.0"' in done.stdout


def test_a_later_change_from_the_same_base_replaces_the_bump(project: Path) -> None:
    """Two changes before one release: the version is bumped once, by the larger change, and
    the changelog entry of the first run is replaced; a new base starts a new release."""
    bump = ["--bump-from", "base.yaml", "--changelog"]
    ok(project, "generate", "--spec", "property-added.yaml", *NAMES, *bump)
    out = ok(project, "generate", "--spec", "parameter-required.yaml", *NAMES, *bump)
    assert "version 1.0.0 -> 2.0.0 (major, from base.yaml)" in out
    changelog = project / "pkg" / "CHANGELOG.md"
    text = changelog.read_text()
    assert "## [1.1.0]" not in text and text.count("## [2.0.0]\n") == 1
    assert (
        "### Breaking\n\n- `client.pets.list()` argument `limit`: parameter 'limit' made required"
        in text
    )

    changelog.write_text(text.replace("### Breaking", "Read this first.\n\n### Breaking"))
    next_release = ["--bump-from", "parameter-required.yaml", "--changelog", "--date", "2025-06-01"]
    out = ok(project, "generate", "--spec", "property-added.yaml", *NAMES, *next_release)
    assert "version 2.0.0 -> 2.1.0" in out
    assert version_of(project / "pkg") == ("2.1.0", "2.1.0")
    text = changelog.read_text()
    assert text.index("## [2.1.0] - 2025-06-01") < text.index("## [2.0.0]")
    assert "Read this first." in text


def test_zero_major_and_no_change(tmp_path: Path) -> None:
    for name, source in (("old.yaml", BASE), ("new.yaml", BREAKING)):
        text = source.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 0.3.1")
        (tmp_path / name).write_text(text, encoding="utf-8")
    out = ok(tmp_path, "generate", "--spec", "new.yaml", *NAMES, "--bump-from", "old.yaml")
    assert "0.3.1 -> 0.4.0 (breaking changes bump the minor version while the major is 0)" in out
    assert version_of(tmp_path / "pkg") == ("0.4.0", "0.4.0")
    # No change since BASE still makes a new version: a patch (the generated source may differ).
    out = ok(tmp_path, "generate", "--spec", "new.yaml", *NAMES, "--bump-from", "new.yaml")
    assert "version 0.4.0 -> 0.4.1 (patch" in out


def test_without_the_flag_nothing_changes(project: Path) -> None:
    manifest = json.loads((project / "pkg" / MANIFEST).read_text())
    assert "bump" not in manifest
    ok(project, "generate", "--spec", "property-added.yaml", *NAMES)
    assert version_of(project / "pkg") == ("1.0.0", "1.0.0")
    assert not (project / "pkg" / "CHANGELOG.md").exists()


def test_bad_usage_and_a_broken_record(project: Path) -> None:
    done = specforge(project, "generate", "--spec", "base.yaml", *NAMES, "--changelog")
    assert done.returncode == 2 and "add --bump-from BASE_SPEC" in done.stderr
    done = specforge(project, "generate", "--spec", "base.yaml", *NAMES, "--date", "2025-01-01")
    assert done.returncode == 2 and "use it with --changelog" in done.stderr
    manifest = project / "pkg" / MANIFEST
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "bump": {"version": "not a version"}}))
    done = specforge(project, "check", "--spec", "base.yaml", *NAMES)
    assert done.returncode == 2 and "is not a version bump" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_bumped_package_installs_and_imports(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ok(project, "generate", "--spec", "parameter-required.yaml", *NAMES, "--bump-from", "base.yaml")
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(project / "pkg"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        offline = ("No matching distribution", "Could not find a version", "NewConnectionError")
        if any(words in done.stdout + done.stderr for words in offline):
            pytest.skip(f"no package index reachable for the build backend: {done.stderr[-200:]}")
        raise AssertionError(done.stdout + done.stderr)
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib.metadata as m, pets; print(pets.__version__, m.version('pets'))",
        ],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.stdout.split() == ["2.0.0", "2.0.0"], imported.stderr
