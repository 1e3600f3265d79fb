"""Plain `schemathesis run`, every check and every phase, against the mock: a clean exit.

This is the configuration the fault corpus compares with (`bench.corpus.SCHEMATHESIS_OPTIONS`:
every check but `status_code_conformance`, whose undocumented 4xx are the suite's spec gaps;
every phase; positive and negative data), run as its own process over a socket against the mock
of the video spec and of the full Together spec, with the mock's one configured key. The same
command against the mock with a fault switched on fails, so a clean exit means something.

Schemathesis applies no operation-level `servers`, so it is given the spec with every operation
at its full path (`schemathesis_schema`), as the suite gives it to the engine.

Five operations of the full Together spec are left out, each for a reason no server can change
(`conform` reports them as skips or spec gaps, see docs/conformance.md): two WebSocket
handshakes documented with 101 only (plain HTTP gets 426; Schemathesis wants a 2xx), two
multipart uploads whose bodies Schemathesis cannot generate (`ValueError: Unsupported type:
'Binary'`, an error of its own before any request), and image generation, whose discriminator
has no mapping while its members' `type` allows only `b64_json` and `url`: by the OpenAPI rule
the values must then be the schema names, so no answer can satisfy `ST111`.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bench.corpus import SCHEMATHESIS_EXCLUDED, SCHEMATHESIS_OPTIONS
from specforge.conformance.faults import parse_faults
from specforge.conformance.mock.server import MockOptions, running
from specforge.conformance.model import load_model
from specforge.conformance.runner import ConformOptions, conform
from specforge.conformance.schemathesis_schema import schemathesis_document
from tests.conftest import FULL_SPEC, needs_shared
from tests.real_specs import BY_NAME, locate

ROOT = Path(__file__).resolve().parents[1]
VIDEOS = ROOT / "spec" / "together-videos.yaml"
KEY = "plain-schemathesis-key"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


FULL_SPEC_LEFT_OUT = (
    ("--exclude-operation-id", "realtime-tts"),  # WebSocket, 101 only
    ("--exclude-operation-id", "realtime-transcription"),  # WebSocket, 101 only
    ("--exclude-operation-id", "audio-transcriptions"),  # multipart Schemathesis cannot generate
    ("--exclude-operation-id", "audio-translations"),  # multipart Schemathesis cannot generate
    ("--exclude-path", "/v1/images/generations"),  # a discriminator no answer can satisfy
)


def plain_schemathesis(
    spec: Path,
    tmp_path: Path,
    max_examples: int,
    lenient: bool = False,
    faults: str = "",
    left_out: tuple[tuple[str, str], ...] = (),
) -> subprocess.CompletedProcess[str]:
    """`schemathesis run` against the mock of `spec` (with `faults` on); its exit and output."""
    options = MockOptions(
        spec=spec,
        api_key=KEY,
        lenient=lenient,
        faults=parse_faults([faults] if faults else []),
    )
    with running(options) as origin:
        document = schemathesis_document(load_model(spec, lenient=lenient), origin)
        path = tmp_path / "spec.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        command = [
            str(SCHEMATHESIS), "run", str(path),
            "--url", origin,
            "-H", f"Authorization: Bearer {KEY}",
            "--max-examples", str(max_examples),
            "--exclude-checks", ",".join(SCHEMATHESIS_EXCLUDED),
            *SCHEMATHESIS_OPTIONS,
            *(part for pair in left_out for part in pair),
        ]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)


def summary(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stdout + result.stderr)[-6000:]


def test_the_video_spec_mock_passes_every_check(tmp_path: Path) -> None:
    result = plain_schemathesis(VIDEOS, tmp_path, max_examples=50)
    assert result.returncode == 0, summary(result)
    assert "No issues found" in result.stdout or "passed" in result.stdout, summary(result)


@needs_shared(FULL_SPEC)
def test_the_full_together_spec_mock_passes_every_check(tmp_path: Path) -> None:
    result = plain_schemathesis(
        FULL_SPEC, tmp_path, max_examples=3, lenient=True, left_out=FULL_SPEC_LEFT_OUT
    )
    assert result.returncode == 0, summary(result)
    assert "Selected: 94/99" in result.stdout, summary(result)


def test_a_public_spec_mock_passes_every_check(tmp_path: Path) -> None:
    """The Train Travel API (OpenAPI 3.1, OAuth2, a JSON or XML body, `writeOnly` card fields,
    inferred links): plain Schemathesis and `specforge conform` both find its mock clean."""
    path, why = locate(BY_NAME["train-travel.yaml"])
    if path is None:
        pytest.skip(why)
    result = plain_schemathesis(path, tmp_path, max_examples=30, lenient=True)
    assert result.returncode == 0, summary(result)
    conformed = conform(ConformOptions(spec=path, lenient=True, max_examples=10), out=io.StringIO())
    assert (conformed.exit_code, conformed.violations) == (0, 0), conformed.report[-4000:]


def test_the_same_command_fails_on_a_faulty_mock(tmp_path: Path) -> None:
    result = plain_schemathesis(VIDEOS, tmp_path, max_examples=10, faults="wrong-type")
    assert result.returncode == 1, summary(result)
    assert "Response violates schema" in result.stdout, summary(result)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
