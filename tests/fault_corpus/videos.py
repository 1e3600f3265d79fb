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
