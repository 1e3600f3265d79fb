"""File uploads and form bodies in generated SDKs, over real sockets, sync and async.

`FileTypes` (bytes, binary files, paths, `(filename, content[, content type[, headers]])`)
in multipart bodies whose every property is its own part (files as file parts, arrays as
repeated parts, objects as JSON parts), urlencoded forms and raw binary bodies, on
tests/fixtures/sdk-features.yaml (against a server of the test's own that records the parts),
tests/fixtures/acme-projects.yaml (against the mock, which validates the form) and the full
Together spec (audio transcription, sent by the official SDK too and compared); and
`mypy --strict` of a usage file.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from specforge.conformance.mock.server import MockOptions, running
from tests.sdk_lab import (
    ACME,
    FEATURES,
    FULL,
    Answer,
    Generated,
    LabServer,
    Part,
    Seen,
    build,
    multipart,
    mypy_strict,
    needs_full,
)

KEY = "sk-test"
UPLOAD = json.dumps({"id": "up_1", "size": 3}).encode()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return build(FEATURES, "lab_uploads", tmp_path_factory.mktemp("lab") / "lab_uploads")


@pytest.fixture
def recorder() -> Iterator[tuple[LabServer, str]]:
    def route(seen: Seen) -> Answer:
        if seen.path == "/v1/forms":
            return Answer(body=json.dumps(dict(parse_qsl(seen.body.decode()))).encode())
        return Answer(201 if seen.path == "/v1/uploads" else 200, UPLOAD)

    server = LabServer(route)
    with server.running() as url:
        yield server, url


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    return path


def named(parts: list[Part], name: str) -> list[Part]:
    return [part for part in parts if part.name == name]


def test_every_property_is_its_own_part(lab: Generated, recorder: Any, report: Path) -> None:
    server, url = recorder
    client = lab.module.Client(api_key=KEY, base_url=url, response_validation="strict")
    upload = client.uploads.create(
        file=report,
        attachments=[b"one", ("two.txt", io.BytesIO(b"two")), ("3.bin", b"3", "application/x-3")],
        tags=["red", "blue"],
        meta={"owner": "me"},
        public=True,
        caption="quarterly",
    )
    assert type(upload).__name__ == "Upload" and upload.id == "up_1"
    seen = server.requests[-1]
    assert seen.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert str(report).encode() not in seen.body  # the path is read, never sent as text
    parts = multipart(seen)
    assert [p.name for p in parts] == [
        *("file", "attachments", "attachments", "attachments", "tags", "tags"),
        *("meta", "public", "caption"),
    ]
    (file,) = named(parts, "file")
    assert (file.filename, file.content_type, file.data) == (
        "report.csv",
        "text/csv",
        b"a,b\n1,2\n",
    )
    assert [(p.filename, p.content_type, p.data) for p in named(parts, "attachments")] == [
        ("attachments", "application/octet-stream", b"one"),
        ("two.txt", "text/plain", b"two"),
        ("3.bin", "application/x-3", b"3"),
    ]
    assert [(p.filename, p.data) for p in named(parts, "tags")] == [(None, b"red"), (None, b"blue")]
    (meta,) = named(parts, "meta")
    assert (meta.filename, meta.content_type, json.loads(meta.data)) == (
        None,
        "application/json",
        {"owner": "me"},
    )
    assert named(parts, "public")[0].data == b"true"
    assert named(parts, "caption")[0].data == b"quarterly"


def test_files_by_every_shape(lab: Generated, recorder: Any, report: Path) -> None:
    server, url = recorder
    client = lab.module.Client(api_key=KEY, base_url=url)
    with report.open("rb") as handle:
        client.uploads.create(file=handle)
    client.uploads.create(file=b"raw bytes")
    client.uploads.create(file=("renamed.csv", report))
    client.uploads.create(file=("h.bin", b"h", "application/x-h", {"X-Checksum": "abc"}))
    client.uploads.create(caption="no file at all")
    files = [named(multipart(r), "file") for r in server.requests]
    assert [(p[0].filename, p[0].data) for p in files[:4]] == [
        ("report.csv", b"a,b\n1,2\n"),
        ("file", b"raw bytes"),
        ("renamed.csv", b"a,b\n1,2\n"),
        ("h.bin", b"h"),
    ]
    last = server.requests[-1]
    assert last.headers["content-type"].startswith("multipart/form-data")  # not urlencoded
    assert [(p.name, p.data) for p in multipart(last)] == [("caption", b"no file at all")]
    with pytest.raises(TypeError, match="binary mode"), report.open("r") as text:
        client.uploads.create(file=text)  # type: ignore[arg-type]


def test_a_retried_upload_sends_the_whole_file_again(lab: Generated, report: Path) -> None:
    answers = iter([Answer(503, b"{}", {"Retry-After": "0", "Content-Type": "application/json"})])
    server = LabServer(lambda seen: next(answers, Answer(201, UPLOAD)))
    with server.running() as url:
        client = lab.module.Client(
            api_key=KEY, base_url=url, max_retries=2, idempotency_header="Idempotency-Key"
        )
        with report.open("rb") as handle:
            raw = client.uploads.with_raw_response.create(file=handle)
    assert raw.retries_taken == 1
    first, second = (named(multipart(r), "file")[0].data for r in server.requests)
    assert first == second == b"a,b\n1,2\n"


def test_async_uploads_read_paths_off_the_loop(lab: Generated, recorder: Any, report: Path) -> None:
    server, url = recorder

    async def main() -> str:
        async with lab.module.AsyncClient(api_key=KEY, base_url=url) as client:
            upload = await client.uploads.create(file=report, attachments=[report], tags=["t"])
            await client.blobs.update("b1", body=report)
            return str(upload.id)

    assert asyncio.run(main()) == "up_1"
    parts = multipart(server.requests[0])
    assert [(p.name, p.filename) for p in parts] == [
        ("file", "report.csv"),
        ("attachments", "report.csv"),
        ("tags", None),
    ]
    assert server.requests[1].body == b"a,b\n1,2\n"
    assert server.requests[1].headers["content-type"] == "application/octet-stream"


def test_raw_binary_bodies_and_urlencoded_forms(
    lab: Generated, recorder: Any, report: Path
) -> None:
    server, url = recorder
    client = lab.module.Client(api_key=KEY, base_url=url)
    client.blobs.update("b1", body=report)
    client.blobs.update("b2", body=io.BytesIO(b"stream"))
    client.blobs.update("b3", body=b"bytes")
    assert [r.body for r in server.requests] == [b"a,b\n1,2\n", b"stream", b"bytes"]
    echoed = client.forms.create(name="n m", tags=["a", "b"], count=3, agree=False)
    sent = server.requests[-1]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(sent.body.decode()) == [
        ("name", "n m"),
        ("tags", "a"),
        ("tags", "b"),
        ("count", "3"),
        ("agree", "false"),
    ]
    assert echoed.model_dump() == {"name": "n m", "tags": "b", "count": "3", "agree": "false"}
    with pytest.raises(TypeError, match="urlencoded"):
        client.forms.create(name=report)  # type: ignore[arg-type]


# -- the mock validates what acme sends -----------------------------------------------------------
@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return build(ACME, "acme_uploads", tmp_path_factory.mktemp("acme") / "acme_uploads")


def test_acme_asset_upload_against_the_mock(acme: Generated, report: Path) -> None:
    with running(MockOptions(spec=ACME)) as url:
        client = acme.module.Client(api_key=KEY, base_url=url, response_validation="strict")
        asset = client.projects.create_assets("prj_abcdefgh", file=report, caption="numbers")
        assert type(asset).__name__ == "Asset" and asset.caption == "numbers"
        unchecked = acme.module.Client(
            api_key=KEY, base_url=url, validate_requests=False, max_retries=0
        )
        with pytest.raises(acme.module.BadRequestError):  # the mock reads the parts
            unchecked.projects.create_assets("prj_abcdefgh", file=b"x", caption="c" * 300)

        async def main() -> int:
            async with acme.module.AsyncClient(api_key=KEY, base_url=url) as aclient:
                asset = await aclient.projects.create_assets("prj_abcdefgh", file=report)
                return int(asset.size)

        assert asyncio.run(main()) >= 0


# -- the full Together spec, beside the official SDK ---------------------------------------------
@pytest.fixture(scope="module")
def together(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    if not FULL.is_file():
        pytest.skip(f"{FULL} is absent (../shared is not beside the project)")
    root = tmp_path_factory.mktemp("full") / "together_uploads"
    return build(FULL, "together_uploads", root, lenient=True)


@needs_full()
def test_together_transcription_parts_match_the_official_sdk(
    together: Generated, tmp_path: Path
) -> None:
    official = pytest.importorskip("together", reason="the official SDK is a [dev] dependency")
    audio = tmp_path / "hello.wav"
    audio.write_bytes(b"RIFF....WAVEfmt ")
    server = LabServer(lambda seen: Answer(body=b'{"text": "hello"}'))
    with server.running() as url:
        ours = together.module.Client(api_key=KEY, base_url=url)
        result = ours.audio.transcriptions.create(
            file=audio, model="openai/whisper-large-v3", language="en"
        )
        theirs = official.Together(api_key=KEY, base_url=url, max_retries=0)
        theirs.audio.transcriptions.create(
            file=audio, model="openai/whisper-large-v3", language="en"
        )
    assert getattr(result, "text", None) == "hello"
    mine, official_parts = (multipart(r) for r in server.requests)
    assert [r.path for r in server.requests] == ["/v1/audio/transcriptions"] * 2

    def by_name(parts: list[Part]) -> dict[str, tuple[str | None, bytes]]:
        return {p.name: (p.filename, p.data) for p in parts}

    assert by_name(mine) == by_name(official_parts)
    assert by_name(mine)["file"] == ("hello.wav", b"RIFF....WAVEfmt ")


# -- types ---------------------------------------------------------------------------------------
USAGE = """
from __future__ import annotations

