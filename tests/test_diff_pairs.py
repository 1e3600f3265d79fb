"""The diff catalogue against hand-made pairs: each file of tests/diff_pairs/ holds a `base` and a
`revision` document and what the diff must find (`expect`: the category rows, and whether any
change breaks clients, servers and the generated SDK). Also: the pairs reach every row, a full
document against itself with every mapping reversed has no change, and the diff compares
whatever it can parse."""

from __future__ import annotations

import copy
import random
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from specforge.document.loader import resolve_pointer
from specforge.document.schemas import normalize
from specforge.document.validate import openapi_version
from specforge.gate.diff import CATEGORIES, CategoryId, DiffResult, diff_documents
from specforge.gate.report import load_normalized

PAIRS = Path(__file__).parent / "diff_pairs"
SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "specs" / "together-openapi.yaml"
TODAY = date(2026, 6, 1)  # x-sunset dates in the pairs are 2024 (past) or 2998/2999 (future)
VERDICTS = ("clients", "servers", "sdk")
WORDS = {True: "breaking", False: "non-breaking"}


def _pair(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _normalized(document: dict[str, Any]) -> dict[str, Any]:
    return normalize(document, openapi_version(document))


def _diff(pair: dict[str, Any]) -> DiffResult:
    return diff_documents(_normalized(pair["base"]), _normalized(pair["revision"]), today=TODAY)


def _verdicts(result: DiffResult) -> dict[str, str]:
    return {
        "clients": WORDS[any(c.breaks_clients for c in result.changes)],
        "servers": WORDS[any(c.breaks_servers for c in result.changes)],
        "sdk": WORDS[any(c.breaks_sdk for c in result.changes)],
    }


PAIR_FILES = sorted(PAIRS.glob("*.yaml"))


@pytest.mark.parametrize("path", PAIR_FILES, ids=[path.stem for path in PAIR_FILES])
def test_pair(path: Path) -> None:
    pair = _pair(path)
    expect = pair["expect"]
    result = _diff(pair)
    found = sorted(row for change in result.changes for row in change.category_ids)
    shown = "\n".join(f"  {c.category_ids} #{c.pointer}: {c.message}" for c in result.changes)
    assert found == sorted(expect["categories"]), f"{pair['title']}\n{shown}"
    assert _verdicts(result) == {key: expect[key] for key in VERDICTS}, f"{pair['title']}\n{shown}"
    assert result.notes == []


@pytest.mark.parametrize("path", PAIR_FILES, ids=[path.stem for path in PAIR_FILES])
def test_pair_changes_carry_their_rows_verdicts(path: Path) -> None:
    """Each change breaks exactly whom its rows break, and has the highest of their levels."""
    by_id = {row.id: row for row in CATEGORIES}
    order = ("info", "non-breaking", "breaking")
    for change in _diff(_pair(path)).changes:
        rows = [by_id[row] for row in change.category_ids]  # type: ignore[index]
        assert {row.name for row in rows} == {change.category}
        assert change.breaks_clients == any(row.breaks_clients for row in rows)
        assert change.breaks_servers == any(row.breaks_servers for row in rows)
        assert change.breaks_sdk == any(row.breaks_sdk for row in rows)
        assert change.level == max((row.level for row in rows), key=order.index)


@pytest.mark.parametrize("path", PAIR_FILES, ids=[path.stem for path in PAIR_FILES])
def test_pair_changes_point_into_the_document_they_name(path: Path) -> None:
    """A change's pointer is into NEW, or into OLD when `in_old` (something removed)."""
    pair = _pair(path)
    old, new = _normalized(pair["base"]), _normalized(pair["revision"])
    for change in diff_documents(old, new, today=TODAY).changes:
        resolve_pointer(old if change.in_old else new, change.pointer)


def test_the_pairs_reach_every_row_of_the_catalogue() -> None:
    expected: Counter[str] = Counter()
    versions: Counter[str] = Counter()
    breaking = 0
    for path in PAIR_FILES:
        pair = _pair(path)
        expected.update(pair["expect"]["categories"])
        versions.update({openapi_version(pair["base"]), openapi_version(pair["revision"])})
        breaking += pair["expect"]["clients"] == "breaking" or pair["expect"]["sdk"] == "breaking"
    assert set(get_args(CategoryId)) - set(expected) == set()
    assert set(expected) - set(get_args(CategoryId)) == set()
    assert len(PAIR_FILES) >= 150 and len(PAIR_FILES) - breaking >= 40 and breaking >= 40
    assert versions["3.0"] >= 40 and versions["3.1"] >= 40


def _reversed(node: Any) -> Any:
    """`node` with the keys of every mapping in reverse order."""
    if isinstance(node, dict):
        return {key: _reversed(node[key]) for key in reversed(list(node))}
    if isinstance(node, list):
        return [_reversed(item) for item in node]
    return node


@pytest.mark.skipif(not SHARED_SPEC.is_file(), reason=f"{SHARED_SPEC} is not there")
def test_a_full_document_against_itself_with_every_mapping_reversed_has_no_change() -> None:
    document = load_normalized(SHARED_SPEC)
    result = diff_documents(document, _reversed(document))
    assert result.changes == [] and result.semver == "none" and result.notes == []
    assert not any(result.surface.values())


@pytest.mark.parametrize("path", PAIR_FILES[::7], ids=[path.stem for path in PAIR_FILES[::7]])
def test_a_pair_with_every_mapping_reversed_finds_the_same(path: Path) -> None:
    pair = _pair(path)
    reversed_pair = {
        **pair,
        "base": _reversed(pair["base"]),
        "revision": _reversed(pair["revision"]),
    }
    assert [c.as_dict() for c in _diff(reversed_pair).changes] == [
        c.as_dict() for c in _diff(pair).changes
    ]


_ODD_VALUES: tuple[Any, ...] = (
    None,
    0,
    -1,
    1.5,
    True,
    "",
    "x",
    [],
    {},
    [None],
    {"$ref": "#/nowhere"},
    {"$ref": 3},
    {"type": 5},
    {"oneOf": "x"},
    {"deprecated": True, "x-sunset": []},
    {"anyOf": [{"type": "null"}, {"$ref": "#/paths"}]},
)


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _places(value, (*path, index))
    return found


def test_the_diff_compares_whatever_it_can_parse() -> None:
    """Documents a validator rejects (any node replaced by an odd value) are still compared."""
    rng = random.Random(20260601)
    documents = [_normalized(_pair(path)["revision"]) for path in PAIR_FILES[::3]]
    for _ in range(300):
        old = rng.choice(documents)
        new = copy.deepcopy(old)
        for _ in range(rng.randint(1, 5)):
            *parents, last = rng.choice(_places(new)[1:])
            node: Any = new
            for part in parents:
                node = node[part]
            node[last] = copy.deepcopy(rng.choice(_ODD_VALUES))
        for before, after in ((old, new), (new, old)):
            result = diff_documents(before, after, today=TODAY)
            assert all(change.category for change in result.changes)
