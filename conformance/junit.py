"""The run as JUnit XML: one testsuite per check, one testcase per check and case.

A violation is a `failure` (with expected, got and the curl reproduction), a spec gap a
`failure` under --strict and otherwise a pass with its note in `system-out`, a skip `skipped`.
The outcomes are already scrubbed of the run's credentials; ElementTree escapes the XML, and
`xml_text` first replaces what XML 1.0 cannot hold at all (NUL and other control characters of
a binary answer, lone surrogates) with its `\\xNN` / `\\uNNNN` spelling.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from specforge.conformance.results import Outcome

_RANK = {"pass": 0, "skip": 1, "gap": 2, "violation": 3}
# Characters outside XML 1.0's Char production (https://www.w3.org/TR/xml/#charsets).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` as XML 1.0 can hold it: each character it cannot is spelt as Python would."""
    return _NOT_XML.sub(lambda found: ascii(found.group())[1:-1], text)


def junit_tree(outcomes: list[Outcome], *, strict: bool, seconds: float = 0.0) -> ET.ElementTree:
    """The outcomes grouped by check, then by (operation, case); the worst verdict of a case wins."""
    cases: dict[str, dict[tuple[str, str], list[Outcome]]] = defaultdict(lambda: defaultdict(list))
    for outcome in outcomes:
        cases[outcome.check][(outcome.operation, outcome.case)].append(outcome)
    root = ET.Element("testsuites", name="conformance", time=f"{seconds:.3f}")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for check in sorted(cases):
        suite = ET.SubElement(root, "testsuite", name=check)
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for (operation, case), found in sorted(cases[check].items()):
            worst = max(found, key=lambda o: _RANK[o.kind])
            name = f"{operation}: {case}" if operation else case or check
            testcase = ET.SubElement(suite, "testcase", classname=check, name=xml_text(name))
            counts["tests"] += 1
            failing = worst.kind == "violation" or (strict and worst.kind == "gap")
            if failing:
                counts["failures"] += 1
                label = "violation" if worst.kind == "violation" else "spec gap (--strict)"
                failure = ET.SubElement(
                    testcase,
                    "failure",
                    message=xml_text(f"{label}: expected {worst.expected}; got {worst.got}"),
                )
                failure.text = _detail(worst)
            elif worst.kind == "skip":
                counts["skipped"] += 1
                ET.SubElement(testcase, "skipped", message=xml_text(worst.got or "skipped"))
            elif worst.kind == "gap":
                out = ET.SubElement(testcase, "system-out")
                out.text = "spec gap (not failing without --strict)\n" + _detail(worst)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(path: Path, outcomes: list[Outcome], *, strict: bool, seconds: float = 0.0) -> None:
    """Write the JUnit XML of the run to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_tree(outcomes, strict=strict, seconds=seconds).write(
        path, encoding="utf-8", xml_declaration=True
    )


def _detail(outcome: Outcome) -> str:
    return xml_text(
        "\n".join(
            part
            for part in (
                f"expected: {outcome.expected}",
                f"got: {outcome.got}",
                f"reproduce:\n{outcome.curl}" if outcome.curl else "",
            )
            if part
        )
    )
