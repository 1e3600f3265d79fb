"""Generation: determinism, drift check, output quality, polling helper, clear errors."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from specforge import __version__
from specforge.cli import main
from specforge.config import load_config
from specforge.document.errors import SpecError
from specforge.generator.drift import tree_files
from specforge.generator.pipeline import build, generate
from tests.conftest import ROOT
from tests.scripted_server import Reply, ScriptedServer

FIXTURES = ROOT / "tests" / "fixtures"
COMMITTED = ROOT / "generated" / "together_videos"
JOB = {
    "id": "job-9",
    "model": "m",
    "status": "in_progress",
    "created_at": 1.0,
    "size": "s",
    "seconds": "4",
}


@pytest.fixture(scope="module")
def video_jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The fixture spec with GET /videos/{id}, generated and imported as `video_jobs`."""
    out = tmp_path_factory.mktemp("gen") / "video_jobs"
    config = load_config(ROOT).with_overrides(
        spec=FIXTURES / "video-jobs.yaml", package="video_jobs", output=out
    )
    generate(config)
    sys.path.insert(0, str(out / "src"))
    try:
        yield importlib.import_module("video_jobs")
    finally:
        sys.path.remove(str(out / "src"))


def test_two_generations_are_byte_identical(tmp_path: Path) -> None:
    config = load_config(ROOT)
    generate(config, output=tmp_path / "a")
    generate(config, output=tmp_path / "b")
    assert tree_files(tmp_path / "a") == tree_files(tmp_path / "b")


def test_committed_package_is_current(tmp_path: Path) -> None:
    generate(load_config(ROOT), output=tmp_path / "fresh")
    assert tree_files(tmp_path / "fresh") == tree_files(COMMITTED)


def test_headers_name_spec_checksum_and_generator_version() -> None:
    digest = hashlib.sha256((ROOT / "spec" / "together-videos.yaml").read_bytes()).hexdigest()
    for name, data in tree_files(COMMITTED).items():
        if name.endswith((".py", ".toml")) and not name.endswith("py.typed"):
            first = data.decode().splitlines()[0]
            assert digest in first and f"specforge {__version__}" in first, name


