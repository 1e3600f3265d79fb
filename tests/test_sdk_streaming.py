"""Server-sent event streams in generated SDKs, over real sockets, sync and async.

The SSE decoder on its own (framing, comments, retry, limits); `tests/fixtures/sdk-features.yaml`
(a `stream: true` variant, an operation that always streams, plain text events) against a
server of the test's own that streams piece by piece and notices a client hanging up; the
mock's streams; the full Together spec (skipped without ../shared) against the mock, with the
official `together` SDK reading the same stream; and `mypy --strict` of a usage file.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from specforge.conformance.mock.server import MockOptions, running
from specforge.generator.runtime import _runtime
from tests.sdk_lab import (
    FEATURES,
    FULL,
    Answer,
    Generated,
    LabServer,
    Seen,
    build,
    mypy_strict,
    needs_full,
    wait_for,
)

KEY = "sk-test"
SSE = {"Content-Type": "text/event-stream"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return build(FEATURES, "lab_stream", tmp_path_factory.mktemp("lab") / "lab_stream")


def events(*items: Any) -> bytes:
    """`data:` events of JSON items, then the sentinel."""
    body = b"".join(f"data: {json.dumps(item)}\n\n".encode() for item in items)
    return body + b"data: [DONE]\n\n"


def tokens(count: int) -> list[dict[str, Any]]:
    return [{"index": i, "text": f"t{i}"} for i in range(count)]


# -- the decoder -------------------------------------------------------------------------------
def decode(body: bytes, sizes: Iterator[int] | None = None) -> list[_runtime.ServerSentEvent]:
    """The events of `body` fed in pieces of the given sizes (whole when none)."""
    decoder = _runtime.SSEDecoder()
    found: list[_runtime.ServerSentEvent] = []
    position = 0
    for size in sizes or iter([len(body)]):
        found += decoder.feed(body[position : position + size])
        position += size
        if position >= len(body):
            break
    return found


FRAMED = (
    b"\xef\xbb\xbf: a comment, then a keep-alive\n"
    b":\n"
    b"retry: 1500\n"
    b"event: token\n"
    b"id: 7\n"
    b"data: first line\n"
    b"data:second line\n"
    b"data\n"
    b"\n"
    b'data: {"n": 2}\r\n\r\n'
    b"retry: soon\r"
    b"id: bad\x00id\r"
    b"data: cr only\r\r"
    b"event: ignored without data\n\n"
    b"data: cut off at the end"
)


def _expected() -> list[_runtime.ServerSentEvent]:
    return [
        _runtime.ServerSentEvent("first line\nsecond line\n", "token", "7", 1500),
        _runtime.ServerSentEvent('{"n": 2}', "message", "7", 1500),
        _runtime.ServerSentEvent("cr only", "message", "7", 1500),
    ]


def test_decoder_follows_the_sse_standard() -> None:
    assert decode(FRAMED) == _expected()
    assert decode(FRAMED)[1].json() == {"n": 2}


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64])
def test_decoder_reads_the_same_events_in_any_pieces(size: int) -> None:
    assert decode(FRAMED, itertools.repeat(size)) == _expected()


def test_decoder_bounds_what_it_holds() -> None:
    decoder = _runtime.SSEDecoder(max_event_bytes=64)
    with pytest.raises(_runtime.EventTooLargeError):
        decoder.feed(b"data: " + b"x" * 100)
    decoder = _runtime.SSEDecoder(max_event_bytes=64)
    with pytest.raises(_runtime.EventTooLargeError):
        for _ in range(10):
            decoder.feed(b"data: " + b"x" * 20 + b"\n")


# -- the feature spec over a socket -------------------------------------------------------------
def completion_route(seen: Seen) -> Answer:
    body = json.loads(seen.body or b"{}")
    if seen.path == "/v1/completions" and body.get("stream"):
        return Answer(body=[events(*tokens(3))], headers=SSE)
    if seen.path == "/v1/completions":
        return Answer(body=json.dumps({"id": "c1", "text": "whole"}).encode())
    if seen.path == "/v1/events":
        return Answer(
            body=[b'data: {"kind": "a", "at": 1}\n\n', b'data: {"kind": "b"}\n\n'], headers=SSE
        )
    if seen.path == "/v1/logs":
        return Answer(body=[b"data: line one\n\n", b"data: line\ndata: two\n\n"], headers=SSE)
    return Answer(404, b'{"error": "no"}')


@pytest.fixture
def lab_server() -> Iterator[tuple[LabServer, str]]:
    server = LabServer(completion_route)
    with server.running() as url:
        yield server, url


def test_stream_true_gives_typed_chunks_and_false_the_body(lab: Generated, lab_server: Any) -> None:
    server, url = lab_server
    client = lab.module.Client(api_key=KEY, base_url=url, response_validation="strict")
    stream = client.completions.create(prompt="p", stream=True)
    assert isinstance(stream, lab.module.Stream)
    chunks = list(stream)
    assert [type(c).__name__ for c in chunks] == ["Token"] * 3
    assert [c.text for c in chunks] == ["t0", "t1", "t2"]
    assert stream.response.is_closed
    sent = server.requests[-1]
    assert json.loads(sent.body) == {"prompt": "p", "stream": True}
    assert sent.headers["accept"] == "text/event-stream"
    whole = client.completions.create(prompt="p")
    assert type(whole).__name__ == "Completion" and whole.text == "whole"
    assert "stream" not in json.loads(server.requests[-1].body)
    assert server.requests[-1].headers["accept"] == "application/json"
    assert type(client.completions.create(prompt="p", stream=False)).__name__ == "Completion"


def test_operations_that_only_stream_and_plain_text_events(lab: Generated, lab_server: Any) -> None:
    _, url = lab_server
    client = lab.module.Client(api_key=KEY, base_url=url, response_validation="strict")
    with client.events.retrieve(topic="x") as feed:
        kinds = [(e.kind, e.at) for e in feed]
    assert kinds == [("a", 1), ("b", None)]
    assert list(client.logs.retrieve()) == ["line one", "line\ntwo"]


def test_async_streams(lab: Generated, lab_server: Any) -> None:
    _, url = lab_server

    async def main() -> tuple[list[str], list[str], str]:
        async with lab.module.AsyncClient(api_key=KEY, base_url=url) as client:
            stream = await client.completions.create(prompt="p", stream=True)
            assert isinstance(stream, lab.module.AsyncStream)
            texts = [chunk.text async for chunk in stream]
            lines = [line async for line in await client.logs.retrieve()]
            whole = await client.completions.create(prompt="p")
            return texts, lines, whole.text

    assert asyncio.run(main()) == (["t0", "t1", "t2"], ["line one", "line\ntwo"], "whole")


def test_raw_response_of_a_stream(lab: Generated, lab_server: Any) -> None:
    _, url = lab_server
    client = lab.module.Client(api_key=KEY, base_url=url)
    raw = client.completions.with_raw_response.create(prompt="p", stream=True)
    assert raw.status_code == 200 and raw.headers["content-type"] == "text/event-stream"
    assert [c.index for c in raw.parsed] == [0, 1, 2]


# -- leaving early closes the connection -------------------------------------------------------
def endless(seen: Seen) -> Answer:
    def pieces() -> Iterator[bytes]:
        for index in itertools.count():
            yield f'data: {{"index": {index}, "text": "t"}}\n\n'.encode()

    return Answer(body=pieces(), headers=SSE, pause=0.005)


@pytest.fixture
def endless_server() -> Iterator[tuple[LabServer, str]]:
    server = LabServer(endless)
    with server.running() as url:
        yield server, url


def test_breaking_out_of_a_loop_closes_the_connection(lab: Generated, endless_server: Any) -> None:
    server, url = endless_server
    client = lab.module.Client(api_key=KEY, base_url=url)
    stream = client.completions.create(prompt="p", stream=True)
    for chunk in stream:
        if chunk.index == 3:
            break
    assert stream.response.is_closed  # no `with`, the stream still referenced
    assert wait_for(lambda: server.disconnects == 1)
    with client.completions.create(prompt="p", stream=True) as second:
        assert next(second).index == 0 and next(second).index == 1
    assert second.response.is_closed
    assert wait_for(lambda: server.disconnects == 2)
    assert list(second) == []  # a closed stream has nothing more


def test_async_early_exit_closes_the_connection(lab: Generated, endless_server: Any) -> None:
    server, url = endless_server

    async def main() -> None:
        client = lab.module.AsyncClient(api_key=KEY, base_url=url)
        async with await client.completions.create(prompt="p", stream=True) as stream:
            async for chunk in stream:
                if chunk.index == 2:
                    break
        assert stream.response.is_closed
        loose = await client.completions.create(prompt="p", stream=True)
        async for chunk in loose:
            if chunk.index == 2:
                break
        gc.collect()
        for _ in range(50):  # the event loop finalises the abandoned iterator
            await asyncio.sleep(0.01)
            if loose.response.is_closed:
                break
        assert loose.response.is_closed
        await client.close()

    asyncio.run(main())
    assert wait_for(lambda: server.disconnects == 2)


# -- errors ----------------------------------------------------------------------------------------
def test_stream_errors(lab: Generated) -> None:
    answers = iter(
        [
            Answer(
                body=[
                    b'data: {"index": 0, "text": "a"}\n\n',
                    b'data: {"error": {"message": "overloaded"}}\n\n',
                ],
                headers=SSE,
            ),
            Answer(body=[b"event: error\ndata: boom\n\n"], headers=SSE),
            Answer(400, b'{"error": "bad prompt"}'),
            Answer(body=b'{"id": "c1", "text": "json after all"}'),
            Answer(body=[b'data: {"index": "zero"}\n\n'], headers=SSE),
            Answer(body=[b"data: not json\n\n"], headers=SSE),
        ]
    )
    server = LabServer(lambda seen: next(answers))
    with server.running() as url:
        sdk = lab.module
        client = sdk.Client(api_key=KEY, base_url=url, max_retries=0, response_validation="strict")
        stream = client.completions.create(prompt="p", stream=True)
        assert next(stream).text == "a"
        with pytest.raises(sdk.APIStreamError, match="overloaded"):
            next(stream)
        assert stream.response.is_closed
        with pytest.raises(sdk.APIStreamError, match="boom"):
            list(client.completions.create(prompt="p", stream=True))
        with pytest.raises(sdk.BadRequestError, match="bad prompt"):
            client.completions.create(prompt="p", stream=True)
        with pytest.raises(sdk.APIStreamError, match="application/json"):
            client.completions.create(prompt="p", stream=True)
        with pytest.raises(sdk.ResponseValidationError):
            list(client.completions.create(prompt="p", stream=True))
        with pytest.raises(sdk.ResponseValidationError, match="not JSON"):
            list(client.completions.create(prompt="p", stream=True))


def test_drifting_chunks_warn_and_stay_readable(lab: Generated) -> None:
    server = LabServer(
        lambda seen: Answer(body=[events({"index": "zero", "text": "a"})], headers=SSE)
    )
    with server.running() as url:
        client = lab.module.Client(api_key=KEY, base_url=url, response_validation="warn")
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            chunks = list(client.completions.create(prompt="p", stream=True))
    assert [c.text for c in chunks] == ["a"]
    assert any("drifts" in str(w.message) for w in record)


def test_a_stream_is_retried_before_it_starts(lab: Generated) -> None:
    answers = iter(
        [
            Answer(
                503, b'{"error": "later"}', {"Retry-After": "0", "Content-Type": "application/json"}
            ),
            Answer(body=[b'data: {"kind": "k"}\n\n'], headers=SSE),
        ]
    )
    server = LabServer(lambda seen: next(answers))
    with server.running() as url:
        client = lab.module.Client(api_key=KEY, base_url=url, max_retries=2)
        raw = client.events.with_raw_response.retrieve()
        assert raw.retries_taken == 1 and [e.kind for e in raw.parsed] == ["k"]


def test_events_over_the_limit_close_the_stream(lab: Generated) -> None:
    server = LabServer(lambda seen: Answer(body=[b"data: " + b"x" * 4096 + b"\n\n"], headers=SSE))
    with server.running() as url:
        client = lab.module.Client(api_key=KEY, base_url=url, max_response_bytes=1024)
        stream = client.logs.retrieve()
        with pytest.raises(lab.module.ResponseTooLargeError):
            list(stream)
        assert stream.response.is_closed


# -- the mock ----------------------------------------------------------------------------------
def test_the_mock_streams_when_asked(lab: Generated) -> None:
    import httpx

    with running(MockOptions(spec=FEATURES)) as url:
        client = lab.module.Client(api_key=KEY, base_url=url, response_validation="strict")
        chunks = list(client.completions.create(prompt="p", stream=True))
        assert len(chunks) == 3 and all(type(c).__name__ == "Token" for c in chunks)
        assert len({c.text for c in chunks}) == 3  # the mock numbers its text pieces
        assert type(client.completions.create(prompt="p")).__name__ == "Completion"
        assert [type(e).__name__ for e in client.events.retrieve()] == ["Event"] * 3
        assert len(list(client.logs.retrieve())) == 3
        asked = httpx.post(
            f"{url}/v1/completions",
            json={"prompt": "p"},
            headers={"Authorization": "Bearer k", "Accept": "text/event-stream"},
        )
        assert asked.headers["content-type"] == "text/event-stream"
        assert asked.text.rstrip().endswith("data: [DONE]")


# -- the full Together spec ----------------------------------------------------------------------
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def together_full(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    if not FULL.is_file():
        pytest.skip(f"{FULL} is absent (../shared is not beside the project)")
    root = tmp_path_factory.mktemp("full") / "together_stream"
    return build(FULL, "together_stream", root, lenient=True)


@pytest.fixture(scope="module")
def full_mock() -> Iterator[str]:
    if not FULL.is_file():
        pytest.skip(f"{FULL} is absent (../shared is not beside the project)")
    with running(MockOptions(spec=FULL, lenient=True)) as url:
        yield url


@needs_full()
def test_together_chat_stream_matches_the_official_sdk(
    together_full: Generated, full_mock: str
) -> None:
    together = pytest.importorskip("together", reason="the official SDK is a [dev] dependency")
    client = together_full.module.Client(
        api_key=KEY, base_url=full_mock, response_validation="strict"
    )
    ours = list(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
    official = together.Together(api_key=KEY, base_url=full_mock, max_retries=0)
    theirs = list(official.chat.completions.create(model="m", messages=MESSAGES, stream=True))
    assert [type(c).__name__ for c in ours] == ["ChatCompletionChunk"] * 3
    assert len(theirs) == len(ours)
    for mine, official_chunk in zip(ours, theirs, strict=True):
        assert mine.id == official_chunk.id and mine.model == official_chunk.model
        assert mine.choices[0].delta.content == official_chunk.choices[0].delta.content
    assert len({c.choices[0].delta.content for c in ours}) == 3
    plain = client.chat.completions.create(model="m", messages=MESSAGES)
    assert type(plain).__name__ == "ChatCompletionResponse"


@needs_full()
def test_together_streams_async(together_full: Generated, full_mock: str) -> None:
    async def main() -> tuple[list[str], list[str]]:
        async with together_full.module.AsyncClient(api_key=KEY, base_url=full_mock) as client:
            chat = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            async with chat:
                kinds = [type(c).__name__ async for c in chat]
            speech = await client.audio.speech.create(model="m", input="hi", voice="v", stream=True)
            audio = [c.object async for c in speech]
            return kinds, audio

    kinds, audio = asyncio.run(main())
    assert kinds == ["ChatCompletionChunk"] * 3
    assert audio == ["audio.tts.chunk"] * 3


# -- types ---------------------------------------------------------------------------------------
LAB_USAGE = """
from __future__ import annotations

