"""The generator: spec file -> validated document -> intermediate model -> rendered package."""