def test_check_fails_with_a_diff_after_a_hand_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "together_videos"
    shutil.copytree(COMMITTED, copy, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    assert main(["check", "--output", str(copy)]) == 0
    models = copy / "src" / "together_videos" / "models.py"
    models.write_text(models.read_text().replace("class VideoJob(", "class VideoJobEdited("))
    assert main(["check", "--output", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "-class VideoJobEdited(" in out and "+class VideoJob(" in out and "models.py" in out
    assert main(["generate", "--output", str(copy)]) == 0
    assert main(["check", "--output", str(copy)]) == 0


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy", "--strict", "src"],
    ],
)
def test_generated_code_passes_ruff_and_mypy_strict(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=COMMITTED,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_polling_helper_runs_until_terminal(video_jobs: ModuleType, server: ScriptedServer) -> None:
    server.script(
        Reply(body=JOB),
        Reply(body=JOB),
        Reply(
            body={**JOB, "status": "completed", "outputs": {"cost": 1, "video_url": "https://v"}}
        ),
    )
    client = video_jobs.Client(api_key="k", base_url=server.base_url)
    job = client.videos.create_and_poll(model="m", poll_interval=0.01)
    assert job.status == "completed" and job.outputs.video_url == "https://v"
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/v2/videos"),
        ("GET", "/v2/videos/job-9"),
        ("GET", "/v2/videos/job-9"),
    ]


def test_polling_times_out(video_jobs: ModuleType, server: ScriptedServer) -> None:
    server.script(Reply(body=JOB))
    client = video_jobs.Client(api_key="k", base_url=server.base_url)
    with pytest.raises(video_jobs.PollingTimeoutError, match="in_progress"):
        client.videos.poll("job-9", interval=0.05, timeout=0.2)


def test_async_polling(video_jobs: ModuleType, server: ScriptedServer) -> None:
    server.script(
        Reply(body=JOB), Reply(body={**JOB, "status": "failed", "error": {"message": "no"}})
    )

    async def run() -> object:
        async with video_jobs.AsyncClient(api_key="k", base_url=server.base_url) as client:
            return await client.videos.poll("job-9", interval=0.01)

    assert asyncio.run(run()).status == "failed"  # type: ignore[attr-defined]


def test_spec_declared_idempotency_header(video_jobs: ModuleType, server: ScriptedServer) -> None:
    server.script(Reply(503, {"error": "x"}, {"Retry-After": "0"}), Reply(body=JOB))
    video_jobs.Client(api_key="k", base_url=server.base_url).videos.create(model="m")
    keys = {r.headers.get("Idempotency-Key") for r in server.requests}
    assert len(server.requests) == 2 and len(keys) == 1 and None not in keys


def test_path_parameters_are_escaped(video_jobs: ModuleType, server: ScriptedServer) -> None:
    server.script(Reply(body=JOB))
    video_jobs.Client(api_key="k", base_url=server.base_url).videos.retrieve("../../etc/passwd")
    assert server.requests[0].path == "/v2/videos/..%2F..%2Fetc%2Fpasswd"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_invalid_spec_names_pointer_and_rule(tmp_path: Path) -> None:
    spec = (
        (ROOT / "spec" / "together-videos.yaml")
        .read_text()
        .replace("maximum: 50", "maximum: fifty")
    )
    config = load_config(ROOT).with_overrides(spec=write(tmp_path, spec))
    with pytest.raises(SpecError) as caught:
        build(config)
    text = str(caught.value)
    assert (
        "/components/schemas/CreateVideoBody/properties/steps/maximum" in text and "[type]" in text
    )


@pytest.mark.parametrize(
    "ref", ["file:///etc/passwd", "../../outside.yaml", "http://example.invalid/x.yaml"]
)
def test_external_refs_are_refused(
    tmp_path: Path, ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (
        (ROOT / "spec" / "together-videos.yaml")
        .read_text()
        .replace("$ref: '#/components/schemas/VideoStatus'", f"$ref: '{ref}'")
    )
    assert (
        main(["generate", "--spec", str(write(tmp_path, spec)), "--output", str(tmp_path / "out")])
        == 2
    )
    err = capsys.readouterr().err
    assert "external-ref" in err and "/components/schemas/VideoJob/properties/status/$ref" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            "a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            + "".join(f"c{i}: &c{i} [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n" for i in range(200)),
            "alias",
        ),
        ("openapi: 3.1.0\nopenapi: 3.0.0\n", "duplicate key"),
        ("openapi: [unclosed\n", "line"),
        (
            "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n",
            "unsupported OpenAPI version",
        ),
    ],
)
def test_hostile_or_broken_documents_get_clear_errors(
    tmp_path: Path, text: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--spec", str(write(tmp_path, text))]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_bad_cli_arguments_say_what_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["generate", "--nope"])
    assert caught.value.code == 2 and "--help" in capsys.readouterr().err
    assert main(["generate", "--package", "Bad-Name", "--output", "/tmp/x"]) == 2
    assert "lower-case letters" in capsys.readouterr().err


def test_lenient_turns_findings_into_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (
        (ROOT / "spec" / "together-videos.yaml")
        .read_text()
        .replace(
            "type: boolean\n          description: Whether",
            "type: boolean\n          default: auto\n          description: Whether",
        )
    )
    path = write(tmp_path, spec)
    assert main(["validate", "--spec", str(path)]) == 2
    assert (
        main(["generate", "--spec", str(path), "--lenient", "--output", str(tmp_path / "out")]) == 0
    )
    captured = capsys.readouterr()
    assert "generate_audio/default" in captured.err and "1 warnings" in captured.out
