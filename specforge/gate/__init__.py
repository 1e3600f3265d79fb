"""The spec gate: lint, breaking-change diff, and the steps CI runs on every spec change."""
