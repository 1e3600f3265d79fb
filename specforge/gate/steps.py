"""The spec-change gate: `specforge gate --base REF` (also `python -m specforge.gate.steps`).

Steps: validate the spec, lint it (only errors that BASE did not already have fail), diff it
against the spec at BASE (a breaking change fails unless a commit says it is intended),
regenerate and fail on drift (`specforge check`), and run the conformance suite
(`specforge conform`) when that sub-command exists. One summary table at the end.

A breaking change is accepted when HEAD's commit message, or any commit in BASE..HEAD, has
the line `Spec-Breaking-Change: intended`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from specforge.config import NO_SPEC_MESSAGE, Config, load_config
from specforge.document.document import load_document
from specforge.document.errors import SpecforgeError
from specforge.gate.compare import Comparison, compare, relative
from specforge.gate.lint import LintFinding, lint_document
from specforge.gate.report import as_json, as_markdown, render
from specforge.gate.semver import Version, VersionError
from specforge.generator.escaping import json_report
from specforge.generator.output import BUMP, MANIFEST

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TRAILER = "Spec-Breaking-Change: intended"
_TRAILER = re.compile(r"^\s*Spec-Breaking-Change:\s*intended\s*$", re.IGNORECASE | re.MULTILINE)
_TALLY = re.compile(r"^=*\s*\d+ (passed|failed|errors?)\b")
STEP_NAMES = ("validate", "lint", "diff", "drift", "conform")
# Diff reports beyond spec-diff.md and spec-diff.json, by --diff-format (github also prints).
DIFF_REPORTS = {
    "text": "spec-diff.txt",
    "github": "spec-diff.github.txt",
    "sarif": "spec-diff.sarif",
    "changelog": "spec-changelog.md",
}
Status = Literal["pass", "fail", "skip"]


class GateUsageError(SpecforgeError):
    """The gate cannot run as asked (unknown ref, not a git checkout)."""


@dataclass(frozen=True)
class Step:
    """One row of the summary: the step, its result and a one-line detail."""

    name: str
    status: Status
    detail: str


@dataclass
class Gate:
    """What every step needs: the base ref, the spec, where reports go."""

    base: str
    spec: Path
    reports: Path
    root: Path
    ignore: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    _base_spec: Path | None = None
    # Where `specforge check` and `specforge conform` run (the folder the gate was started in,
    # so they read the same [tool.specforge]; default: root), and the flags they are given.
    workdir: Path | None = None
    check_args: tuple[str, ...] = ()
    conform_args: tuple[str, ...] = ()
    # The generated package (its version at BASE is where the suggested bump starts) and the
    # diff reports to write beyond Markdown and JSON (DIFF_REPORTS).
    output: Path | None = None
    diff_formats: tuple[str, ...] = ()

    def base_package_version(self) -> Version | None:
        """The version of the generated package at BASE (its manifest's bump, else its
        pyproject.toml's), None when it is not there or has none specforge can bump."""
        if self.output is None:
            return None
        try:
            folder = self.output.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None
        shown = git(self.root, "show", f"{self.base}:{folder}/{MANIFEST}")
        try:
            recorded = json.loads(shown.stdout).get(BUMP) if shown.returncode == 0 else None
            if isinstance(recorded, dict) and isinstance(recorded.get("version"), str):
                return Version.parse(recorded["version"])
            shown = git(self.root, "show", f"{self.base}:{folder}/pyproject.toml")
            if shown.returncode != 0:
                return None
            version = tomllib.loads(shown.stdout).get("project", {}).get("version")
            return Version.parse(version) if isinstance(version, str) else None
        except (ValueError, AttributeError, VersionError):
            return None

    def base_spec(self) -> Path | None:
        """The spec as it is at BASE, in a temporary file (None when it did not exist)."""
        if self._base_spec is None:
            relative = self.spec.resolve().relative_to(self.root).as_posix()
            shown = git(self.root, "show", f"{self.base}:{relative}")
            if shown.returncode != 0:
                return None
            folder = Path(tempfile.mkdtemp(prefix="spec-gate-"))
            self._base_spec = folder / f"base{self.spec.suffix or '.yaml'}"
            self._base_spec.write_text(shown.stdout, encoding="utf-8")
        return self._base_spec


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def breaking_change_intended(root: Path, base: str) -> bool:
    """Whether HEAD, or any commit in BASE..HEAD, carries the `Spec-Breaking-Change` line."""
    messages = git(root, "log", "--format=%B", f"{base}..HEAD").stdout
    messages += git(root, "log", "-1", "--format=%B", "HEAD").stdout
    return bool(_TRAILER.search(messages))


# -- the steps -------------------------------------------------------------------------------------
def step_validate(gate: Gate) -> Step:
    document = load_document(gate.spec, lenient=True)
    if document.findings:
        first = document.findings[0].render()
        return Step("validate", "fail", f"{len(document.findings)} problem(s), first: {first}")
    return Step("validate", "pass", f"valid OpenAPI {document.raw.get('openapi')} document")


def _lint(path: Path, ignore: tuple[str, ...]) -> list[LintFinding]:
    return lint_document(load_document(path, lenient=True).normalized, ignore)


def step_lint(gate: Gate) -> Step:
    findings = _lint(gate.spec, gate.ignore)
    base = gate.base_spec()
    known: set[tuple[str, str]] = set()
    if base is not None:
        try:
            known = {(f.rule, f.pointer) for f in _lint(base, gate.ignore)}
        except SpecforgeError:
            known = set()
    errors = [f for f in findings if f.severity == "error"]
    new = [f for f in errors if (f.rule, f.pointer) not in known]
    write_json(
        gate.reports / "spec-lint.json",
        {"findings": [f.as_dict() for f in findings], "new_errors": [f.as_dict() for f in new]},
    )
    warnings = len(findings) - len(errors)
    detail = (
        f"{len(new)} new error(s), {len(errors) - len(new)} already at base, {warnings} warning(s)"
    )
    if new:
        first = new[0]
        return Step("lint", "fail", f"{detail}; first: [{first.rule}] #{first.pointer}")
    return Step("lint", "pass", detail)


def step_diff(gate: Gate) -> Step:
    base = gate.base_spec()
    markdown = gate.reports / "spec-diff.md"
    if base is None:
        markdown.write_text(
            f"## Spec diff\n\nThe spec does not exist at `{gate.base}`: nothing to compare.\n",
            encoding="utf-8",
        )
        write_json(
            gate.reports / "spec-diff.json", {"old": None, "new": str(gate.spec), "changes": []}
        )
        return Step("diff", "skip", f"no spec at {gate.base} (a new spec)")
    comparison = compare(
        base,
        gate.spec,
        old_version=gate.base_package_version(),
        old_label=f"{gate.base}:{gate.spec.name}",
        file=relative(gate.spec, gate.root),
    )
    result = comparison.result
    (gate.reports / "spec-diff.json").write_text(
        json_report(as_json(comparison)) + "\n", encoding="utf-8"
    )
    _diff_reports(gate, comparison)
    text = as_markdown(comparison)
    counts = result.counts()
    bump = comparison.bump
    detail = f"{counts['changes']} change(s), suggested SDK bump: {bump.level}"
    if result.changes:
        detail += f" ({bump.old} -> {bump.new})"
    if not result.breaking:
        markdown.write_text(text, encoding="utf-8")
        return Step("diff", "pass", detail)
    if breaking_change_intended(gate.root, gate.base):
        markdown.write_text(
            text + f"\nBreaking change accepted: a commit says `{TRAILER}`.\n", encoding="utf-8"
        )
        return Step("diff", "pass", f"{detail}; breaking change marked intended")
    markdown.write_text(
        text + f"\n**The gate fails on this breaking change.** If it is intended, add the "
        f"line `{TRAILER}` to a commit message of the pull request.\n",
        encoding="utf-8",
    )
    return Step("diff", "fail", f"{detail}; breaking change not marked '{TRAILER}'")


def _diff_reports(gate: Gate, comparison: Comparison) -> None:
    """The --diff-format reports; github's annotations are printed too (a workflow shows them)."""
    for fmt in gate.diff_formats:
        text = render(comparison, fmt)
        (gate.reports / DIFF_REPORTS[fmt]).write_text(text + "\n", encoding="utf-8")
        if fmt == "github":
            print(text)


def command_exists(name: str) -> bool:
    """Whether `specforge <name>` exists (its module in specforge.cli)."""
    return importlib.util.find_spec(f"specforge.cli.{name}") is not None


def run_specforge(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "specforge", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def _outcome(process: subprocess.CompletedProcess[str]) -> str:
    """A test-summary line ('8 passed, 1 skipped in 1.50s') if there is one, else the last line."""
    lines = [
        line.strip() for line in (process.stdout + process.stderr).splitlines() if line.strip()
    ]
    tallies = [line for line in lines if _TALLY.search(line)]
    if tallies:
        return tallies[-1]
    return lines[-1] if lines else f"exit code {process.returncode}"


def step_drift(gate: Gate) -> Step:
    if not command_exists("check"):
        return Step("drift", "skip", "`specforge check` is not available yet")
    process = run_specforge(gate.workdir or gate.root, "check", *gate.check_args)
    status: Status = "pass" if process.returncode == 0 else "fail"
    return Step("drift", status, _outcome(process))


def step_conform(gate: Gate) -> Step:
    if not command_exists("conform"):
        return Step("conform", "skip", "`specforge conform` is not available yet")
    usage = run_specforge(gate.workdir or gate.root, "conform", "--help").stdout
    args = ["conform", *gate.conform_args]
    if "--junit-xml" in usage:
        args += ["--junit-xml", str(gate.reports / "conformance.xml")]
    if "--report" in usage:
        args += ["--report", str(gate.reports / "conformance.md")]
    process = run_specforge(gate.workdir or gate.root, *args)
    status: Status = "pass" if process.returncode == 0 else "fail"
    return Step("conform", status, _outcome(process))


STEPS: dict[str, Callable[[Gate], Step]] = {
    "validate": step_validate,
    "lint": step_lint,
    "diff": step_diff,
    "drift": step_drift,
    "conform": step_conform,
}


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def run_steps(gate: Gate, skip: Sequence[str]) -> list[Step]:
    """Every step in order; a step that raises a specforge error fails with its message."""
    results: list[Step] = []
    for name, step in STEPS.items():
        if name in skip:
            results.append(Step(name, "skip", "skipped with --skip"))
            continue
        try:
            results.append(step(gate))
        except SpecforgeError as error:
            results.append(Step(name, "fail", str(error).splitlines()[0]))
    return results


def summary(steps: Sequence[Step], base: str) -> str:
    width = max(len(step.name) for step in steps)
    lines = [f"spec gate (base {base})", f"{'step':<{width}}  result  detail"]
    lines += [f"{step.name:<{width}}  {step.status:<6}  {step.detail}" for step in steps]
    failed = [step.name for step in steps if step.status == "fail"]
    lines.append(f"spec gate: FAILED ({', '.join(failed)})" if failed else "spec gate: passed")
    return "\n".join(lines)


DESCRIPTION = (
    "Validate, lint, diff against BASE, check drift (specforge check) and conformance "
    "(specforge conform), then print one summary table; exit 1 when a step fails, 2 on bad "
    f"usage. A breaking change fails unless a commit message has the line '{TRAILER}'."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m specforge.gate.steps", description=DESCRIPTION)
    add_options(parser)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """The gate's own options (`specforge gate` adds the spec and naming flags)."""
    parser.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help="git ref of the spec to compare with (e.g. origin/main)",
    )
    parser.add_argument(
        "--reports",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where spec-diff.md, spec-diff.json and spec-lint.json go (default: reports)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        choices=STEP_NAMES,
        default=[],
        metavar="STEP",
        help=f"skip a step (repeatable; one of {', '.join(STEP_NAMES)})",
    )
    parser.add_argument(
        "--diff-format",
        action="append",
        choices=tuple(DIFF_REPORTS),
        default=[],
        metavar="FORMAT",
        help="also write the spec diff as FORMAT (repeatable; "
        + ", ".join(f"{fmt}: {name}" for fmt, name in DIFF_REPORTS.items())
        + " in --reports); github also prints its annotations, for a workflow run",
    )


def prepare(
    args: argparse.Namespace,
    config: Config | None = None,
    check_args: Sequence[str] = (),
    conform_args: Sequence[str] = (),
) -> Gate:
    """The gate's context; GateUsageError when not in a git checkout, BASE is unknown or no spec
    is configured. `config` defaults to [tool.specforge]; the argument lists go to the
    `specforge check` and `specforge conform` the gate runs."""
    if not args.base.strip():
        raise GateUsageError(
            "--base is empty: pass a git ref, e.g. specforge gate --base origin/main"
        )
    top = git(Path.cwd(), "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise GateUsageError("not inside a git checkout: the gate compares with a git ref")
    root = Path(top.stdout.strip()).resolve()
    if git(root, "rev-parse", "--verify", "--quiet", f"{args.base}^{{commit}}").returncode != 0:
        raise GateUsageError(
            f"git ref {args.base!r} not found: fetch it first (in CI, check out with "
            "fetch-depth: 0) or pass an existing branch, tag or commit"
        )
    config = config or load_config()
    if not config.has_spec:
        raise GateUsageError(NO_SPEC_MESSAGE)
    args.reports.mkdir(parents=True, exist_ok=True)
    return Gate(
        base=args.base,
        spec=config.spec,
        reports=args.reports,
        root=root,
        ignore=config.lint_ignore,
        workdir=Path.cwd(),
        check_args=tuple(check_args),
        conform_args=tuple(conform_args),
        output=config.output,
        diff_formats=tuple(dict.fromkeys(args.diff_format)),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        gate = prepare(args)
    except SpecforgeError as error:
        print(f"spec gate: {error}", file=sys.stderr)
        return 2
    steps = run_steps(gate, args.skip)
    print(summary(steps, gate.base))
    return 1 if any(step.status == "fail" for step in steps) else 0


if __name__ == "__main__":
    sys.exit(main())
