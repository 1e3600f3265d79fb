"""Request bodies, responses, their media types and response headers."""

from __future__ import annotations

from typing import Any

from specforge.gate.diff.categories import CategoryId
from specforge.gate.diff.context import Context, Direction, Path_, mapping
from specforge.gate.diff.lifecycle import deprecation
from specforge.gate.diff.operations import Op
from specforge.gate.diff.values import default_change


def request_body(ctx: Context, before: Op, after: Op) -> None:
    """A request body added, removed, made required or optional, and its content."""
    old_where, was = ctx.resolve(
        ctx.old, before.operation.get("requestBody"), (*before.location, "requestBody")
    )
    where, now = ctx.resolve(
        ctx.new, after.operation.get("requestBody"), (*after.location, "requestBody")
    )
    if not isinstance(was, dict) and not isinstance(now, dict):
        return
    if not isinstance(was, dict):
        required = isinstance(now, dict) and now.get("required") is True
        ctx.add(
            where,
            "request-body-added:required" if required else "request-body-added:optional",
            f"request body added to {after.label}",
        )
        return
    if not isinstance(now, dict):
        ctx.add(
            old_where,
            "request-body-removed",
            f"request body removed from {before.label}",
            in_old=True,
        )
        return
    if now.get("required") is True and was.get("required") is not True:
        ctx.add(where, "request-body-required", "request body made required")
    elif was.get("required") is True and now.get("required") is not True:
        ctx.add(where, "request-body-optional", "request body made optional")
    content(ctx, was, now, old_where, where, "request", after.label)


def media_types(holder: dict[str, Any]) -> dict[str, str]:
    """The media types of `content`, by type without parameters (`application/json;
    charset=utf-8` is `application/json`), each to the key written."""
    found: dict[str, str] = {}
    for key in sorted(mapping(holder.get("content")), key=str):
        found.setdefault(str(key).split(";")[0].strip().lower(), key)
    return found


def _covers(wide: str, narrow: str) -> bool:
    """Whether the media range `wide` (`*/*`, `image/*`) covers the media type `narrow`."""
    kind, _, sub = wide.partition("/")
    return wide != narrow and sub == "*" and (kind == "*" or narrow.partition("/")[0] == kind)


def _ranges(removed: set[str], added: set[str]) -> list[tuple[str, str]]:
    """Removed and added media types paired when one is a range covering the other."""
    pairs: list[tuple[str, str]] = []
    left = sorted(added)
    for before in sorted(removed):
        match = next((a for a in left if _covers(a, before) or _covers(before, a)), None)
        if match is not None:
            left.remove(match)
            pairs.append((before, match))
    return pairs


def content(
    ctx: Context,
    was: dict[str, Any],
    now: dict[str, Any],
    old_where: Path_,
    where: Path_,
    direction: Direction,
    label: str,
    *,
    success: bool = False,
) -> None:
    """Media types added and removed, and the schemas of those both sides have.

    `success`: the content of a 2xx response (a removed media type changes the SDK's return).
    """
    old_content, new_content = mapping(was.get("content")), mapping(now.get("content"))
    old_types, new_types = media_types(was), media_types(now)
    request = direction == "request"
    removed: CategoryId = (
        "content-type-removed:request"
        if request
        else "content-type-removed:success-response"
        if success
        else "content-type-removed:other-response"
    )
    ranges = _ranges(set(old_types) - set(new_types), set(new_types) - set(old_types))
    for before, after in ranges:
        wider = _covers(after, before)
        category: CategoryId = (
            ("content-type-widened:request" if request else "content-type-widened:response")
            if wider
            else ("content-type-narrowed:request" if request else "content-type-narrowed:response")
        )
        ctx.add(
            (*where, "content", new_types[after]),
            category,
            f"{direction} content type {old_types[before]} -> {new_types[after]} ({label})",
        )
    paired = {media for pair in ranges for media in pair}
    for media in sorted(set(new_types) - set(old_types) - paired):
        ctx.add(
            (*where, "content", new_types[media]),
            "content-type-added:request" if request else "content-type-added:response",
            f"{direction} content type {new_types[media]} added ({label})",
        )
    for media in sorted(set(old_types) - set(new_types) - paired):
        ctx.add(
            (*old_where, "content", old_types[media]),
            removed,
            f"{direction} content type {old_types[media]} removed ({label})",
            in_old=True,
        )
    same = [(media, media) for media in sorted(set(old_types) & set(new_types))]
    for old_media_type, new_media_type in same + ranges:
        old_key, new_key = old_types[old_media_type], new_types[new_media_type]
        old_media, new_media = old_content[old_key], new_content[new_key]
        if isinstance(old_media, dict) and isinstance(new_media, dict):
            if request:
                default_change(
                    ctx,
                    ctx.with_target(ctx.old, old_media.get("schema")),
                    ctx.with_target(ctx.new, new_media.get("schema")),
                    now.get("required") is True,
                    (*where, "content", new_key, "schema"),
                    f"the {new_key} request body",
                )
            ctx.schema(
                old_media.get("schema"),
                new_media.get("schema"),
                (*old_where, "content", old_key, "schema"),
                (*where, "content", new_key, "schema"),
                direction,
            )


