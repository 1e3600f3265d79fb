"""The committed generated client, driven over a real local socket."""

from __future__ import annotations

import asyncio
import time
import warnings

import httpx
import pytest
import together_videos
from together_videos import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    InternalServerError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    ResponseDriftWarning,
    ResponseValidationError,
    UnprocessableEntityError,
)
from together_videos.models import VideoJob, VideoMedia, VideoStatus

from tests.scripted_server import Reply, ScriptedServer

KEY = "sk-test-SECRET-0123456789"
JOB = {
    "id": "job-1",
    "object": "video",
    "model": "m",
    "status": "in_progress",
    "created_at": 1.0,
    "size": "1280x720",
    "seconds": "4",
}


def client_for(server: ScriptedServer, **options: object) -> Client:
    return Client(api_key=KEY, base_url=server.base_url, **options)  # type: ignore[arg-type]


def test_posts_to_operation_server_path_with_bearer_auth(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB))
    job = client_for(server).videos.create(model="m", prompt="a horse on the moon")
    assert isinstance(job, VideoJob) and job.id == "job-1" and job.status is VideoStatus.IN_PROGRESS
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", "/v2/videos")
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    assert seen.json() == {"model": "m", "prompt": "a horse on the moon"}


def test_base_url_and_key_from_environment(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOGETHER_API_KEY", KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", server.base_url)
    server.script(Reply(body=JOB))
    Client().videos.create(model="m")
    assert server.requests[0].headers["Authorization"] == f"Bearer {KEY}"


def test_default_base_url_is_the_spec_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOGETHER_BASE_URL", raising=False)
    assert Client(api_key=KEY).base_url == "https://api.together.ai"


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOGETHER_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="TOGETHER_API_KEY"):
        Client()


def test_key_never_in_repr_or_errors(server: ScriptedServer) -> None:
    client = client_for(server, max_retries=0)
    assert (
        KEY not in repr(client) and KEY not in repr(client.videos) and KEY not in str(vars(client))
    )
    server.script(Reply(401, {"error": {"message": "bad key"}}))
    with pytest.raises(AuthenticationError) as caught:
        client.videos.create(model="m")
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
    ],
)
def test_error_classes_by_status(
    server: ScriptedServer, status: int, error: type[APIStatusError]
) -> None:
    server.script(Reply(status, {"error": {"message": f"failed with {status}", "code": "x"}}))
    with pytest.raises(error) as caught:
        client_for(server, max_retries=0).videos.create(model="m")
    assert caught.value.status_code == status
    assert caught.value.body == {"error": {"message": f"failed with {status}", "code": "x"}}
    assert f"failed with {status}" in str(caught.value)
    assert caught.value.response.status_code == status


def test_retries_honour_retry_after_and_keep_one_idempotency_key(server: ScriptedServer) -> None:
    server.script(
        Reply(429, {"error": "slow down"}, {"Retry-After": "1"}),
        Reply(503, {"error": "busy"}, {"Retry-After": "0"}),
        Reply(body=JOB),
    )
    client = client_for(server, max_retries=3, idempotency_header="Idempotency-Key")
    started = time.monotonic()
    raw = client.videos.with_raw_response.create(model="m")
    elapsed = time.monotonic() - started
    assert raw.status_code == 200 and raw.retries_taken == 2 and len(server.requests) == 3
    assert 0.9 <= elapsed < 5
    keys = {seen.headers["Idempotency-Key"] for seen in server.requests}
    assert len(keys) == 1


def test_retries_stop_at_max_retries(server: ScriptedServer) -> None:
    server.script(Reply(500, {"error": "down"}, {"Retry-After": "0"}))
    with pytest.raises(InternalServerError):  # a POST is retried when it carries a key
        client_for(server, max_retries=2, idempotency_header="Idempotency-Key").videos.create(
            model="m"
        )
    assert len(server.requests) == 3


def test_no_retry_on_plain_4xx(server: ScriptedServer) -> None:
    server.script(Reply(400, {"error": "bad"}), Reply(body=JOB))
    with pytest.raises(BadRequestError):
        client_for(server, max_retries=3).videos.create(model="m")
    assert len(server.requests) == 1


def test_retry_after_is_capped() -> None:
    from together_videos._runtime import RETRY_AFTER_CAP, BaseClient

    response = httpx.Response(429, headers={"Retry-After": "86400"})
    assert BaseClient._retry_delay(0, response) == RETRY_AFTER_CAP


