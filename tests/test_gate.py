"""The spec gate on a throw-away git repository: pass, breaking change, intended, bad usage."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from specforge.gate import steps as gate
from specforge.gate.steps import TRAILER, Gate, Step, breaking_change_intended, main, summary

FIXTURES = Path(__file__).parent / "fixtures"
CURRENT = Path(__file__).parent.parent / "spec" / "together-videos.yaml"
V1 = FIXTURES / "together-videos-v1.yaml"
FAST = ["--skip", "drift", "--skip", "conform"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
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
        text=True,
        check=True,
    )
    return done.stdout


def commit_spec(repo: Path, source: Path, message: str) -> None:
    (repo / "spec").mkdir(exist_ok=True)
    (repo / "spec" / "api.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    git(repo, "add", "spec/api.yaml")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose first commit holds the older spec."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.specforge]\nspec = "spec/api.yaml"\n', encoding="utf-8"
    )
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "pyproject.toml")
    commit_spec(tmp_path, V1, "Older spec")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_compatible_change_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit_spec(repo, CURRENT, "Newer spec")
    assert main(["--base", "HEAD~1", *FAST]) == 0
    out = capsys.readouterr().out
    assert "lint      pass    0 new error(s), 2 already at base, 4 warning(s)" in out
    assert "diff      pass    19 change(s), suggested SDK bump: minor" in out
    assert out.rstrip().endswith("spec gate: passed")
    report = json.loads((repo / "reports" / "spec-diff.json").read_text())
    assert report["summary"]["semver"] == "minor" and len(report["changes"]) == 19
    assert (repo / "reports" / "spec-diff.md").read_text().startswith("## Spec diff")
    assert json.loads((repo / "reports" / "spec-lint.json").read_text())["new_errors"] == []


def test_breaking_change_fails_unless_intended(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_spec(repo, CURRENT, "Newer spec")
    commit_spec(repo, V1, "Back to the older spec")
    assert main(["--base", "HEAD~1", *FAST]) == 1
    out = capsys.readouterr().out
    assert "breaking change not marked" in out and "spec gate: FAILED (diff)" in out
    assert TRAILER in (repo / "reports" / "spec-diff.md").read_text()

    git(repo, "commit", "-q", "--allow-empty", "-m", f"Drop the new fields\n\n{TRAILER}\n")
    assert main(["--base", "HEAD~2", *FAST]) == 0
    assert "breaking change marked intended" in capsys.readouterr().out


def test_trailer_must_be_its_own_line(repo: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", f"Mention {TRAILER} in passing")
    assert not breaking_change_intended(repo, "HEAD~1")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Subject\n\nspec-breaking-change:  Intended")
    assert breaking_change_intended(repo, "HEAD~1")


def test_new_lint_error_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = CURRENT.read_text(encoding="utf-8").replace(
        "          description: Frames per second. Defaults to 24.",
        "          description: Frames per second, 23.976 or 24.",
    )
    changed = repo / "changed.yaml"
    changed.write_text(text, encoding="utf-8")
    commit_spec(repo, changed, "Newer spec with a decimal fps")
    assert main(["--base", "HEAD~1", *FAST]) == 1
    out = capsys.readouterr().out
    assert "lint      fail    1 new error(s), 2 already at base" in out
    assert (
        "[numeric-description-mismatch] #/components/schemas/CreateVideoBody/properties/fps/description"
        in out
    )


def test_spec_new_at_base_is_skipped_in_diff(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "rm", "-q", "spec/api.yaml")
    git(repo, "commit", "-q", "-m", "No spec")
    commit_spec(repo, CURRENT, "Add the spec")
    assert main(["--base", "HEAD~1", *FAST]) == 1  # every lint error is new
    out = capsys.readouterr().out
    assert "diff      skip    no spec at HEAD~1 (a new spec)" in out


def test_unknown_base_is_bad_usage(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base", "origin/nowhere"]) == 2
    err = capsys.readouterr().err
    assert "git ref 'origin/nowhere' not found" in err and "fetch-depth: 0" in err


def test_missing_base_argument_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "--base" in capsys.readouterr().err


def test_missing_subcommands_are_skipped(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "command_exists", lambda name: False)
    context = Gate(base="HEAD", spec=repo / "spec" / "api.yaml", reports=repo, root=repo)
    assert gate.step_drift(context) == Step(
        "drift", "skip", "`specforge check` is not available yet"
    )
    assert gate.step_conform(context).status == "skip"


def test_failing_subcommand_fails_its_step(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failed = subprocess.CompletedProcess(["x"], 1, "generated/ is out of date\n", "")
    monkeypatch.setattr(gate, "command_exists", lambda name: True)
    monkeypatch.setattr(gate, "run_specforge", lambda root, *args: failed)
    context = Gate(base="HEAD", spec=repo / "spec" / "api.yaml", reports=repo, root=repo)
    assert gate.step_drift(context) == Step("drift", "fail", "generated/ is out of date")


def test_summary_table() -> None:
    steps = [Step("validate", "pass", "ok"), Step("conform", "fail", "2 failed in 1.0s")]
    assert summary(steps, "origin/main").splitlines() == [
        "spec gate (base origin/main)",
        "step      result  detail",
        "validate  pass    ok",
        "conform   fail    2 failed in 1.0s",
        "spec gate: FAILED (conform)",
    ]
