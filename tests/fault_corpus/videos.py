"""Spec 1, `spec/together-videos.yaml`: a video-job server (bearer auth, POST /v2/videos).

The base server checks the bearer key, reads the body as JSON, validates it against its copy of
`CreateVideoBody`, maps the deprecated `frame_images`/`reference_images` onto `media` (the
replacement wins when both are given) and answers a `VideoJob`: `in_progress`, or `failed`
with an error object when `seconds` is no duration it can render.
"""

from __future__ import annotations

import datetime
import hmac
import re
import struct
import uuid
from pathlib import Path
from typing import Any

from tests.fault_corpus.bodies import read_json
from tests.fault_corpus.schema import SpecDoc
from tests.fault_corpus.server import App, HttpError, Request, Response, json_response, route
from tests.fault_corpus.variants import Kind, SpecInfo, Step, Variant, step

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "spec" / "together-videos.yaml"
KEY = "tv-sk-8c41f0d2a9e3b7c6"
BODY = "/components/schemas/CreateVideoBody"
INTEGERS = ("height", "width", "fps", "steps", "seed", "guidance_scale", "output_quality")
DEPRECATED = {"frame_images": "frame_images", "reference_images": "reference_images"}
DURATION = re.compile(r"^[0-9]{1,2}(\.[0-9]+)?$")


def _drift(switch: str) -> Any:
    """The server's own copy of the request schema, drifted from the spec for some faults."""

    def edit(document: dict[str, Any]) -> None:
        schema = document["components"]["schemas"]["CreateVideoBody"]
        properties = schema["properties"]
        if switch == "steps-unbounded":
            del properties["steps"]["minimum"], properties["steps"]["maximum"]
        elif switch == "prompt-unbounded":
            del properties["prompt"]["maxLength"]
        elif switch == "model-optional":
            schema["required"] = []
        elif switch == "output-format-unchecked":
            document["components"]["schemas"]["VideoOutputFormat"] = {"type": "string"}

    return edit