def test_timeout_gives_api_timeout_error(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB, delay=2.0))
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        client_for(server, max_retries=0).videos.create(model="m", timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_connection_error() -> None:
    client = Client(api_key=KEY, base_url="http://127.0.0.1:9", max_retries=0)
    with pytest.raises(APIConnectionError):
        client.videos.create(model="m")


def test_deprecated_field_warns_and_names_replacement(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB))
    with pytest.warns(
        DeprecationWarning, match=r"frame_images is deprecated; use media\.frame_images instead"
    ):
        client_for(server).videos.create(
            model="m", frame_images=[{"input_image": "u", "frame": "first"}]
        )
    assert server.requests[0].json()["frame_images"] == [{"input_image": "u", "frame": "first"}]
    assert "media.frame_images" in (
        (Client.__module__ and together_videos.resources.videos.Videos.create.__doc__) or ""
    )


def test_unknown_enum_value_and_extra_property_are_kept(server: ScriptedServer) -> None:
    server.script(Reply(body={**JOB, "status": "queued", "priority": 7}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        job = client_for(server).videos.create(model="m")
    assert job.status == "queued" and isinstance(job.status, VideoStatus)  # an open enum
    assert job.status not in list(VideoStatus) and job.status.value == "queued"
    assert job.model_extra == {"priority": 7}


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"steps": 51}, "steps"),
        ({"steps": 9}, "steps"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x" * 32001}, "prompt"),
        ({"output_format": "mp4"}, "output_format"),
        ({"output_format": "MOV"}, "output_format"),
    ],
)
def test_bounds_and_enums_refused_before_sending(
    server: ScriptedServer, kwargs: dict[str, object], needle: str
) -> None:
    server.script(Reply(body=JOB))
    with pytest.raises(RequestValidationError, match=needle) as caught:
        client_for(server).videos.create(model="m", **kwargs)  # type: ignore[arg-type]
    assert server.requests == []
    assert caught.value.errors[0]["field"] == needle


def test_bounds_at_the_edge_are_sent(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB))
    client_for(server).videos.create(model="m", steps=10, prompt="x")
    client_for(server).videos.create(model="m", steps=50, prompt="x" * 32000, output_format="WEBM")
    assert len(server.requests) == 2


def test_client_side_checks_can_be_turned_off(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB))
    client_for(server, validate_requests=False).videos.create(model="m", steps=99)
    assert server.requests[0].json()["steps"] == 99


def test_nested_models_are_serialised(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB))
    media = VideoMedia(reference_images=["https://x/y.png"], source_video={"video": "https://v"})
    client_for(server).videos.create(model="m", media=media)
    assert server.requests[0].json()["media"] == {
        "reference_images": ["https://x/y.png"],
        "source_video": {"video": "https://v"},
    }


def test_drift_strict_names_the_pointer(server: ScriptedServer) -> None:
    server.script(Reply(body={k: v for k, v in JOB.items() if k != "size"}))
    with pytest.raises(ResponseValidationError, match="/size") as caught:
        client_for(server, response_validation="strict").videos.create(model="m")
    assert (
        caught.value.errors[0]["pointer"] == "/size"
        and caught.value.errors[0]["rule"] == "required"
    )


def test_drift_warn_returns_data_and_warns_once_per_drift(server: ScriptedServer) -> None:
    drifted = {**JOB, "created_at": "yesterday"}
    server.script(Reply(body=drifted))
    client = client_for(server)
    with pytest.warns(ResponseDriftWarning, match="/created_at") as record:
        first = client.videos.create(model="m")
        client.videos.create(model="m")
    assert len([w for w in record if issubclass(w.category, ResponseDriftWarning)]) == 1
    assert first.id == "job-1" and first.created_at == "yesterday"


def test_drift_off_skips_the_check(server: ScriptedServer) -> None:
    server.script(Reply(body={k: v for k, v in JOB.items() if k != "size"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        job = client_for(server, response_validation="off").videos.create(model="m")
    assert job.id == "job-1"


def test_raw_response_and_per_call_options(server: ScriptedServer) -> None:
    server.script(Reply(body=JOB, headers={"x-request-id": "r1"}))
    raw = client_for(server).videos.with_raw_response.create(
        model="m",
        extra_headers={"X-Trace": "t"},
        extra_query={"debug": "1"},
        extra_body={"beta": True},
    )
    assert (
        raw.status_code == 200 and raw.headers["x-request-id"] == "r1" and raw.parsed.id == "job-1"
    )
    seen = server.requests[0]
    assert (
        seen.path == "/v2/videos?debug=1"
        and seen.headers["X-Trace"] == "t"
        and seen.json()["beta"] is True
    )


def test_async_client(server: ScriptedServer) -> None:
    server.script(Reply(429, {"error": "x"}, {"Retry-After": "0"}), Reply(body=JOB))

    async def main() -> None:
        async with AsyncClient(
            api_key=KEY, base_url=server.base_url, idempotency_header="Idempotency-Key"
        ) as client:
            job = await client.videos.create(model="m", steps=20)
            assert job.id == "job-1"
            with pytest.raises(RequestValidationError):
                await client.videos.create(model="m", steps=5)

    asyncio.run(main())
    assert [r.path for r in server.requests] == ["/v2/videos", "/v2/videos"]
