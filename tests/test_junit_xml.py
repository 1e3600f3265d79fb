"""The JUnit XML of a run is well-formed XML 1.0 whatever the server answered."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from specforge.conformance.junit import write_junit, xml_text
from specforge.conformance.results import Outcome

# what a binary answer (a PNG's first bytes, NUL, ESC) and a lone surrogate look like in `got`
BINARY = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR \x1b[31m \ud800 end"


def test_characters_xml_cannot_hold_are_spelt_out() -> None:
    assert xml_text(BINARY) == "\x89PNG\r\n\\x1a\n\\x00\\x00\\x00\rIHDR \\x1b[31m \\ud800 end"
    assert xml_text("plain é 日本 \U0001f600\t") == "plain é 日本 \U0001f600\t"


def test_a_binary_answer_still_gives_parseable_junit(tmp_path: Path) -> None:
    outcomes = [
        Outcome("response_content_type", "violation", "get_image", "a \x00 case", "json", BINARY),
        Outcome("no_server_error", "skip", "get_image", "case", "", "skipped \x07"),
        Outcome("response_schema", "gap", "get_image", "case", "x", BINARY, curl="curl \x00"),
    ]
    path = tmp_path / "junit.xml"
    write_junit(path, outcomes, strict=False)
    root = ET.parse(path).getroot()  # raises on a character XML 1.0 does not allow
    failure = root.find(".//failure")
    assert failure is not None and "\\x00" in failure.get("message", "")
    names = [case.get("name") for case in root.iter("testcase")]
    assert "get_image: a \\x00 case" in names
    out = root.find(".//system-out")
    assert out is not None and "curl \\x00" in (out.text or "")