class VideoApp(App):
    """Together's POST /v2/videos as a production server answers it."""

    routes = (route("POST", "/v2/videos", "create_video"),)

    def __init__(self, switch: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(switch, *args, **kwargs)
        self.doc = SpecDoc(SPEC_PATH, _drift(switch))

    def error_body(self, status: int, code: str, message: str) -> Any:
        return {"error": {"message": message, "type": code, "code": code}}

    def create_video(self, request: Request) -> Response:
        self.authenticate(request)
        if not request.body and not request.content_type:
            return self.answer(self.job({}))  # the body is optional: every parameter defaults
        body = self.lenient(read_json(request))
        self.validate(body)
        body = self.upgrade_deprecated(body)
        return self.answer(self.job(body))

    # -- steps of a request ------------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        if not header and self.on("key-in-query") and request.arg("api_key") == KEY:
            return  # the key is also taken from the query string, which the spec never says
        if not header and self.on("no-auth"):
            return
        challenge = {"WWW-Authenticate": 'Bearer realm="api"'}
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HttpError(401, "unauthorized", "missing or malformed bearer token", challenge)
        if self.on("similar-key"):  # keys are looked up by their first 16 characters
            known = len(token) == len(KEY) and token[:16] == KEY[:16]
        else:
            known = hmac.compare_digest(token.encode(), KEY.encode())
        if not known:
            status = 403 if self.on("auth-403") else 401
            raise HttpError(status, "invalid_api_key", "invalid API key", challenge)

    def lenient(self, body: Any) -> Any:
        """What a lax parser makes of the body before validation (nothing, in the base)."""
        if not isinstance(body, dict):
            return body
        body = dict(body)
        for name in INTEGERS:
            value = body.get(name)
            numeric = isinstance(value, str) and value.strip().lstrip("-").isdigit()
            if self.on("numeric-string-coerced") and numeric:
                body[name] = int(value)
            if self.on("fraction-truncated") and isinstance(value, float):
                body[name] = int(value)
            if self.on("bool-as-integer") and isinstance(value, bool):
                body[name] = int(value)
        if self.on("null-optional-dropped"):
            body = {k: v for k, v in body.items() if v is not None or k == "model"}
        if self.on("enum-case-insensitive") and isinstance(body.get("output_format"), str):
            body["output_format"] = body["output_format"].upper()
        return body

    def validate(self, body: Any) -> None:
        status = 422 if self.on("errors-422") else 400
        errors = self.doc.errors(BODY, body)
        if self.on("length-in-bytes") and isinstance(body, dict):
            prompt = body.get("prompt")
            if isinstance(prompt, str) and len(prompt.encode()) > 32000:
                raise HttpError(status, "invalid_request_error", "prompt: longer than 32000")
        if errors:
            error = errors[0]
            where = "/".join(map(str, error.absolute_path)) or "body"
            raise HttpError(status, "invalid_request_error", f"{where}: {error.message[:200]}")
        prompt = body.get("prompt")
        if self.on("blank-prompt-rejected") and isinstance(prompt, str) and not prompt.strip():
            raise HttpError(status, "invalid_request_error", "prompt: must not be blank")
        media = body.get("media") or {}
        if self.on("source-video-object-rejected") and isinstance(media.get("source_video"), dict):
            raise HttpError(status, "invalid_request_error", "media/source_video: expected a URL")
        if self.on("deprecated-rejected") and any(name in body for name in DEPRECATED):
            raise HttpError(status, "invalid_request_error", "unknown parameter frame_images")

    def upgrade_deprecated(self, body: dict[str, Any]) -> dict[str, Any]:
        """Deprecated top-level fields become their `media` replacement (which wins)."""
        body = dict(body)
        media = dict(body.get("media") or {})
        for old, new in DEPRECATED.items():
            if old not in body:
                continue
            value = body.pop(old)
            if new in media and self.on("deprecated-conflict-500"):
                raise RuntimeError(f"{old} and media.{new} both given")
            media.setdefault(new, value)
        if media:
            body["media"] = media
        return body

    def job(self, body: dict[str, Any]) -> dict[str, Any]:
        now = self.clock()
        prompt = body.get("prompt", "")
        if self.on("non-ascii-prompt-500"):
            prompt.encode("ascii")  # the prompt goes into an ASCII-only job log
        seed = body.get("seed")
        if self.on("large-seed-500") and seed is not None:
            struct.pack("<i", seed)  # the seed is stored in a 32-bit column
        width, height = body.get("width"), body.get("height")
        if self.on("zero-height-500") and width is not None and height is not None:
            _ = width / height  # the aspect ratio, computed without a guard
        size = body.get("resolution") or (
            f"{width}x{height}" if width is not None and height is not None else "1280x720"
        )
        seconds = body.get("seconds", "5")
        job: dict[str, Any] = {
            "id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "object": "video",
            "model": body.get("model", "together/default-video-model"),
            "status": "in_progress",
            "created_at": int(now),
            "size": size,
            "seconds": seconds,
        }
        if not DURATION.match(seconds) or not 0 < float(seconds) <= 30:
            job["status"] = "failed"
            job["error"] = {"code": "invalid_duration", "message": f"cannot render {seconds!r}"}
            if self.on("failed-error-no-message"):
                del job["error"]["message"]
        elif self.on("completed-instantly"):
            job["status"] = "completed"
            job["completed_at"] = int(now) + 1
            job["outputs"] = {"cost": 3, "video_url": f"https://cdn.example.com/{job['id']}.mp4"}
        if self.on("missing-size"):
            del job["size"]
        if self.on("created-at-string"):
            job["created_at"] = datetime.datetime.fromtimestamp(
                now, datetime.timezone.utc
            ).isoformat()
        if self.on("created-at-ms"):
            job["created_at"] = int(now * 1000)
        if self.on("status-queued") and job["status"] == "in_progress":
            job["status"] = "queued"
        if self.on("object-const"):
            job["object"] = "video.job"
        if self.on("completed-at-null") and job["status"] == "in_progress":
            job["completed_at"] = None
        if self.on("minimal-job"):
            del job["object"]
        if self.on("extra-fields"):
            job.update(updated_at=int(now), usage={"frames": 120}, metadata={"region": "us-east"})
        return job

    def answer(self, job: dict[str, Any]) -> Response:
        headers: dict[str, str] = {}
        if self.on("extra-headers"):
            headers = {
                "X-Request-Id": f"req_{self.rng.getrandbits(48):012x}",
                "X-RateLimit-Remaining": "59",
                "Cache-Control": "no-store",
            }
        response = json_response(202 if self.on("status-202") else 200, job, headers)
        if self.on("text-plain"):
            response.headers["Content-Type"] = "text/plain; charset=utf-8"
        return response


def _similar(key: str) -> str:
    """`key` with its last two characters changed, keeping their character classes."""
    swapped = {c: chr(ord(c) + 1) if c not in "9zZ" else chr(ord(c) - 1) for c in key[-2:]}
    return key[:-2] + "".join(swapped[c] for c in key[-2:])


VALID = {"model": "together/video-model", "prompt": "An astronaut riding a horse on the moon"}


def _post(credential: Any = "valid", **body: Any) -> tuple[Step, ...]:
    return (step("POST", "/v2/videos", json={**VALID, **body}, credential=credential),)


INFO = SpecInfo(
    name="videos",
    path=SPEC_PATH,
    base_path="/v2",
    key=KEY,
    auth=lambda key: {"Authorization": f"Bearer {key}"},
    similar_key=_similar(KEY),
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