def responses(ctx: Context, before: Op, after: Op) -> None:
    """Response statuses added and removed, and the headers and content of those both have."""
    compare_responses(
        ctx,
        before.operation.get("responses"),
        after.operation.get("responses"),
        (*before.location, "responses"),
        (*after.location, "responses"),
        after.label,
    )


def compare_responses(
    ctx: Context,
    old_responses: Any,
    new_responses: Any,
    old_where: Path_,
    where: Path_,
    label: str,
    *,
    direction: Direction = "response",
) -> None:
    """Two `responses` objects; `direction` is "request" for the answers to a webhook."""
    old, new = mapping(old_responses), mapping(new_responses)
    old_codes, new_codes = {str(k): k for k in old}, {str(k): k for k in new}
    if direction == "response":
        for code in sorted(set(new_codes) - set(old_codes)):
            success = code.startswith("2")
            ctx.add(
                (*where, code),
                "response-status-added:success" if success else "response-status-added:other",
                f"response {code} added to {label}",
            )
        for code in sorted(set(old_codes) - set(new_codes)):
            success = code.startswith("2")
            ctx.add(
                (*old_where, code),
                "response-status-removed:success" if success else "response-status-removed:other",
                f"response {code} removed from {label}",
                in_old=True,
            )
    for code in sorted(set(old_codes) & set(new_codes)):
        at_old, was = ctx.resolve(ctx.old, old[old_codes[code]], (*old_where, code))
        at_new, now = ctx.resolve(ctx.new, new[new_codes[code]], (*where, code))
        if isinstance(was, dict) and isinstance(now, dict):
            if direction == "response":
                headers(ctx, was, now, at_old, at_new, f"{label} {code}")
            content(
                ctx,
                was,
                now,
                at_old,
                at_new,
                direction,
                f"{label} {code}",
                success=code.startswith("2"),
            )


def _headers(
    ctx: Context, document: dict[str, Any], response: dict[str, Any], where: Path_
) -> dict[str, tuple[Path_, Any]]:
    """A response's headers by lower-cased name (`Content-Type` is not one: OpenAPI ignores it)."""
    found: dict[str, tuple[Path_, Any]] = {}
    for name in sorted(mapping(response.get("headers")), key=str):
        key = str(name).lower()
        if key != "content-type" and key not in found:
            found[key] = ctx.resolve(document, response["headers"][name], (*where, "headers", name))
    return found


def headers(
    ctx: Context,
    was: dict[str, Any],
    now: dict[str, Any],
    old_where: Path_,
    where: Path_,
    label: str,
) -> None:
    """Response headers added, removed, made required or optional, deprecated, and their
    schemas (judged as responses)."""
    old = _headers(ctx, ctx.old, was, old_where)
    new = _headers(ctx, ctx.new, now, where)
    for name in sorted(set(new) - set(old)):
        at, header = new[name]
        required = isinstance(header, dict) and header.get("required") is True
        ctx.add(
            at,
            "response-header-added:required" if required else "response-header-added:optional",
            f"{'required' if required else 'optional'} header {name!r} added to {label}",
        )
    for name in sorted(set(old) - set(new)):
        at, header = old[name]
        required = isinstance(header, dict) and header.get("required") is True
        ctx.add(
            at,
            "response-header-removed:required" if required else "response-header-removed:optional",
            f"header {name!r} removed from {label}",
            in_old=True,
        )
    for name in sorted(set(old) & set(new)):
        (at_old, before), (at, after) = old[name], new[name]
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        if after.get("required") is True and before.get("required") is not True:
            ctx.add(at, "response-header-required", f"header {name!r} of {label} made required")
        elif before.get("required") is True and after.get("required") is not True:
            ctx.add(at, "response-header-optional", f"header {name!r} of {label} made optional")
        deprecation(ctx, before, after, at, "header", repr(name))
        ctx.schema(
            before.get("schema"),
            after.get("schema"),
            (*at_old, "schema"),
            (*at, "schema"),
            "response",
        )
