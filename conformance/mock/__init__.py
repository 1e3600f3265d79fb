"""The spec-driven mock server: every operation of a spec at its full path, under uvicorn.

Import what you need from `specforge.conformance.mock.server`; this package imports nothing on
its own, so that a module of it (`sse`, whose document rewrite the suite also uses against a
live server) comes without uvicorn and asyncio.
"""
