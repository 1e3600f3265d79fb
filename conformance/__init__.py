"""Conformance: a spec-driven mock server and a property-based conformance suite."""
