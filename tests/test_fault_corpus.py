"""The fault corpus itself: its size, its servers start and stop, every fault is really switched
on (its trigger is answered otherwise than by the base server), every conformant variant
answers valid requests as the spec says, and `specforge conform` runs against it."""

from __future__ import annotations

import re
import socket
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.corpus_own_checks import conform_variant
from tests.fault_corpus import BY_NAME, SPECS, VARIANTS, SpecInfo, base
from tests.fault_corpus.client import send
from tests.fault_corpus.schema import SpecDoc

CORPUS = Path(__file__).parent / "fault_corpus"
FROZEN = 1714557600.0  # 2024-05-01T10:00:00Z: both servers of a comparison see one clock


def frozen() -> float:
    return FROZEN


def test_the_corpus_has_its_size() -> None:
    kinds = Counter(v.kind for v in VARIANTS)
    assert kinds["fault"] >= 60 and kinds["conformant"] >= 15
    assert len({v.spec.path for v in VARIANTS}) == len(SPECS) == 5
    for spec in SPECS:
        assert sum(1 for v in VARIANTS if v.spec is spec and v.kind == "conformant") >= 4
        assert sum(1 for v in VARIANTS if v.spec is spec and not v.switch) == 1, spec.name
    assert len(BY_NAME) == len(VARIANTS)
    for variant in VARIANTS:
        assert variant.description and variant.spec.path.is_file(), variant.name
        assert bool(variant.trigger) == (variant.kind == "fault"), variant.name
        assert variant.name.startswith(f"{variant.spec.name}/"), variant.name


def test_the_servers_owe_nothing_to_specforge() -> None:
    """Written independently of the tool under test: no module of the corpus imports it."""
    for source in CORPUS.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+specforge", text, re.MULTILINE), source.name


def _refused(origin: str) -> bool:
    parts = urlsplit(origin)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 0), timeout=1):
            return False
    except OSError:
        return True


def test_every_variant_starts_and_stops() -> None:
    for variant in VARIANTS:
        with variant.running(frozen) as origin:
            assert origin.startswith("http://127.0.0.1:")
            answer = send(origin, variant.spec, variant.spec.valid[:1])[0]
            assert 100 <= answer.status < 600, variant.name
        assert _refused(origin), f"{variant.name} still listens after it stopped"


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_fault_is_switched_on(spec: SpecInfo) -> None:
    reference = base(spec)
    same = []
    for variant in (v for v in VARIANTS if v.spec is spec and v.kind == "fault"):
        with reference.running(frozen) as origin:
            wanted = send(origin, spec, variant.trigger)[-1]
        with variant.running(frozen) as origin:
            got = send(origin, spec, variant.trigger)[-1]
        if got == wanted:
            same.append(f"{variant.name}: {got.describe()}")
    assert not same, "triggers answered as by the base server:\n" + "\n".join(same)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_conformant_variants_answer_as_documented(spec: SpecInfo) -> None:
    doc = SpecDoc(spec.path)
    wrong = []
    for variant in (v for v in VARIANTS if v.spec is spec and v.kind == "conformant"):
        with variant.running(frozen) as origin:
            answers = send(origin, spec, spec.valid)
        for answer in answers:
            path = answer.path.partition("?")[0]
            errors = doc.response_errors(answer.method, path, answer.status, answer.body)
            if errors or not 200 <= answer.status < 300:
                wrong.append(f"{variant.name}: {answer.describe()} {errors[:3]}")
    assert not wrong, "\n".join(wrong)


def test_faults_break_the_spec_where_the_base_keeps_it() -> None:
    """Answer faults are visible in the answer alone: the base's answer to the same request
    conforms, the faulty one does not (status, schema or content type)."""
    names = (
        "videos/missing-size",
        "videos/status-202",
        "bookshelf/id-pattern",
        "tracker/labels-null",
        "ledger/purchase-order-null",
        "ledger/delete-200",
        "fleet/inspection-status-completed",
        "fleet/merge-null-stored",
        "fleet/created-at-no-zone",
    )
    for name in names:
        variant = BY_NAME[name]
        doc = SpecDoc(variant.spec.path)
        for server in (base(variant.spec), variant):
            with server.running(frozen) as origin:
                answer = send(origin, variant.spec, variant.trigger)[-1]
            errors = doc.response_errors(answer.method, answer.path, answer.status, answer.body)
            assert bool(errors) == (server is variant), f"{server.name}: {answer.describe()}"
    variant = BY_NAME["videos/text-plain"]
    with variant.running(frozen) as origin:
        assert send(origin, variant.spec, variant.trigger)[-1].content_type == "text/plain"


@pytest.mark.parametrize(
    ("name", "exit_code"),
    [
        ("videos/base", 0),
        ("videos/extra-headers", 0),
        ("videos/missing-size", 1),
        ("videos/no-auth", 1),
    ],
)
def test_specforge_conform_runs_against_the_corpus(name: str, exit_code: int) -> None:
    result = conform_variant(name, max_examples=3)
    assert result.sent > 0
    assert result.exit_code == exit_code, result.failed_checks
