"""`specforge conform` against one variant of the corpus: the whole suite or a part of it."""

from __future__ import annotations

import io
from collections.abc import Sequence

from specforge.conformance.runner import ConformOptions, ConformResult, conform
from tests.fault_corpus import BY_NAME

# Schemathesis' engine is left out (`-k "not test_schemathesis"`): a run takes about a second.
OWN_CHECKS_ONLY = ["-k", "not test_schemathesis"]


def conform_variant(
    name: str,
    max_examples: int,
    pytest_args: Sequence[str] = (),
    continue_on_failure: bool = False,
) -> ConformResult:
    """`specforge conform` against a freshly started server of the variant `name`."""
    variant = BY_NAME[name]
    with variant.running() as origin:
        options = ConformOptions(
            spec=variant.spec.path,
            base_url=origin,
            api_key=variant.spec.key,
            max_examples=max_examples,
            budget=100_000,
            continue_on_failure=continue_on_failure,
            pytest_args=list(pytest_args),
        )
        return conform(options, out=io.StringIO())


def own_checks(name: str) -> ConformResult:
    """`specforge conform` with only the suite's own checks against the variant `name`."""
    return conform_variant(name, max_examples=1, pytest_args=OWN_CHECKS_ONLY)
