"""A copy of a spec with one component schema changed: the input of the bench's one-changed runs.

The change is a text edit ("Changed. " at the start of one `description` inside
`components/schemas`), so the copy is the same document, written the same way, but for that one
schema; both are loaded to check it (a plain YAML or JSON load). When no description can be
edited so, the schema gets one and the copy is written as JSON (then its parse time differs).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

MARK = "Changed. "
_YAML_DESCRIPTION = re.compile(r"\n[ \t]+description:[ \t]*(?P<quote>['\"]?)(?=[^|>\s{\[])")
_JSON_DESCRIPTION = re.compile(r"\"description\"\s*:\s*\"")
_TRIES = 200


def load(text: str) -> Any:
    """The document of a YAML or JSON text (no checks: the bench's own inputs)."""
    if text.lstrip().startswith("{"):
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def changed_schema(before: Any, after: Any) -> str | None:
    """The one component schema `after` changes (None unless exactly one changed, and nothing
    else in the document did)."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return None
    old = before.get("components", {}).get("schemas", {})
    new = after.get("components", {}).get("schemas", {})
    if set(old) != set(new):
        return None
    names = [name for name in old if old[name] != new[name]]
    if len(names) != 1:
        return None
    rest = {k: v for k, v in after.items() if k != "components"}
    if rest != {k: v for k, v in before.items() if k != "components"}:
        return None
    others = {k: v for k, v in after["components"].items() if k != "schemas"}
    if others != {k: v for k, v in before["components"].items() if k != "schemas"}:
        return None
    return str(names[0])


def write_changed(spec: Path, folder: Path) -> tuple[Path, str]:
    """Write the one-schema-changed copy of `spec` into `folder`: (its path, the schema)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = spec.read_text(encoding="utf-8")
    document = load(text)
    start = _schemas_at(text)
    pattern = _JSON_DESCRIPTION if text.lstrip().startswith("{") else _YAML_DESCRIPTION
    target = folder / f"{spec.stem}-changed{spec.suffix}"
    for tries, match in enumerate(pattern.finditer(text, start)):
        if tries >= _TRIES:
            break
        edited = text[: match.end()] + MARK + text[match.end() :]
        try:
            name = changed_schema(document, load(edited))
        except (ValueError, yaml.YAMLError):
            continue
        if name:
            target.write_text(edited, encoding="utf-8")
            return target, name
    schemas = document["components"]["schemas"]
    name = next(n for n, s in schemas.items() if isinstance(s, dict))
    schemas[name] = {
        **schemas[name],
        "description": MARK + str(schemas[name].get("description", "")),
    }
    target = target.with_suffix(".json")
    target.write_text(json.dumps(document), encoding="utf-8")
    return target, f"{name} (rewritten as JSON)"


def _schemas_at(text: str) -> int:
    """Where `components/schemas` likely starts in the text (0 when it cannot be told)."""
    found = re.search(r"^components:\s*$", text, re.MULTILINE) or re.search(
        r"\"components\"\s*:", text
    )
    if not found:
        return 0
    schemas = re.compile(r"^[ \t]+schemas:\s*$|\"schemas\"\s*:", re.MULTILINE).search(
        text, found.end()
    )
    return schemas.end() if schemas else found.end()
