"""specforge: spec-driven Python SDK generator and API conformance suite.

The data path, one package a stage: `specforge.generator` (spec file -> document ->
intermediate model -> rendered files), `specforge.conformance` (mock server and suite),
`specforge.gate` steps run by `specforge gate`, and `specforge.cli`, a thin layer above them.
"""

__version__ = "0.2.0"
