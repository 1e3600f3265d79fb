"""The diff as a SARIF 2.1.0 log: the category table as rules, one result per change.

`tool.driver.rules` has one rule per category of `CATEGORIES` (id: the category; its default
level the highest any of its rows gives). Each result names its rule, its own level (error: it
breaks SDK users; warning: it breaks only servers; note: it breaks nobody), a message, and one
location: the new spec file, at the line of the change's JSON pointer there, with the pointer
itself as the logical location's fully qualified name. The run's properties carry the
suggested bump and the two SDK versions. Texts pass `sarif_text`, the file `sarif_uri`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from specforge import __version__
from specforge.gate.compare import Comparison, severity, whom
from specforge.gate.diff import CATEGORIES, Change
from specforge.generator.escaping import sarif_text, sarif_uri

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_RANK = ("note", "warning", "error")


def _row_level(row: Any) -> str:
    breaking = row.breaks_clients or row.breaks_sdk
    return "error" if breaking else "warning" if row.breaks_servers else "note"


def rules() -> list[dict[str, Any]]:
    """One rule per category, in the order of the category table."""
    grouped: dict[str, list[Any]] = {}
    for row in CATEGORIES:
        grouped.setdefault(row.name, []).append(row)
    found = []
    for name, rows in grouped.items():
        short = (
            rows[0].description
            if len(rows) == 1
            else "; ".join(f"{row.when}: {row.level}" for row in rows)
        )
        full = " ".join(
            f"{row.when + ': ' if row.when else ''}{row.description} (e.g. {row.example})."
            for row in rows
        )
        found.append(
            {
                "id": name,
                "name": "".join(part.title() for part in name.split("-")),
                "shortDescription": {"text": sarif_text(short)},
                "fullDescription": {"text": sarif_text(full)},
                "defaultConfiguration": {"level": max(map(_row_level, rows), key=_RANK.index)},
                "properties": {
                    "situations": [
                        {
                            "when": sarif_text(row.when or "always"),
                            "level": row.level,
                            "breaksClients": row.breaks_clients,
                            "breaksServers": row.breaks_servers,
                            "breaksSdk": row.breaks_sdk,
                        }
                        for row in rows
                    ]
                },
            }
        )
    return found


def _fingerprint(change: Change) -> str:
    key = "\0".join((change.category, change.pointer, change.message))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _location(comparison: Comparison, change: Change) -> dict[str, Any]:
    artifact: dict[str, Any] = {"uri": sarif_uri(comparison.file)}
    if not comparison.file.startswith("/"):
        artifact["uriBaseId"] = "%SRCROOT%"
    name = change.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    return {
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {"startLine": comparison.line_of(change.pointer)},
        },
        "logicalLocations": [
            {"name": sarif_text(name), "fullyQualifiedName": sarif_text(change.pointer)}
        ],
    }


def as_sarif(comparison: Comparison) -> dict[str, Any]:
    """The SARIF log (a JSON value)."""
    table = rules()
    index = {rule["id"]: position for position, rule in enumerate(table)}
    results = [
        {
            "ruleId": change.category,
            "ruleIndex": index[change.category],
            "level": severity(change),
            "message": {
                "text": sarif_text(f"{change.message} ({whom(change)}) at {change.pointer}")
            },
            "locations": [_location(comparison, change)],
            "partialFingerprints": {"specforgeChange/v1": _fingerprint(change)},
            "properties": {
                "jsonPointer": sarif_text(change.pointer),
                "breaksClients": change.breaks_clients,
                "breaksServers": change.breaks_servers,
                "breaksSdk": change.breaks_sdk,
            },
        }
        for change in comparison.result.changes
    ]
    bump = comparison.bump
    run = {
        "tool": {
            "driver": {
                "name": "specforge",
                "version": __version__,
                "rules": table,
            }
        },
        "results": results,
        "properties": {
            "suggestedBump": bump.level if comparison.result.changes else "none",
            "sdkVersion": {"old": str(bump.old), "new": str(bump.new)},
            "breaking": comparison.result.breaking,
            "counts": comparison.result.counts(),
        },
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
