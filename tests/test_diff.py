"""`specforge diff`: the seed pair, one hand-made pair per category (both ways), output, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specforge.cli import main
from specforge.gate.diff import DiffResult
from specforge.gate.report import diff_files

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
CURRENT = ROOT / "spec" / "together-videos.yaml"
V1 = FIXTURES / "together-videos-v1.yaml"
PAIRS = FIXTURES / "diff"
BASE = PAIRS / "base.yaml"
BODY = "/components/schemas/CreateVideoBody/properties"
JOB = "/components/schemas/VideoJob/properties"

# The seed pair (older docs page -> current spec): (pointer, category, clients, servers, sdk).
SEED_CHANGES = [
    ("/components/schemas/AudioRef", "component-added", False, False, False),
    (f"{BODY}/frame_images", "property-deprecated", False, False, False),
    (f"{BODY}/generate_audio", "property-added", False, False, False),
    (f"{BODY}/media", "property-added", False, False, False),
    (f"{BODY}/ratio", "property-added", False, False, False),
    (f"{BODY}/reference_images", "property-deprecated", False, False, False),
    (f"{BODY}/resolution", "property-added", False, False, False),
    (f"{JOB}/completed_at", "property-added", False, False, False),
    (f"{JOB}/created_at", "property-added", False, True, False),
    (f"{JOB}/error", "property-added", False, False, False),
    (f"{JOB}/model", "property-added", False, True, False),
    (f"{JOB}/object", "property-added", False, False, False),
    (f"{JOB}/outputs", "property-added", False, False, False),
    (f"{JOB}/seconds", "property-added", False, True, False),
    (f"{JOB}/size", "property-added", False, True, False),
    (f"{JOB}/status", "property-added", False, True, False),
    ("/components/schemas/VideoMedia", "component-added", False, False, False),
    ("/components/schemas/VideoRef", "component-added", False, False, False),
    ("/components/schemas/VideoStatus", "component-added", False, False, False),
]


def rows(result: DiffResult) -> list[tuple[str, str, bool, bool, bool]]:
    return [
        (c.pointer, c.category, c.breaks_clients, c.breaks_servers, c.breaks_sdk)
        for c in result.changes
    ]


def test_seed_pair_changes() -> None:
    result = diff_files(V1, CURRENT)
    assert rows(result) == SEED_CHANGES
    assert result.semver == "minor"
    assert not result.breaking
    messages = {c.pointer: c.message for c in result.changes}
    assert (
        messages[f"{BODY}/frame_images"]
        == "property 'frame_images' deprecated (use media.frame_images instead)"
    )
    assert messages[f"{JOB}/status"] == "required response property 'status' added"
    assert result.surface == {
        "classes_added": ["AudioRef", "VideoMedia", "VideoRef", "VideoStatus"],
        "classes_removed": [],
        "methods_added": [],
        "methods_removed": [],
        "parameters_added": [
            "videos.create(generate_audio)",
            "videos.create(media)",
            "videos.create(ratio)",
            "videos.create(resolution)",
        ],
        "parameters_removed": [],
    }


def test_seed_pair_reversed_is_breaking() -> None:
    result = diff_files(CURRENT, V1)
    categories = {c.category for c in result.changes}
    assert categories == {"component-removed", "property-removed", "property-undeprecated"}
    assert result.semver == "major" and result.breaking
    status = next(c for c in result.changes if c.pointer == f"{JOB}/status")
    assert (status.breaks_clients, status.breaks_servers, status.breaks_sdk) == (True, False, True)


def test_identical_specs_have_no_changes() -> None:
    result = diff_files(CURRENT, CURRENT)
    assert result.changes == [] and result.semver == "none"


# One hand-made pair per category: fixture -> (forward changes, reverse changes), each change
# (category, breaks_clients, breaks_servers, breaks_sdk, pointer).
P = "/paths/~1pets"
ITEM = "/paths/~1pets~1{pet_id}"
S = "/components/schemas"
CASES: dict[
    str, tuple[list[tuple[str, bool, bool, bool, str]], list[tuple[str, bool, bool, bool, str]]]
] = {
    "path-added": (
        [("path-added", False, True, False, "/paths/~1owners")],
        [("path-removed", True, False, True, "/paths/~1owners")],
    ),
    "operation-added": (
        [("operation-added", False, True, False, f"{ITEM}/delete")],
        [("operation-removed", True, False, True, f"{ITEM}/delete")],
    ),
    "server-url-changed": (
        [
            ("server-url-changed", True, True, False, f"{P}/get"),
            ("server-url-changed", True, True, False, f"{P}/post"),
            ("server-url-changed", True, True, False, f"{ITEM}/get"),
        ],
        [
            ("server-url-changed", True, True, False, f"{P}/get"),
            ("server-url-changed", True, True, False, f"{P}/post"),
            ("server-url-changed", True, True, False, f"{ITEM}/get"),
        ],
    ),
    "server-moved": ([], []),
    "const-equivalent": ([], []),
    "parameter-added": (
        [("parameter-added", False, True, False, f"{P}/get/parameters/2")],
        [("parameter-removed", True, False, True, f"{P}/get/parameters/2")],
    ),
    "parameter-required": (
        [("parameter-required", True, False, True, f"{P}/get/parameters/0")],
        [("parameter-optional", False, True, False, f"{P}/get/parameters/0")],
    ),
    "property-added": (
        [("property-added", False, False, False, f"{S}/NewPet/properties/color")],
        [("property-removed", True, False, True, f"{S}/NewPet/properties/color")],
    ),
    "property-required": (
        [("property-required", True, False, True, f"{S}/NewPet/properties/tag")],
        [("property-optional", False, True, False, f"{S}/NewPet/properties/tag")],
    ),
    "response-property-optional": (
        [("property-optional", True, False, True, f"{S}/Pet/properties/name")],
        [("property-required", False, True, False, f"{S}/Pet/properties/name")],
    ),
    "response-property-required-added": (
        [("property-added", False, True, False, f"{S}/Pet/properties/created_at")],
        [("property-removed", True, False, True, f"{S}/Pet/properties/created_at")],
    ),
    "type-widened": (
        [("type-widened", False, True, False, f"{S}/NewPet/properties/age")],
        [("type-narrowed", True, False, True, f"{S}/NewPet/properties/age")],
    ),
    "type-changed": (
        [("type-changed", True, True, True, f"{S}/Pet/properties/id")],
        [("type-changed", True, True, True, f"{S}/Pet/properties/id")],
    ),
    "enum-value-added": (
        [("enum-value-added", False, True, False, f"{P}/get/parameters/1/schema")],
        [("enum-value-removed", True, False, True, f"{P}/get/parameters/1/schema")],
    ),
    "shared-enum-value-added": (
        [("enum-value-added", True, True, True, f"{S}/PetKind")],
        [("enum-value-removed", True, True, True, f"{S}/PetKind")],
    ),
    "bounds-tightened": (
        [("bounds-tightened", True, False, False, f"{P}/get/parameters/0/schema")],
        [("bounds-loosened", False, True, False, f"{P}/get/parameters/0/schema")],
    ),
    "property-deprecated": (
        [("property-deprecated", False, False, False, f"{S}/NewPet/properties/tag")],
        [("property-undeprecated", False, False, False, f"{S}/NewPet/properties/tag")],
    ),
    "response-status-added": (
        [("response-status-added", False, False, False, f"{P}/post/responses/409")],
        [("response-status-removed", False, True, False, f"{P}/post/responses/409")],
    ),
    "content-type-added": (
        [
            (
                "content-type-added",
                False,
                True,
                False,
                f"{ITEM}/get/responses/200/content/application~1xml",
            )
        ],
        [
            (
                "content-type-removed",
                True,
                True,
                True,
                f"{ITEM}/get/responses/200/content/application~1xml",
            )
        ],
    ),
    "component-renamed": (
        [("component-renamed", False, False, True, f"{S}/ApiError")],
        [("component-renamed", False, False, True, f"{S}/Error")],
    ),
}


def flags(result: DiffResult) -> list[tuple[str, bool, bool, bool, str]]:
    return [
        (c.category, c.breaks_clients, c.breaks_servers, c.breaks_sdk, c.pointer)
        for c in result.changes
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_hand_made_pair_forward(name: str) -> None:
    assert flags(diff_files(BASE, PAIRS / f"{name}.yaml")) == CASES[name][0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_hand_made_pair_reverse(name: str) -> None:
    assert flags(diff_files(PAIRS / f"{name}.yaml", BASE)) == CASES[name][1]


def test_every_fixture_pair_is_covered() -> None:
    names = {path.stem for path in PAIRS.glob("*.yaml")} - {"base"}
    assert names == set(CASES) | {"path-moved"}


def test_equivalent_rewrites_are_not_changes() -> None:
    for name in ("server-moved", "const-equivalent"):
        result = diff_files(BASE, PAIRS / f"{name}.yaml")
        assert result.changes == [] and result.semver == "none" and not result.breaking


def test_path_moved_into_the_path_key_is_no_change_at_all() -> None:
    """Same URLs, so no contract change; a leading version segment does not name a resource,
    so the generated SDK keeps `client.pets` too."""
    result = diff_files(BASE, PAIRS / "path-moved.yaml")
    assert result.changes == []
    assert result.surface["methods_removed"] == [] and result.surface["methods_added"] == []
    assert result.semver == "none" and not result.breaking


def test_component_rename_keeps_the_wire_format() -> None:
    result = diff_files(BASE, PAIRS / "component-renamed.yaml")
    (change,) = result.changes
    assert "renamed to ApiError (same wire format)" in change.message
    assert result.surface["classes_removed"] == ["Error"] and result.surface["classes_added"] == [
        "ApiError"
    ]
    assert result.semver == "major"


@pytest.mark.parametrize(
    ("name", "bump"),
    [
        ("property-added", "minor"),
        ("property-added-reverse", "major"),
        ("response-status-added-reverse", "patch"),
    ],
)
def test_semver_suggestion(name: str, bump: str) -> None:
    fixture = PAIRS / f"{name.removesuffix('-reverse')}.yaml"
    old, new = (fixture, BASE) if name.endswith("-reverse") else (BASE, fixture)
    assert diff_files(old, new).semver == bump


# -- the command line ------------------------------------------------------------------------------
def test_cli_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(V1), str(CURRENT), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"old", "new", "summary", "changes", "sdk_surface"}
    assert data["summary"] == {
        "changes": 19,
        "breaks_clients": 0,
        "breaks_servers": 5,
        "breaks_sdk": 0,
        "breaking": False,
        "semver": "minor",
    }
    for change in data["changes"]:
        assert set(change) >= {
            "pointer",
            "category",
            "breaks_clients",
            "breaks_servers",
            "breaks_sdk",
            "message",
        }
        assert all(
            isinstance(change[key], bool)
            for key in ("breaks_clients", "breaks_servers", "breaks_sdk")
        )
    assert [
        (c["pointer"], c["category"], c["breaks_clients"], c["breaks_servers"], c["breaks_sdk"])
        for c in data["changes"]
    ] == SEED_CHANGES


def test_cli_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(CURRENT), str(V1), "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("## Spec diff")
    assert ":x: **Breaking change(s) for SDK users.** Suggested SDK version bump: major" in out
    assert "| Category | Where | Change | Clients | Servers | SDK |" in out
    assert (
        f"| `property-removed` | `{JOB}/status` | response property 'status' removed | **breaks** | ok | **breaks** |"
        in out
    )
    assert "### Generated SDK surface" in out and "- Classes removed: `AudioRef`" in out


def test_cli_markdown_without_changes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(BASE), str(PAIRS / "server-moved.yaml"), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert ":white_check_mark: **No breaking change for SDK users.**" in out
    assert "No changes to the API contract." in out


def test_cli_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(V1), str(CURRENT)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        f"[property-added] #{BODY}/media: optional request property 'media' added (compatible)"
        in out
    )
    assert out[-1] == (
        "Suggested SDK version bump: minor (19 change(s): 0 break clients, 5 break servers, "
        "0 break the generated SDK)"
    )


@pytest.mark.parametrize(
    ("fail_on", "forward", "reverse"),
    [
        ("breaking", 0, 1),
        ("any", 1, 1),
        ("none", 0, 0),
    ],
)
def test_cli_fail_on(
    fail_on: str, forward: int, reverse: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(V1), str(CURRENT), "--fail-on", fail_on]) == forward
    assert main(["diff", str(CURRENT), str(V1), "--fail-on", fail_on]) == reverse
    assert main(["diff", str(CURRENT), str(CURRENT), "--fail-on", fail_on]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", str(CURRENT)],
        ["diff", str(V1), str(CURRENT), "--fail-on", "sometimes"],
        ["diff", str(V1), str(CURRENT), "--format", "html"],
    ],
)
def test_cli_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "run 'specforge diff --help' for what is accepted" in err


def test_cli_unreadable_or_unsupported_spec_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(tmp_path / "missing.yaml"), str(CURRENT)]) == 2
    assert "cannot read the spec" in capsys.readouterr().err
    swagger = tmp_path / "swagger.yaml"
    swagger.write_text('swagger: "2.0"\n', encoding="utf-8")
    assert main(["diff", str(swagger), str(CURRENT)]) == 2
    assert "3.0.x and 3.1.x are accepted" in capsys.readouterr().err
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(
        CURRENT.read_text(encoding="utf-8").replace("- model\n", "model\n", 1), encoding="utf-8"
    )
    assert main(["diff", str(CURRENT), str(invalid)]) == 2
    assert "invalid spec" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: [unclosed\n", encoding="utf-8")
    assert main(["diff", str(CURRENT), str(broken)]) == 2
    assert "Traceback" not in capsys.readouterr().err
