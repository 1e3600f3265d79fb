"""Fault switches of the mock server: each breaks one promise of the spec on purpose."""

from __future__ import annotations

from dataclasses import dataclass, field

from specforge.document.errors import ConfigError


@dataclass(frozen=True)
class FaultInfo:
    """A fault: what it does, the check that must catch it, its default rate or delay."""

    description: str
    detected_by: str
    default: int = 0


FAULTS: dict[str, FaultInfo] = {
    "missing-required-field": FaultInfo("responses omit a required property", "response_schema"),
    "wrong-type": FaultInfo("a response property has the wrong JSON type", "response_schema"),
    "unlisted-enum-value": FaultInfo(
        "a response enum property carries a value the spec does not list", "response_enum_values"
    ),
    "undocumented-content-type": FaultInfo(
        "JSON responses are sent as text/plain", "response_content_type"
    ),
    "undocumented-status": FaultInfo(
        "successes answer 202 where the spec documents another 2xx", "status_code_documented"
    ),
    "server-error-on-input": FaultInfo(
        "about one request in three answers 500 (chosen by a hash of the input)", "no_server_error"
    ),
    "no-auth-check": FaultInfo("credentials are not checked", "auth_required"),
    "accept-invalid-body": FaultInfo(
        "bodies and parameters are not validated (2xx for bad input)", "invalid_input_rejected"
    ),
    "reject-valid-enum-value": FaultInfo(
        "the last listed value of each request enum is refused", "enum_values_accepted"
    ),
    "accept-enum-other-case": FaultInfo(
        "request enums are matched case-insensitively", "enum_others_rejected"
    ),
    "ignore-deprecated-field": FaultInfo(
        "deprecated fields are dropped instead of used as their replacement", "deprecated_fallback"
    ),
    "deprecated-conflict-500": FaultInfo(
        "a deprecated field given with its replacement answers 500", "deprecated_conflict"
    ),
    "boundary-off-by-one": FaultInfo(
        "bounds are one step looser (one past the edge is accepted)", "boundary_past_rejected"
    ),
    "boundary-edge-rejected": FaultInfo(
        "bounds are one step tighter (the edge itself is refused)", "boundary_edge_accepted"
    ),
    "status-regression": FaultInfo(
        "a completed job goes back to its pending state on the next retrieve",
        "lifecycle_status_forward",
    ),
    "missing-outputs-on-completed": FaultInfo(
        "completed jobs lack their outputs", "lifecycle_completed_outputs"
    ),
    "unknown-id-found": FaultInfo("retrieving an unknown id answers 2xx", "lifecycle_unknown_id"),
    "latency": FaultInfo("every response is delayed by N milliseconds (default 200)", "", 200),
    "rate-limit": FaultInfo("every Nth request (default 3) answers 429 with Retry-After", "", 3),
    "unavailable": FaultInfo("every Nth request (default 4) answers 503 with Retry-After", "", 4),
}


@dataclass(frozen=True)
class Faults:
    """The active fault switches, with their numeric settings."""

    active: frozenset[str] = frozenset()
    values: dict[str, int] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.active

    def value(self, name: str) -> int:
        return self.values.get(name, FAULTS[name].default)

    def as_args(self) -> list[str]:
        """The `--fault` arguments that recreate this set."""
        args: list[str] = []
        for name in sorted(self.active):
            suffix = f"={self.values[name]}" if name in self.values else ""
            args += ["--fault", name + suffix]
        return args


def parse_faults(specs: list[str] | None) -> Faults:
    """`["rate-limit=5", "wrong-type"]` -> Faults; unknown names are a ConfigError."""
    active: set[str] = set()
    values: dict[str, int] = {}
    for spec in specs or []:
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            name, _, raw = item.partition("=")
            if name not in FAULTS:
                raise ConfigError(f"unknown fault {name!r}; accepted: {', '.join(FAULTS)}")
            if raw:
                if not raw.isdigit() or int(raw) < 1:
                    raise ConfigError(f"fault {name}={raw!r}: the value must be a positive integer")
                if not FAULTS[name].default:
                    raise ConfigError(f"fault {name} takes no value")
                values[name] = int(raw)
            active.add(name)
    return Faults(frozenset(active), values)
