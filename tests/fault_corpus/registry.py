"""Every variant of the corpus, by name."""

from __future__ import annotations

from tests.fault_corpus import (
    bookshelf_variants,
    fleet_variants,
    ledger_variants,
    tracker_variants,
    videos_variants,
)
from tests.fault_corpus.variants import SpecInfo, Variant

SPECS: tuple[SpecInfo, ...] = (
    videos_variants.INFO,
    bookshelf_variants.INFO,
    tracker_variants.INFO,
    ledger_variants.INFO,
    fleet_variants.INFO,
)
VARIANTS: tuple[Variant, ...] = (
    *videos_variants.VARIANTS,
    *bookshelf_variants.VARIANTS,
    *tracker_variants.VARIANTS,
    *ledger_variants.VARIANTS,
    *fleet_variants.VARIANTS,
)
BY_NAME: dict[str, Variant] = {variant.name: variant for variant in VARIANTS}


def base(spec: SpecInfo) -> Variant:
    """The spec's base server (its conformant variant with no switch)."""
    return next(v for v in VARIANTS if v.spec is spec and not v.switch)
