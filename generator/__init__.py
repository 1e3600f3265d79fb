"""specforge: spec-driven Python SDK generator and API conformance suite."""

__version__ = "0.1.0"
