"""The Bookshelf spec's variants: the base server, its conformant alternatives and its faults."""

from __future__ import annotations

from typing import Any

from tests.fault_corpus.bodies import multipart
from tests.fault_corpus.bookshelf import BASE, KEY, SPEC_PATH, BookshelfApp
from tests.fault_corpus.variants import Kind, SpecInfo, Step, Variant, similar_key, step

NEW = {"title": "Solaris", "author": "Stanisław Lem"}
CREATE = step("POST", "/v1/books", json=NEW, capture={"id": "body:id"})
COVER, COVER_TYPE = multipart(
    {"caption": "First edition"}, {"file": ("c.png", b"\x89PNG", "image/png")}
)
NO_FILE, NO_FILE_TYPE = multipart({"caption": "First edition"}, {})
EMPTY, EMPTY_TYPE = multipart({}, {"file": ("c.png", b"", "image/png")})


def _create(**body: Any) -> tuple[Step, ...]:
    return (step("POST", "/v1/books", json={**NEW, **body}),)


def _then(*steps: Step) -> tuple[Step, ...]:
    return (CREATE, *steps)


def _patch(body: dict[str, Any]) -> Step:
    return step("PATCH", "/v1/books/{id}", json=body)


def _cover(content: bytes, kind: str, key: str | None = "upload-1") -> Step:
    headers = {"Idempotency-Key": key} if key else {}
    return step("POST", "/v1/books/{id}/cover", content=content, content_type=kind, headers=headers)


INFO = SpecInfo(
    name="bookshelf",
    path=SPEC_PATH,
    base_path=BASE,
    key=KEY,
    auth=lambda key: {"X-Api-Key": key},
    similar_key=similar_key(KEY),
    valid=(
        step("GET", "/v1/books?limit=2", capture={"cursor": "body:next_cursor"}),
        step("GET", "/v1/books?limit=2&cursor={cursor}"),
        step(
            "POST",
            "/v1/books",
            json={
                **NEW,
                "isbn": "9780156027601",
                "tags": ["sf"],
                "rating": None,
                "series": {"name": "Lem", "position": 1},
            },
            capture={"id": "body:id"},
        ),
        step("GET", "/v1/books/{id}"),
        _patch({"status": "checked_out", "rating": 4.5}),
        _cover(COVER, COVER_TYPE),
        _cover(COVER, COVER_TYPE),
        step("DELETE", "/v1/books/{id}"),
    ),
)
LAST_PAGE = (step("GET", "/v1/books?limit=50"),)


def _variant(name: str, kind: Kind, description: str, trigger: tuple[Step, ...] = ()) -> Variant:
    switch = "" if name == "base" else name
    return Variant(f"bookshelf/{name}", INFO, kind, description, switch, BookshelfApp, trigger)


VARIANTS = [
    _variant("base", "conformant", "the base server"),
    _variant("auth-403", "conformant", "an unknown key gets 403 (both documented)"),
    _variant("errors-422", "conformant", "invalid bodies get 422 (both documented)"),
    _variant("extra-fields", "conformant", "books carry extra properties (etag, links)"),
    _variant("extra-headers", "conformant", "answers carry request-id and rate-limit headers"),
    _variant("seed-statuses", "conformant", "seeded books in every status, ratings null or set"),
    # faults in the answer
    _variant("id-pattern", "fault", "ids have 12 characters, breaking the id pattern", _create()),
    _variant(
        "created-at-format",
        "fault",
        "created_at is not RFC 3339 ('2024-05-01 12:00:00')",
        _create(),
    ),
    _variant("status-outside-enum", "fault", "new books have status 'on_shelf'", _create()),
    _variant(
        "next-cursor-missing", "fault", "the last page lacks the required next_cursor", LAST_PAGE
    ),
    _variant(
        "cursor-loops", "fault", "the last page's next_cursor points back to the first", LAST_PAGE
    ),
    _variant("has-more-lies", "fault", "has_more is true on the last page", LAST_PAGE),
    _variant("location-missing", "fault", "201 without the required Location header", _create()),
    _variant("create-200", "fault", "creation answers 200, only 201 is documented", _create()),
    # lifecycle
    _variant(
        "create-not-retrievable",
        "fault",
        "a created book gets 404",
        _then(step("GET", "/v1/books/{id}")),
    ),
    _variant(
        "delete-soft",
        "fault",
        "a deleted book is still retrievable",
        _then(step("DELETE", "/v1/books/{id}"), step("GET", "/v1/books/{id}")),
    ),
    # server errors
    _variant("empty-summary-500", "fault", "500 on an empty summary", _create(summary="")),
    _variant(
        "cursor-base64-500",
        "fault",
        "500 on a cursor that is not base64",
        (step("GET", "/v1/books?cursor=abc"),),
    ),
    _variant(
        "cover-empty-file-500",
        "fault",
        "500 on a zero-byte cover",
        _then(_cover(EMPTY, EMPTY_TYPE)),
    ),
    # invalid input accepted
    _variant("isbn-unchecked", "fault", "isbn pattern not enforced", _create(isbn="12345")),
    _variant(
        "isbn-trailing-newline",
        "fault",
        "patterns read by Python's re: an isbn with a trailing newline accepted",
        _create(isbn="9780141036144\n"),
    ),
    _variant(
        "unknown-fields-accepted",
        "fault",
        "unknown body properties accepted",
        _create(publisher="x"),
    ),
    _variant("tags-unbounded", "fault", "more than 10 tags accepted", _create(tags=["t"] * 11)),
    _variant(
        "title-null-accepted",
        "fault",
        "null title in an update accepted (not nullable)",
        _then(_patch({"title": None})),
    ),
    _variant(
        "idempotency-key-optional",
        "fault",
        "an upload without the required Idempotency-Key header accepted",
        _then(_cover(COVER, COVER_TYPE, key=None)),
    ),
    _variant(
        "limit-unchecked", "fault", "limit above 50 accepted", (step("GET", "/v1/books?limit=51"),)
    ),
    _variant(
        "cover-without-file",
        "fault",
        "a multipart upload without the file part accepted",
        _then(_cover(NO_FILE, NO_FILE_TYPE)),
    ),
    # valid input rejected
    _variant(
        "series-rejected",
        "fault",
        "a valid nested series object rejected",
        _create(series={"name": "Lem"}),
    ),
    _variant(
        "unicode-title-rejected",
        "fault",
        "titles outside Latin-1 rejected",
        _create(title="東京物語"),
    ),
    # auth
    _variant(
        "no-auth-list",
        "fault",
        "listing books needs no key",
        (step("GET", "/v1/books", credential="none"),),
    ),
    _variant(
        "key-as-bearer",
        "fault",
        "the key accepted as a bearer token instead of X-Api-Key",
        (step("GET", "/v1/books", credential="bearer"),),
    ),
]
