"""A corpus of small HTTP servers, each breaking at most one promise of its spec.

Five specs (`spec/together-videos.yaml`, `specs/bookshelf.yaml`, `specs/tracker.yaml`,
`specs/ledger.yaml`, `specs/fleet.yaml`), one hand-written base server per spec and a registry
of `Variant`s: the base with one switch on, either a fault (one broken promise, with a trigger
request that shows it) or a conformant alternative (a legitimately different correct server).
`bench/corpus.py` runs `specforge conform` and plain Schemathesis against every variant.
"""

from tests.fault_corpus.registry import BY_NAME, SPECS, VARIANTS, base
from tests.fault_corpus.variants import SpecInfo, Step, Variant

__all__ = ["BY_NAME", "SPECS", "VARIANTS", "SpecInfo", "Step", "Variant", "base"]
