"""The spec-driven mock server: every operation of a spec at its full path, under uvicorn."""

from specforge.conformance.mock.server import MockOptions, build_app, running, serve

__all__ = ["MockOptions", "build_app", "running", "serve"]
