"""Code a user of the generated SDKs writes: type-checked with `mypy --strict` and run against the mock."""
