"""`specforge lint`: the rules, their findings on the seed spec, silencing, formats, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from specforge.cli import main
from specforge.document.loader import load_spec
from specforge.document.schemas import normalize
from specforge.gate.lint import RULES, lint_document, unknown_rules

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
SEED = ROOT / "spec" / "together-videos.yaml"
V1 = FIXTURES / "together-videos-v1.yaml"
LINT = FIXTURES / "lint"
BODY = "/components/schemas/CreateVideoBody/properties"

# The seed spec's real findings: (rule, severity, pointer).
SEED_FINDINGS = [
    ("example-invalid", "error", f"{BODY}/frame_images/example"),
    ("numeric-description-mismatch", "error", f"{BODY}/guidance_scale/description"),
    ("inline-object-without-title", "warning", "/components/schemas/VideoJob/properties/error"),
    ("enum-without-type", "warning", "/components/schemas/VideoJob/properties/object"),
    ("inline-object-without-title", "warning", "/components/schemas/VideoJob/properties/outputs"),
    ("missing-4xx-response", "warning", "/paths/~1videos/post/responses"),
]
REQUEST = "/paths/~1things/post/requestBody/content/application~1json/schema"
ALL_RULES_FINDINGS = [
    ("unused-component", "/components/schemas/Orphan"),
    ("unused-component", "/components/securitySchemes/unusedKey"),
    ("missing-operation-id", "/paths/~1things/get"),
    ("missing-4xx-response", "/paths/~1things/get/responses"),
    ("example-invalid", "/paths/~1things/get/responses/200/content/application~1json/example"),
    ("inline-object-without-title", REQUEST),
    ("enum-without-type", f"{REQUEST}/properties/color"),
    ("deprecated-without-replacement", f"{REQUEST}/properties/label"),
    ("numeric-description-mismatch", f"{REQUEST}/properties/size/description"),
    ("code-sample-unknown-call", "/paths/~1things/post/x-codeSamples/0/source"),
    ("code-sample-unknown-call", "/paths/~1things/post/x-codeSamples/0/source"),
    ("code-sample-unknown-call", "/paths/~1things/post/x-codeSamples/1/source"),
]


def lint(path: Path, ignore: tuple[str, ...] = ()) -> list[Any]:
    document = load_spec(path).document
    return lint_document(normalize(document, "3.1"), ignore)


def test_seed_spec_findings() -> None:
    findings = lint(SEED)
    assert [(f.rule, f.severity, f.pointer) for f in findings] == SEED_FINDINGS
    example = findings[0]
    assert "value[0] is an array, the schema expects object" in example.message
    assert "'6.0-10.0'" in findings[1].message
    assert all(f.fix for f in findings)


def test_seed_deprecations_name_their_replacement() -> None:
    assert not [f for f in lint(SEED) if f.rule == "deprecated-without-replacement"]


def test_seed_code_samples_call_existing_methods() -> None:
    assert not [f for f in lint(SEED) if f.rule == "code-sample-unknown-call"]


def test_older_seed_spec_findings() -> None:
    rules = [(f.rule, f.pointer) for f in lint(V1)]
    assert rules == [
        ("example-invalid", f"{BODY}/frame_images/example"),
        ("numeric-description-mismatch", f"{BODY}/guidance_scale/description"),
        ("missing-4xx-response", "/paths/~1videos/post/responses"),
    ]


def test_every_rule_fires_on_its_fixture() -> None:
    findings = lint(LINT / "all-rules.yaml")
    assert [(f.rule, f.pointer) for f in findings] == ALL_RULES_FINDINGS
    messages = " ".join(f.message for f in findings)
    assert "client.things.make()" in messages
    assert "passes colour to client.things.create()" in messages
    assert "client.widgets.create()" in messages


def test_duplicate_operation_ids() -> None:
    findings = lint(LINT / "duplicate-ids.yaml")
    assert [(f.rule, f.severity, f.pointer) for f in findings] == [
        ("duplicate-operation-id", "error", "/paths/~1b/get/operationId")
    ]
    assert "/paths/~1a/get" in findings[0].message


def test_clean_spec_has_no_findings() -> None:
    assert lint(LINT / "clean.yaml") == []


def test_every_rule_has_a_severity_and_fix() -> None:
    covered = {rule for rule, _ in ALL_RULES_FINDINGS} | {
        "duplicate-operation-id",
        "discriminator-unmapped-value",
    }
    assert covered == set(RULES)
    for spec_rule in RULES.values():
        assert spec_rule.severity in ("error", "warning")
        assert spec_rule.fix and "\n" not in spec_rule.fix


def test_ignore_by_rule_and_by_pointer() -> None:
    assert not [
        f
        for f in lint(SEED, ("inline-object-without-title",))
        if f.rule == "inline-object-without-title"
    ]
    one = "inline-object-without-title#/components/schemas/VideoJob/properties/error"
    left = [f.pointer for f in lint(SEED, (one,)) if f.rule == "inline-object-without-title"]
    assert left == ["/components/schemas/VideoJob/properties/outputs"]
    assert unknown_rules(("no-such-rule", one)) == ["no-such-rule"]


# -- the command line ------------------------------------------------------------------------------
@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder whose [tool.specforge] points at a copy of the seed spec."""
    (tmp_path / "spec.yaml").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.specforge]\nspec = "spec.yaml"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_errors_exit_1_with_text(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint"]) == 1
    out = capsys.readouterr().out
    assert "error [example-invalid]" in out
    assert "fix: make the example match the schema" in out
    assert out.rstrip().endswith("2 error(s), 4 warning(s)")


def test_cli_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"errors": 2, "warnings": 4}
    assert set(data["findings"][0]) == {"rule", "severity", "pointer", "message", "fix"}
    assert [(f["rule"], f["severity"], f["pointer"]) for f in data["findings"]] == SEED_FINDINGS


