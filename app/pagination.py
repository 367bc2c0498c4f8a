"""Pagination for lists: signed keyset cursors, the X-Pagination header and RFC 8288 Link headers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from app.errors import DomainError

# Offset pages stop here (Zendesk's limit too): deeper pages cost a scan of every skipped row.
MAX_OFFSET_RECORDS = 10_000

PAGINATION_HEADERS = {
    "X-Pagination": {
        "description": (
            "JSON: page_size; in offset mode page, first_page, previous_page, next_page, and total, "
            "total_pages, last_page when the total is known (count=true, or estimated with "
            "total_is_estimate=true for an unfiltered list); in cursor mode next_cursor (absent on the "
            "last page) and total with count=true."
        ),
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'RFC 8288 links to the other pages: rel="next" (absent on the last page), and in '
        'offset mode rel="first", "prev" and "last" when they exist.',
        "schema": {"type": "string"},
    },
}


class BadCursor(DomainError):
    """A cursor that was not issued by this service for this query."""

    code = 400


class OffsetTooDeep(DomainError):
    """An offset page past MAX_OFFSET_RECORDS."""

    code = 400


@dataclass
class Page:
    """One page of a list and what the headers need to describe it."""

    items: list[Any]
    page_size: int
    page: int | None = None  # None in cursor mode
    has_next: bool = False
    next_cursor: str | None = None
    total: int | None = None
    total_is_estimate: bool = False


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="list-cursor")


def query_fingerprint(args: dict[str, Any]) -> str:
    """A short digest of a query's filters and ordering, so a cursor only continues its own list."""
    text = json.dumps(args, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(*, fingerprint: str, key: Any, last_id: int) -> str:
    """An opaque, signed cursor pointing just after (key, last_id)."""
    return str(_serializer().dumps([fingerprint, key, last_id]))


def decode_cursor(cursor: str, *, fingerprint: str) -> tuple[Any, int]:
    """(key, last_id) of a cursor issued for this query, else BadCursor."""
    try:
        issued_for, key, last_id = _serializer().loads(cursor)
    except (BadSignature, ValueError, TypeError) as exc:
        raise BadCursor("Invalid cursor: use the next_cursor value of a previous page.") from exc
    if issued_for != fingerprint or not isinstance(last_id, int):
        raise BadCursor("This cursor belongs to another query: keep the filters and ordering unchanged.")
    return key, last_id


def check_offset(*, page: int, page_size: int) -> None:
    """Refuse offset pages that would skip MAX_OFFSET_RECORDS records or more."""
    if (page - 1) * page_size >= MAX_OFFSET_RECORDS:
        raise OffsetTooDeep(
            f"Offset pagination reaches the first {MAX_OFFSET_RECORDS:,} records only; "
            "use cursor pagination (cursor=, then each page's next_cursor) to go further."
        )


def _url(**changes: Any) -> str:
    args = request.args.to_dict(flat=False)
    for name, value in changes.items():
        args[name] = [str(value)]
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)  # type: ignore[arg-type]


def _offset_meta(page: Page, number: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"page": number, "page_size": page.page_size, "first_page": 1}
    if number > 1:
        meta["previous_page"] = number - 1
    if page.has_next:
        meta["next_page"] = number + 1
    if page.total is not None:
        last = max(1, -(-page.total // page.page_size))
        meta.update(total=page.total, total_pages=last, last_page=last)
        if page.total_is_estimate:
            meta["total_is_estimate"] = True
    return meta


def pagination_headers(page: Page) -> dict[str, str]:
    """X-Pagination and Link headers for a page."""
    if page.page is None:
        meta: dict[str, Any] = {"page_size": page.page_size}
        if page.next_cursor:
            meta["next_cursor"] = page.next_cursor
        if page.total is not None:
            meta["total"] = page.total
        links = {"next": _url(cursor=page.next_cursor)} if page.next_cursor else {}
    else:
        meta = _offset_meta(page, page.page)
        rels = {"first": "first_page", "prev": "previous_page", "next": "next_page", "last": "last_page"}
        links = {rel: _url(page=meta[key]) for rel, key in rels.items() if key in meta}
    headers = {"X-Pagination": json.dumps(meta)}
    if links:
        headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return headers
