"""The video spec's variants: the base server, its conformant alternatives and its faults."""

from __future__ import annotations

from typing import Any

from tests.fault_corpus.variants import Kind, SpecInfo, Step, Variant, similar_key, step
from tests.fault_corpus.videos import KEY, SPEC_PATH, VideoApp

VALID = {"model": "together/video-model", "prompt": "An astronaut riding a horse on the moon"}


def _post(credential: Any = "valid", **body: Any) -> tuple[Step, ...]:
    return (step("POST", "/v2/videos", json={**VALID, **body}, credential=credential),)


INFO = SpecInfo(
    name="videos",
    path=SPEC_PATH,
    base_path="/v2",
    key=KEY,
    auth=lambda key: {"Authorization": f"Bearer {key}"},
    similar_key=similar_key(KEY),
    valid=(
        *_post(),
        *_post(seconds="8", output_format="WEBM", steps=50, fps=24, generate_audio=True),
        *_post(media={"source_video": {"video": "https://example.com/in.mp4"}}),
    ),
)
FRAMES = [{"input_image": "https://example.com/a.png", "frame": 0}]


def _variant(name: str, kind: Kind, description: str, trigger: tuple[Step, ...] = ()) -> Variant:
    switch = "" if name == "base" else name
    return Variant(f"videos/{name}", INFO, kind, description, switch, VideoApp, trigger)


VARIANTS = [
    # conformant: legitimately different correct servers
    _variant("base", "conformant", "the base server"),
    _variant("auth-403", "conformant", "a wrong key gets 403 (a missing one 401)"),
    _variant("errors-422", "conformant", "invalid bodies get 422 instead of 400"),
    _variant("extra-fields", "conformant", "jobs carry extra properties (usage, metadata)"),
    _variant("completed-instantly", "conformant", "jobs are completed at once, with outputs"),
    _variant("minimal-job", "conformant", "jobs leave out the optional object property"),
    _variant("extra-headers", "conformant", "answers carry request-id and rate-limit headers"),
    # faults in the answer
    _variant("missing-size", "fault", "jobs lack the required size", _post()),
    _variant("created-at-string", "fault", "created_at is an ISO string, not a number", _post()),
    _variant("status-queued", "fault", "status is 'queued', outside the enum", _post()),
    _variant("object-const", "fault", "object is 'video.job', not the const 'video'", _post()),
    _variant("text-plain", "fault", "JSON answers are labelled text/plain", _post()),
    _variant("status-202", "fault", "jobs are answered 202, only 200 is documented", _post()),
    _variant("created-at-ms", "fault", "created_at is in milliseconds, not seconds", _post()),
    _variant("completed-at-null", "fault", "completed_at is null (not nullable)", _post()),
    _variant(
        "failed-error-no-message",
        "fault",
        "a failed job's error object lacks the required message",
        _post(seconds="forever"),
    ),
    # server errors on valid input
    _variant(
        "non-ascii-prompt-500", "fault", "500 on a non-ASCII prompt", _post(prompt="Un éléphant")
    ),
    _variant("large-seed-500", "fault", "500 on a seed above 2**31-1", _post(seed=2**31)),
    _variant(
        "zero-height-500", "fault", "500 on height 0 with a width", _post(width=1280, height=0)
    ),
    # invalid input accepted
    _variant("steps-unbounded", "fault", "steps outside 10..50 accepted", _post(steps=51)),
    _variant(
        "prompt-unbounded",
        "fault",
        "prompts over 32000 characters accepted",
        _post(prompt="x" * 32001),
    ),
    _variant(
        "model-optional",
        "fault",
        "a body without the required model accepted",
        (step("POST", "/v2/videos", json={"prompt": "a cat"}),),
    ),
    _variant(
        "numeric-string-coerced", "fault", "numeric strings accepted for integers", _post(fps="24")
    ),
    _variant(
        "fraction-truncated",
        "fault",
        "fractions accepted for integers (truncated)",
        _post(steps=20.5),
    ),
    _variant("bool-as-integer", "fault", "booleans accepted for integers", _post(seed=True)),
    _variant(
        "null-optional-dropped", "fault", "null accepted on optional fields", _post(seed=None)
    ),
    _variant(
        "enum-case-insensitive",
        "fault",
        "output_format matched case-insensitively",
        _post(output_format="mp4"),
    ),
    _variant(
        "output-format-unchecked", "fault", "any output_format accepted", _post(output_format="AVI")
    ),
    # valid input rejected
    _variant(
        "length-in-bytes",
        "fault",
        "prompt length counted in UTF-8 bytes",
        _post(prompt="é" * 20000),
    ),
    _variant(
        "blank-prompt-rejected", "fault", "whitespace-only prompts rejected", _post(prompt="   ")
    ),
    _variant(
        "source-video-object-rejected",
        "fault",
        "media.source_video as an object (a documented form) rejected",
        _post(media={"source_video": {"video": "https://example.com/in.mp4"}}),
    ),
    _variant(
        "deprecated-rejected",
        "fault",
        "the deprecated frame_images rejected",
        _post(frame_images=FRAMES),
    ),
    _variant(
        "deprecated-conflict-500",
        "fault",
        "500 when frame_images and media.frame_images are both given",
        _post(frame_images=FRAMES, media={"frame_images": FRAMES}),
    ),
    # auth
    _variant("similar-key", "fault", "a wrong key of the right shape accepted", _post("similar")),
    _variant("no-auth", "fault", "requests without a key accepted", _post("none")),
    _variant("key-in-query", "fault", "the key accepted in the query string", _post("query")),
]
