"""The suite's own checks, without Schemathesis' engine, against one variant of the corpus."""

from __future__ import annotations

import io

from specforge.conformance.runner import ConformOptions, ConformResult, conform
from tests.fault_corpus import BY_NAME

# Schemathesis' engine is left out (`-k "not test_schemathesis"`): a run takes about a second.
OWN_CHECKS_ONLY = ["-k", "not test_schemathesis"]


def own_checks(name: str) -> ConformResult:
    """`specforge conform` with only the suite's own checks against the variant `name`."""
    variant = BY_NAME[name]
    with variant.running() as origin:
        options = ConformOptions(
            spec=variant.spec.path,
            base_url=origin,
            api_key=variant.spec.key,
            max_examples=1,
            budget=100_000,
            pytest_args=OWN_CHECKS_ONLY,
        )
        return conform(options, out=io.StringIO())