import asyncio

from lab_stream import AsyncClient, AsyncStream, Client, Stream
from lab_stream.models import Completion, Event, Token


def sync_use(client: Client) -> str:
    stream: Stream[Token] = client.completions.create(prompt="p", stream=True)
    with stream:
        texts = [token.text for token in stream]
    whole: Completion = client.completions.create(prompt="p")
    also: Completion = client.completions.create(prompt="p", stream=False)
    either = client.completions.create(prompt="p", stream=bool(texts))
    if isinstance(either, Stream):
        either.close()
    else:
        texts.append(either.text)
    events: Stream[Event] = client.events.retrieve(topic="t")
    kinds = [event.kind for event in events]
    lines: list[str] = list(client.logs.retrieve())
    first: Token = next(client.completions.create(prompt="p", stream=True))
    return whole.text + also.text + "".join(texts + kinds + lines) + first.text


async def async_use(client: AsyncClient) -> list[int]:
    stream: AsyncStream[Token] = await client.completions.create(prompt="p", stream=True)
    async with stream:
        indexes = [token.index async for token in stream]
    whole: Completion = await client.completions.create(prompt="p")
    first: Token = await (await client.completions.create(prompt="p", stream=True)).__anext__()
    async for line in await client.logs.retrieve():
        indexes.append(len(line) + len(whole.id) + first.index)
    return indexes