def test_cli_github_annotations_carry_lines(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    example_line = next(
        i for i, text in enumerate(SEED.read_text().splitlines(), 1) if text.strip() == "example:"
    )
    assert lines[0].startswith(
        f"::error file=spec.yaml,line={example_line},title=example-invalid::"
    )
    assert any(line.startswith("::warning ") for line in lines)


def test_cli_ignore_from_config_gives_exit_0(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.specforge]\nspec = "spec.yaml"\n'
        'lint_ignore = ["example-invalid", "numeric-description-mismatch"]\n',
        encoding="utf-8",
    )
    assert main(["lint"]) == 0
    assert "0 error(s), 4 warning(s)" in capsys.readouterr().out


def test_cli_unknown_ignored_rule_is_bad_usage(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.specforge]\nspec = "spec.yaml"\nlint_ignore = ["no-such-rule"]\n', encoding="utf-8"
    )
    assert main(["lint"]) == 2
    err = capsys.readouterr().err
    assert "no-such-rule" in err and "accepted: example-invalid" in err


def test_cli_clean_spec_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(LINT / "clean.yaml")]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_cli_warnings_only_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "warn.yaml"
    spec.write_text(
        (LINT / "clean.yaml").read_text().replace("        '422': {description: Invalid}\n", "")
    )
    assert main(["lint", str(spec)]) == 0
    assert "missing-4xx-response" in capsys.readouterr().out


def test_cli_missing_spec_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "missing.yaml"]) == 2
    err = capsys.readouterr().err
    assert "cannot read the spec" in err and "Traceback" not in err


def test_cli_bad_format_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["lint", "--format", "xml"])
    assert exit_info.value.code == 2
    assert "choose from 'text', 'json', 'github'" in capsys.readouterr().err


def test_cli_invalid_spec_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(LINT / "duplicate-ids.yaml")]) == 2
    assert "is not unique" in capsys.readouterr().err


def test_cli_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--list-rules"]) == 0
    assert set(line.split()[0] for line in capsys.readouterr().out.splitlines()) == set(RULES)


def _union_document(mapping: dict[str, str] | None) -> dict[str, object]:
    discriminator: dict[str, object] = {"propertyName": "type"}
    if mapping is not None:
        discriminator["mapping"] = mapping
    member = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["b64_json"]}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Images", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Image": {
                    "oneOf": [{"$ref": "#/components/schemas/ImageDataB64"}],
                    "discriminator": discriminator,
                },
                "ImageDataB64": member,
            }
        },
    }


def test_a_discriminator_without_the_mapping_its_members_need() -> None:
    found = [
        f for f in lint_document(_union_document(None)) if f.rule == "discriminator-unmapped-value"
    ]
    assert [(f.severity, f.pointer) for f in found] == [
        ("error", "/components/schemas/Image/discriminator")
    ]
    assert "'b64_json'" in found[0].message and "b64_json" in found[0].fix
    mapped = _union_document({"b64_json": "#/components/schemas/ImageDataB64"})
    assert not [f for f in lint_document(mapped) if f.rule == "discriminator-unmapped-value"]


def test_cli_lenient_lints_a_document_the_validator_rejects(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["lint", "--lenient", str(LINT / "duplicate-ids.yaml")]) == 1
    captured = capsys.readouterr()
    assert "duplicate-operation-id" in captured.out and "is not unique" in captured.err