import io
from pathlib import Path

from lab_uploads import Client, FileContent, FileTypes
from lab_uploads.models import Upload


def send(client: Client, file: FileTypes, blob: FileContent) -> list[Upload]:
    path = Path("report.csv")
    sent = [
        client.uploads.create(file=file),
        client.uploads.create(file=path, attachments=[b"a", ("b.txt", io.BytesIO(b"b"))]),
        client.uploads.create(file=("c.csv", path, "text/csv"), tags=["x"], public=True),
        client.uploads.create(file=("d.bin", b"d", None, {"X-Part": "1"})),
        client.blobs.update("name", body=blob),
        client.blobs.update("name", body=path),
    ]
    client.forms.create(name="n", tags=["a"], count=1, agree=True)
    return sent
"""


def test_upload_usage_type_checks(lab: Generated) -> None:
    code, output = mypy_strict(lab.root, USAGE)
    assert code == 0, output


FULL_USAGE = """
from __future__ import annotations

from pathlib import Path

from together_uploads import AsyncClient, Client


def transcribe(client: Client) -> object:
    return client.audio.transcriptions.create(file=Path("a.wav"), model="openai/whisper-large-v3")


async def upload(client: AsyncClient) -> str:
    done = await client.files.upload(
        file=("data.jsonl", b"{}"), file_name="data.jsonl", purpose="fine-tune"
    )
    return done.id
"""


@needs_full()
def test_together_upload_usage_type_checks(together: Generated) -> None:
    code, output = mypy_strict(together.root, FULL_USAGE)
    assert code == 0, output
