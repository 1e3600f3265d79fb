"""Results of checks: violations, spec gaps and passes, and the report written from them."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

from specforge.conformance.secrets import scrub
from specforge.generator.escaping import markdown_code_block, markdown_text

Kind = Literal["pass", "violation", "gap", "skip"]


@dataclass(frozen=True)
class Outcome:
    """One verdict of one check on one case."""

    check: str
    kind: Kind
    operation: str = ""
    case: str = ""
    expected: str = ""
    got: str = ""
    curl: str = ""
    exchange: dict[str, Any] | None = None  # request and answer of a failure (see cassette.py)


class Recorder:
    """Collects outcomes during a run; writes them as JSON lines for the report."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []

    def add(self, outcome: Outcome) -> None:
        """Record `outcome`, with the run's credentials scrubbed from every field."""
        clean = replace(
            outcome,
            check=scrub(outcome.check),
            operation=scrub(outcome.operation),
            case=scrub(outcome.case),
            expected=scrub(outcome.expected),
            got=scrub(outcome.got),
            curl=scrub(outcome.curl),
            exchange=_scrubbed(outcome.exchange),
        )
        self.outcomes.append(clean)

    def violations(self, since: int = 0) -> list[Outcome]:
        return [o for o in self.outcomes[since:] if o.kind == "violation"]

    def gaps(self, since: int = 0) -> list[Outcome]:
        return [o for o in self.outcomes[since:] if o.kind == "gap"]

    def save(self, path: Path) -> None:
        path.write_text(
            "\n".join(json.dumps(asdict(o)) for o in self.outcomes) + "\n", encoding="utf-8"
        )


def _scrubbed(value: Any) -> Any:
    """`value` with every string in it scrubbed of the run's credentials."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value


def load_outcomes(path: Path) -> list[Outcome]:
    if not path.is_file():
        return []
    return [
        Outcome(**json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]


@dataclass
class Summary:
    """Outcomes grouped by check."""

    checks: dict[str, dict[str, int]]
    violations: list[Outcome]
    gaps: list[Outcome]
    skips: list[Outcome]

    def failed_checks(self) -> list[str]:
        return sorted({o.check for o in self.violations})


def summarize(outcomes: list[Outcome]) -> Summary:
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {"pass": 0, "violation": 0, "gap": 0, "skip": 0}
    )
    for outcome in outcomes:
        counts[outcome.check][outcome.kind] += 1
    return Summary(
        checks=dict(sorted(counts.items())),
        violations=[o for o in outcomes if o.kind == "violation"],
        gaps=[o for o in outcomes if o.kind == "gap"],
        skips=[o for o in outcomes if o.kind == "skip"],
    )


def render(summary: Summary, *, strict: bool, header: list[str]) -> str:
    """The human report: one line per check (with what it asserts), then every failure with
    expected, got and curl (server text escaped as Markdown, so no answer can reshape it)."""
    from specforge.conformance.builtin_checks import DESCRIPTIONS
    from specforge.conformance.checks import CHECKS  # checks import this module

    lines = [*header, "", "## Checks", ""]
    for check, counts in summary.checks.items():
        failing = counts["violation"] or (strict and counts["gap"])
        status = (
            "FAIL" if failing else ("SKIP" if not counts["pass"] and counts["skip"] else "PASS")
        )
        extra = []
        if counts["violation"]:
            extra.append(f"{counts['violation']} violation(s)")
        if counts["gap"]:
            extra.append(f"{counts['gap']} spec gap(s)")
        if counts["skip"]:
            extra.append(f"{counts['skip']} skipped")
        detail = f" ({', '.join(extra)})" if extra else ""
        registered = CHECKS.get(check)
        description = registered.description if registered else DESCRIPTIONS.get(check, "")
        about = f" — {description}" if description else ""
        lines.append(f"- {status} {check}: {counts['pass']} passed{detail}{about}")
    lines += _details("Server violations", summary.violations)
    gap_title = (
        "Spec gaps (failing: --strict)"
        if strict
        else "Spec gaps (reported, not failing; --strict fails them)"
    )
    lines += _details(gap_title, summary.gaps)
    return "\n".join(lines) + "\n"


def _details(title: str, outcomes: list[Outcome]) -> list[str]:
    if not outcomes:
        return []
    lines = ["", f"## {title}", ""]
    for outcome in outcomes:
        # the check's registered name as it is; what came from the spec or the server escaped
        place = " — ".join((outcome.operation, outcome.case))
        lines += [
            f"### {outcome.check} — {markdown_text(place)}",
            f"- expected: {markdown_text(outcome.expected)}",
            f"- got: {markdown_text(outcome.got)}",
            "- reproduce:",
            "",
            markdown_code_block(outcome.curl or "(no request)", "sh"),
            "",
        ]
    return lines
