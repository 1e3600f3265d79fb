"""Request bodies, responses and their media types."""

from __future__ import annotations

from typing import Any

from specforge.gate.diff.categories import CategoryId
from specforge.gate.diff.context import Context, Direction, Path_, mapping
from specforge.gate.diff.operations import Op


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
        ctx.add(old_where, "request-body-removed", f"request body removed from {before.label}")
        return
    if now.get("required") is True and was.get("required") is not True:
        ctx.add(where, "request-body-required", "request body made required")
    elif was.get("required") is True and now.get("required") is not True:
        ctx.add(where, "request-body-optional", "request body made optional")
    content(ctx, was, now, old_where, where, "request", after.label)


def content(
    ctx: Context,
    was: dict[str, Any],
    now: dict[str, Any],
    old_where: Path_,
    where: Path_,
    direction: Direction,
    label: str,
) -> None:
    """Media types added and removed, and the schemas of those both sides have."""
    old_content = mapping(was.get("content"))
    new_content = mapping(now.get("content"))
    request = direction == "request"
    removed: CategoryId = (
        "content-type-removed:request"
        if request
        else "content-type-removed:success-response"
        if str(where[-1]).startswith("2")
        else "content-type-removed:other-response"
    )
    for media in sorted(set(new_content) - set(old_content)):
        ctx.add(
            (*where, "content", media),
            "content-type-added:request" if request else "content-type-added:response",
            f"{direction} content type {media} added ({label})",
        )
    for media in sorted(set(old_content) - set(new_content)):
        ctx.add(
            (*old_where, "content", media),
            removed,
            f"{direction} content type {media} removed ({label})",
        )
    for media in sorted(set(old_content) & set(new_content)):
        old_media, new_media = old_content[media], new_content[media]
        if isinstance(old_media, dict) and isinstance(new_media, dict):
            ctx.schema(
                old_media.get("schema"),
                new_media.get("schema"),
                (*old_where, "content", media, "schema"),
                (*where, "content", media, "schema"),
                direction,
            )


def responses(ctx: Context, before: Op, after: Op) -> None:
    """Response statuses added and removed, and the content of those both sides have."""
    old = mapping(before.operation.get("responses"))
    new = mapping(after.operation.get("responses"))
    old_codes, new_codes = {str(k): k for k in old}, {str(k): k for k in new}
    for code in sorted(set(new_codes) - set(old_codes)):
        ctx.add(
            (*after.location, "responses", code),
            "response-status-added:success"
            if code.startswith("2")
            else "response-status-added:other",
            f"response {code} added to {after.label}",
        )
    for code in sorted(set(old_codes) - set(new_codes)):
        ctx.add(
            (*before.location, "responses", code),
            "response-status-removed",
            f"response {code} removed from {before.label}",
        )
    for code in sorted(set(old_codes) & set(new_codes)):
        old_where, was = ctx.resolve(
            ctx.old, old[old_codes[code]], (*before.location, "responses", code)
        )
        where, now = ctx.resolve(
            ctx.new, new[new_codes[code]], (*after.location, "responses", code)
        )
        if isinstance(was, dict) and isinstance(now, dict):
            content(ctx, was, now, old_where, where, "response", f"{after.label} {code}")
