"""Spec 2, `specs/bookshelf.yaml` (OpenAPI 3.0.3): a book catalogue with an API-key header.

The base server checks `X-Api-Key`, validates path, header and body (in that order, as a
framework does before the handler runs), keeps books in memory (five seeded), pages them by id
with a keyset cursor, versions each book (its ETag) and stores cover images from a multipart
upload, answering a retry with the same `Idempotency-Key` as the first time.
"""

from __future__ import annotations

import base64
import datetime
import hmac
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fault_corpus.bodies import read_json, read_multipart
from tests.fault_corpus.schema import SpecDoc, ecma_pattern
from tests.fault_corpus.server import App, HttpError, Request, Response, json_response, route

SPEC_PATH = Path(__file__).resolve().parent / "specs" / "bookshelf.yaml"
KEY = "bks_live_4f7a1c9e2b6d8035"
BASE = "/v1"
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
BOOK_ID = "^bk_[a-z0-9]{10}$"
CURSOR = "^[A-Za-z0-9_-]{1,64}$"
SEEDS = (
    ("The Left Hand of Darkness", "Ursula K. Le Guin", "available"),
    ("Invisible Cities", "Italo Calvino", "available"),
    ("Kindred", "Octavia E. Butler", "checked_out"),
    ("The Master and Margarita", "Mikhail Bulgakov", "available"),
    ("Pedro Páramo", "Juan Rulfo", "lost"),
)


