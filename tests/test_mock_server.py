"""The mock server over a real socket: routing, auth, validation, deprecations, jobs, faults, CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from specforge.conformance.faults import parse_faults
from specforge.conformance.mock.server import MockOptions, free_port, running
from specforge.conformance.model import load_model
from specforge.document.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "together-videos.yaml"
WITH_RETRIEVE = ROOT / "tests" / "fixtures" / "videos-with-retrieve.yaml"
FULL = ROOT.parent / "shared" / "specs" / "together-openapi.yaml"
AUTH = {"Authorization": "Bearer test-key"}


@pytest.fixture(scope="module")
def mock() -> Iterator[httpx.Client]:
    options = MockOptions(spec=WITH_RETRIEVE, max_body_bytes=64 * 1024)
    with running(options) as url, httpx.Client(base_url=url, headers=AUTH) as client:
        yield client


def create(client: httpx.Client, body: dict[str, object]) -> httpx.Response:
    return client.post("/v2/videos", json=body)


def test_serves_operations_at_their_full_path(mock: httpx.Client) -> None:
    answer = create(mock, {"model": "m", "prompt": "a cat"})
    assert answer.status_code == 200
    model = load_model(WITH_RETRIEVE)
    assert model.validator("/components/schemas/VideoJob").is_valid(answer.json())
    assert answer.json()["status"] == "in_progress"
    assert mock.post("/videos", json={"model": "m"}).status_code == 404
    assert mock.get("/v2/videos").status_code == 405


def test_answers_are_deterministic(mock: httpx.Client) -> None:
    first, second = create(mock, {"model": "m", "seed": 1}), create(mock, {"model": "m", "seed": 1})
    assert first.json() == second.json()
    assert first.json()["id"] != create(mock, {"model": "m", "seed": 2}).json()["id"]


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "token"])
def test_auth_is_required(mock: httpx.Client, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    with httpx.Client(base_url=str(mock.base_url), headers=headers) as bare:
        answer = bare.post("/v2/videos", json={"model": "m"})
    assert answer.status_code == 401
    assert "Bearer" in answer.json()["error"]["message"]


def test_validation_errors_name_the_field_and_rule(mock: httpx.Client) -> None:
    answer = create(mock, {"model": "m", "steps": 51})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["param"], error["pointer"], error["rule"]) == ("steps", "/steps", "maximum")
    missing = create(mock, {"prompt": "x"}).json()["error"]
    assert missing["rule"] == "required" and "model" in missing["message"]
    assert create(mock, {"model": "m", "output_format": "mp4"}).json()["error"]["rule"] == "enum"
    assert create(mock, {"model": "m", "media": {"frame_images": [{}]}}).json()["error"][
        "pointer"
    ] == ("/media/frame_images/0")


def test_content_type_size_and_malformed_json(mock: httpx.Client) -> None:
    wrong_type = mock.post(
        "/v2/videos", content=b'{"model":"m"}', headers={"Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    malformed = mock.post(
        "/v2/videos", content=b'{"model":', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["error"]["rule"] == "json"
    huge = create(mock, {"model": "m", "prompt": "x" * (70 * 1024)})
    assert huge.status_code == 413


def test_deprecated_field_is_used_as_its_replacement(mock: httpx.Client) -> None:
    frames = [{"input_image": "https://example.com/a.png", "frame": 0}]
    replacement = create(mock, {"model": "m", "media": {"frame_images": frames}})
    deprecated = create(mock, {"model": "m", "frame_images": frames})
    assert deprecated.status_code == replacement.status_code == 200
    assert deprecated.json() == replacement.json()
    other = [{"input_image": "https://example.com/b.png"}]
    both = create(mock, {"model": "m", "frame_images": other, "media": {"frame_images": frames}})
    assert both.json() == replacement.json()  # the replacement wins


def test_job_lifecycle(mock: httpx.Client) -> None:
    job = create(mock, {"model": "lifecycle"}).json()
    assert "outputs" not in job
    seen = [mock.get(f"/v2/videos/{job['id']}").json() for _ in range(3)]
    assert [s["status"] for s in seen] == ["in_progress", "completed", "completed"]
    assert {"cost", "video_url"} <= set(seen[-1]["outputs"])
    missing = mock.get("/v2/videos/never-created")
    assert missing.status_code == 404 and "never-created" in missing.json()["error"]["message"]


def test_rate_limit_and_unavailable_faults_send_retry_after() -> None:
    options = MockOptions(
        spec=SPEC, faults=parse_faults(["rate-limit=2", "unavailable=3"]), retry_after=7
    )
    with running(options) as url, httpx.Client(base_url=url, headers=AUTH) as client:
        statuses = [create(client, {"model": "m"}) for _ in range(6)]
    assert [r.status_code for r in statuses] == [200, 429, 503, 429, 200, 429]
    assert all(r.headers["retry-after"] == "7" for r in statuses if r.status_code != 200)


def test_latency_fault_delays_answers() -> None:
    with running(MockOptions(spec=SPEC, faults=parse_faults(["latency=150"]))) as url:
        started = time.monotonic()
        httpx.post(f"{url}/v2/videos", json={"model": "m"}, headers=AUTH)
        assert time.monotonic() - started >= 0.15


def test_invalid_spec_needs_lenient() -> None:
    if not FULL.is_file():
        pytest.skip(f"{FULL} is absent (the shared specs folder is not next to the project)")
    with pytest.raises(SpecError, match="--lenient"):
        load_model(FULL)
    with (
        running(MockOptions(spec=FULL, lenient=True)) as url,
        httpx.Client(base_url=url, headers=AUTH) as client,
    ):
        job = client.post("/v2/videos", json={"model": "m"}).json()
        assert client.get(f"/v2/videos/{job['id']}").json()["id"] == job["id"]
        assert client.get("/v1/models").status_code == 200


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the mock did not start")


def test_cli_serves_and_stops() -> None:
    port = free_port()
    command = [sys.executable, "-m", "specforge", "mock", "--spec", str(SPEC), "--port", str(port)]
    command += ["--api-key", "test-key"]  # the key AUTH sends
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process)
        answer = httpx.post(f"http://127.0.0.1:{port}/v2/videos", json={"model": "m"}, headers=AUTH)
        assert answer.status_code == 200 and answer.json()["model"] == "m"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "not a loopback address"),
        (["--fault", "no-such-fault"], "accepted: missing-required-field"),
        (["--fault", "wrong-type=3"], "takes no value"),
        (["--header-timeout", "0"], "--header-timeout must be positive"),
        (["--max-connections", "1"], "--max-connections must be at least 2"),
    ],
)
def test_cli_refuses_bad_usage(args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "specforge", "mock", "--spec", str(SPEC), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_error_bodies_are_json(mock: httpx.Client) -> None:
    for answer in (mock.post("/nowhere"), create(mock, {"model": 1})):
        assert answer.headers["content-type"] == "application/json"
        assert "message" in json.loads(answer.content)["error"]


def test_without_a_key_the_mock_makes_one_prints_it_and_accepts_only_it() -> None:
    port = free_port()
    command = [sys.executable, "-m", "specforge", "mock", "--spec", str(SPEC), "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if k != "TOGETHER_API_KEY"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert "accepting only the API key sk-mock-" in line, line
        key = line.split("API key ", 1)[1].split()[0]
        _wait_for_port(port, process)
        url = f"http://127.0.0.1:{port}/v2/videos"
        wrong = httpx.post(url, json={"model": "m"}, headers={"Authorization": "Bearer sk-other"})
        right = httpx.post(url, json={"model": "m"}, headers={"Authorization": f"Bearer {key}"})
        assert wrong.status_code in (401, 403) and right.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