if __name__ == "__main__":
    sync_use(Client(api_key="k"))
    asyncio.run(async_use(AsyncClient(api_key="k")))
"""

FULL_USAGE = """
from __future__ import annotations

from typing import Any

from together_stream import AsyncClient, AsyncStream, Client, Stream
from together_stream.models import AudioSpeechStreamChunk, ChatCompletionChunk, ChatCompletionResponse

MESSAGES: Any = [{"role": "user", "content": "hi"}]  # request types are not under test here


def chat(client: Client) -> str:
    stream: Stream[ChatCompletionChunk] = client.chat.completions.create(
        model="m", messages=MESSAGES, stream=True
    )
    with stream:
        text = "".join(chunk.id for chunk in stream)
    whole: ChatCompletionResponse = client.chat.completions.create(model="m", messages=MESSAGES)
    return text + whole.id


async def speech(client: AsyncClient) -> list[str]:
    stream: AsyncStream[AudioSpeechStreamChunk] = await client.audio.speech.create(
        model="m", input="hi", voice="v", stream=True
    )
    pieces = [chunk.b64 async for chunk in stream]
    audio: bytes = await client.audio.speech.create(model="m", input="hi", voice="v")
    return pieces + [audio.hex()]
"""


def test_lab_usage_type_checks(lab: Generated) -> None:
    code, output = mypy_strict(lab.root, LAB_USAGE)
    assert code == 0, output


@needs_full()
def test_together_usage_type_checks(together_full: Generated) -> None:
    code, output = mypy_strict(together_full.root, FULL_USAGE)
    assert code == 0, output


# -- what Schemathesis and the mock make of stream schemas ----------------------------------------
def test_schemathesis_reads_event_data_as_json_text() -> None:
    import yaml

    from specforge.conformance.mock.sse import sse_document

    document = sse_document(yaml.safe_load(FEATURES.read_text(encoding="utf-8")))
    content = document["paths"]["/completions"]["post"]["responses"]["200"]["content"]
    token, sentinel = content["text/event-stream"]["schema"]["oneOf"]
    assert token["properties"]["data"] == {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": {"$ref": "#/components/schemas/Token"},
    }
    assert sentinel["properties"]["data"] == {"type": "string", "enum": ["[DONE]"]}
    events = document["paths"]["/events"]["get"]["responses"]["200"]["content"]
    event, done = events["text/event-stream"]["schema"]["anyOf"]
    assert event["properties"]["data"]["contentSchema"] == {"$ref": "#/components/schemas/Event"}
    assert done["properties"]["data"] == {"const": "[DONE]"}
    logs = document["paths"]["/logs"]["get"]["responses"]["200"]["content"]
    assert logs["text/event-stream"]["schema"]["anyOf"][0]["properties"]["data"] == {
        "type": "string"
    }


@needs_full()
def test_the_mock_s_chunks_fit_the_together_chunk_schemas() -> None:
    from specforge.conformance.mock.sse import fitted
    from specforge.conformance.model import load_model

    model = load_model(FULL, lenient=True)
    for name in ("ChatCompletionChunk", "CompletionChunk", "AudioSpeechStreamChunk"):
        pointer = f"/components/schemas/{name}"
        validator = model.validator(pointer)
        assert validator.is_valid(fitted(model.example(pointer), validator)), name
