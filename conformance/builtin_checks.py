"""What each of Schemathesis' built-in checks asserts, for the report (they carry no docstrings)."""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "not_a_server_error": "No generated request gets a 5xx.",
    "content_type_conformance": "A response's Content-Type is one the spec documents.",
    "response_headers_conformance": "Documented response headers are present and match their schemas.",
    "response_schema_conformance": "A response body matches its documented schema.",
    "negative_data_rejection": "A request that breaks the schema is rejected with a 4xx.",
    "positive_data_acceptance": "A request that fits the schema is accepted.",
    "missing_required_header": "A request without a required header is rejected.",
    "unsupported_method": "A method the path does not document gets 405.",
    "allow_header_conformance": "A 405 names the allowed methods in Allow.",
    "use_after_free": "A deleted resource is gone (404) afterwards.",
    "ensure_resource_availability": "A created resource can be retrieved afterwards.",
    "ignored_auth": "A request without, or with a wrong, credential is refused (401/403).",
    "object_level_authorization": "One identity cannot read an object another created.",
}