@dataclass
class Book:
    """A stored book: its public properties and its version (the ETag)."""

    fields: dict[str, Any]
    version: int = 1
    visible: bool = True  # readable by GET /books/{id}
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def _drift(switch: str) -> Any:
    """The server's own copy of the schemas, drifted from the spec for some faults."""

    def edit(document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        if switch == "isbn-unchecked":
            del schemas["BookCreate"]["properties"]["isbn"]["pattern"]
        elif switch == "unknown-fields-accepted":
            del schemas["BookCreate"]["additionalProperties"]
        elif switch == "tags-unbounded":
            del schemas["BookCreate"]["properties"]["tags"]["maxItems"]
        elif switch == "title-null-accepted":
            schemas["BookUpdate"]["properties"]["title"]["type"] = ["string", "null"]

    return edit


class BookshelfApp(App):
    """The Bookshelf API as a production server answers it."""

    routes = (
        route("GET", "/v1/books", "list_books"),
        route("POST", "/v1/books", "create_book"),
        route("GET", "/v1/books/{book_id}", "get_book"),
        route("PATCH", "/v1/books/{book_id}", "update_book"),
        route("DELETE", "/v1/books/{book_id}", "delete_book"),
        route("POST", "/v1/books/{book_id}/cover", "upload_cover"),
    )

    def __init__(self, switch: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(switch, *args, **kwargs)
        self.doc = SpecDoc(SPEC_PATH, _drift(switch), ecma=not self.on("isbn-trailing-newline"))
        self.books: dict[str, Book] = {}
        self.uploads: dict[tuple[str, str], dict[str, Any]] = {}
        statuses = ("available", "checked_out", "lost")
        for index, (title, author, status) in enumerate(SEEDS):
            if self.on("seed-statuses"):
                status = statuses[index % 3]
            book = self.new_book({"title": title, "author": author, "status": status})
            if self.on("seed-statuses"):
                book.fields["rating"] = [None, 4.5, 3][index % 3]
            self.books[book.fields["id"]] = book

    # -- handlers ----------------------------------------------------------------------------
    def list_books(self, request: Request) -> Response:
        self.authenticate(request, optional=self.on("no-auth-list"))
        limit = self.limit(request.arg("limit"))
        cursor = request.arg("cursor")
        if cursor is not None and not ecma_pattern(CURSOR).search(cursor):
            raise HttpError(400, "invalid_parameter", "cursor: malformed")
        if cursor is not None and self.on("cursor-base64-500"):
            cursor = base64.urlsafe_b64decode(cursor).decode()  # cursors taken for base64
        ids = sorted(i for i, b in self.books.items() if not b.deleted)
        after = [i for i in ids if cursor is None or i > cursor]
        page, rest = after[:limit], after[limit:]
        answer: dict[str, Any] = {
            "data": [self.render(self.books[i]) for i in page],
            "has_more": bool(rest),
            "next_cursor": page[-1] if rest else None,
        }
        if not rest and self.on("next-cursor-missing"):
            del answer["next_cursor"]
        if not rest and self.on("cursor-loops"):
            answer.update(has_more=True, next_cursor=ids[0] if ids else None)
        if not rest and self.on("has-more-lies"):
            answer["has_more"] = True
        return self.json(200, answer)

    def create_book(self, request: Request) -> Response:
        self.authenticate(request)
        body = read_json(request)
        self.validate("BookCreate", body)
        book = self.new_book(body)
        if self.on("create-not-retrievable"):
            book.visible = False  # written to the primary, read back from a stale replica
        self.books[book.fields["id"]] = book
        headers = {"Location": f"{BASE}/books/{book.fields['id']}", "ETag": book.etag}
        if self.on("location-missing"):
            del headers["Location"]
        return self.json(200 if self.on("create-200") else 201, self.render(book), headers)

    def get_book(self, request: Request) -> Response:
        self.authenticate(request)
        book = self.find(request)
        return self.json(200, self.render(book), {"ETag": book.etag})

    def update_book(self, request: Request) -> Response:
        self.authenticate(request)
        self.book_id(request)
        body = read_json(request)
        self.validate("BookUpdate", body)
        book = self.find(request)
        changes = {k: v for k, v in body.items() if v is not None or k == "rating"}
        self.check_values(changes)
        book.fields.update(changes)
        book.version += 1
        book.fields["updated_at"] = self.now()
        return self.json(200, self.render(book), {"ETag": book.etag})

    def delete_book(self, request: Request) -> Response:
        self.authenticate(request)
        book = self.find(request)
        if self.on("delete-soft"):
            book.fields["status"] = "lost"  # marked, never removed
        else:
            book.deleted = True
        return Response(204)

    def upload_cover(self, request: Request) -> Response:
        self.authenticate(request)
        book_id = self.book_id(request)
        key = request.headers.get("idempotency-key")
        if key is None and not self.on("idempotency-key-optional"):
            raise HttpError(400, "missing_header", "Idempotency-Key is required")
        if key is not None and not 1 <= len(key) <= 64:
            raise HttpError(400, "invalid_header", "Idempotency-Key: 1 to 64 characters")
        parts = read_multipart(request)
        file = parts.get("file")
        if file is None and not self.on("cover-without-file"):
            raise HttpError(self.invalid_status(), "invalid_body", "file: required")
        caption_part = parts.get("caption")
        try:
            caption = caption_part.data.decode("utf-8") if caption_part else None
        except UnicodeDecodeError:
            raise HttpError(self.invalid_status(), "invalid_body", "caption: not UTF-8") from None
        if caption is not None and len(caption) > 200:
            raise HttpError(self.invalid_status(), "invalid_body", "caption: longer than 200")
        book = self.find(request)
        if key is not None and (book_id, key) in self.uploads:
            return self.json(201, self.uploads[book_id, key])  # a retry: the first answer
        data = file.data if file else b""
        if self.on("cover-empty-file-500"):
            _ = 1024 // len(data)  # a thumbnail scale computed without a guard
        kind = file.content_type if file else "application/octet-stream"
        url = f"https://cdn.bookshelf.example/covers/{book_id}"
        book.fields["cover_url"] = url
        cover: dict[str, Any] = {
            "book_id": book_id,
            "url": url,
            "content_type": kind,
            "size_bytes": len(data),
        }
        if caption is not None:
            cover["caption"] = caption
        if key is not None:
            self.uploads[book_id, key] = cover
        return self.json(201, cover)

    # -- steps of a request ------------------------------------------------------------------
    def authenticate(self, request: Request, optional: bool = False) -> None:
        key = request.headers.get("x-api-key")
        bearer = request.headers.get("authorization", "")
        if key is None and self.on("key-as-bearer") and bearer.lower().startswith("bearer "):
            key = bearer[7:].strip()  # a gateway also accepts the key as a bearer token
        if key is None:
            if optional:
                return
            raise HttpError(401, "unauthorized", "X-Api-Key is required")
        if not hmac.compare_digest(key.encode("utf-8", "replace"), KEY.encode()):
            status = 403 if self.on("auth-403") else 401
            raise HttpError(status, "invalid_api_key", "unknown API key")

    def limit(self, text: str | None) -> int:
        if text is None:
            return 20
        if not re.fullmatch(r"[0-9]+", text):
            raise HttpError(400, "invalid_parameter", "limit: not an integer")
        value = int(text) if len(text) <= 4000 else 10**4000
        if value < 1 or (value > 50 and not self.on("limit-unchecked")):
            raise HttpError(400, "invalid_parameter", "limit: outside 1..50")
        return value

    def book_id(self, request: Request) -> str:
        book_id = request.params["book_id"]
        if not ecma_pattern(BOOK_ID).search(book_id) and not self.on("id-pattern"):
            raise HttpError(400, "invalid_parameter", "book_id: malformed")
        return book_id

    def find(self, request: Request) -> Book:
        book = self.books.get(self.book_id(request))
        if book is None or book.deleted or not book.visible:
            raise HttpError(404, "not_found", "no such book")
        return book

    def invalid_status(self) -> int:
        return 422 if self.on("errors-422") else 400

    def validate(self, schema: str, body: Any) -> None:
        errors = self.doc.errors(f"/components/schemas/{schema}", body)
        if errors:
            error = errors[0]
            where = "/".join(map(str, error.absolute_path)) or "body"
            message = f"{where}: {error.message[:200]}"
            raise HttpError(self.invalid_status(), "invalid_body", message)
        self.check_values(body)

    def check_values(self, body: dict[str, Any]) -> None:
        """What the handler itself refuses or trips over (nothing the spec allows, in the base)."""
        title = body.get("title")
        if self.on("unicode-title-rejected") and isinstance(title, str):
            try:
                title.encode("latin-1")  # the catalogue's search index is Latin-1
            except UnicodeEncodeError:
                raise HttpError(
                    self.invalid_status(), "invalid_body", "title: unsupported"
                ) from None
        if self.on("series-rejected") and "series" in body:
            raise HttpError(self.invalid_status(), "invalid_body", "series: unexpected")
        if self.on("empty-summary-500") and "summary" in body:
            body["summary"] = body["summary"][0].upper() + body["summary"][1:]

    # -- answers -----------------------------------------------------------------------------
    def now(self) -> str:
        moment = datetime.datetime.fromtimestamp(self.clock(), datetime.timezone.utc)
        if self.on("created-at-format"):
            return str(moment.replace(tzinfo=None, microsecond=0))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def new_book(self, body: dict[str, Any]) -> Book:
        length = 12 if self.on("id-pattern") else 10
        book_id = "bk_" + "".join(self.rng.choice(ALPHABET) for _ in range(length))
        now = self.now()
        fields = {
            "id": book_id,
            "status": "on_shelf" if self.on("status-outside-enum") else "available",
            "tags": [],
            "cover_url": None,
            **body,
            "created_at": now,
            "updated_at": now,
        }
        return Book(fields)

    def render(self, book: Book) -> dict[str, Any]:
        rendered = dict(book.fields)
        if self.on("extra-fields"):
            rendered.update(etag=book.etag, links={"self": f"{BASE}/books/{rendered['id']}"})
        return rendered

    def json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        headers = dict(headers or {})
        if self.on("extra-headers"):
            headers.update(
                {
                    "X-Request-Id": f"req_{self.rng.getrandbits(40):010x}",
                    "RateLimit-Remaining": "99",
                    "Cache-Control": "private",
                }
            )
        return json_response(status, payload, headers)
