"""Refuse requests no view should see: bodies too large or nested too deeply, text holding NUL characters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import DomainError, ValidationFailed

NUL = "\x00"


def refuse_oversized_body() -> None:
    """413 from the Content-Length alone, or for a chunked body once it passes the limit."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None:
        return
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"The request body may be at most {limit} bytes.")
    if request.content_length is None and request.environ.get("wsgi.input_terminated"):
        # A chunked body: Werkzeug's parsers stop quietly at the limit, so read it here and refuse the rest.
        request.get_data(cache=True)
        if request.environ["wsgi.input"].read(1):
            raise RequestEntityTooLarge(f"The request body may be at most {limit} bytes.")


def refuse_deep_json() -> None:
    """400 for JSON the parser cannot descend into; a valid body is parsed once and cached."""
    if not request.is_json:
        return
    try:
        request.get_json(silent=True)
    except RecursionError:
        raise DomainError(
            "The JSON body is nested too deeply.", errors={"json": ["Nested too deeply."]}
        ) from None


def _strings(value: Any) -> Iterator[str]:
    stack = [value]  # iterative: a body nested as deep as the JSON parser allows must not overflow here
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def refuse_nul_characters() -> None:
    """422 for a NUL character (U+0000) in the query, a form or a JSON body: no text column can hold one."""
    parts: list[Any] = [request.args.to_dict(flat=False)]
    if request.is_json:
        parts.append(request.get_json(silent=True))
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        parts.append(request.form.to_dict(flat=False))
    if any(NUL in text for text in _strings(parts)):
        raise ValidationFailed(
            "Text must not contain the NUL character (U+0000).",
            errors={"request": ["A value holds the NUL character (U+0000)."]},
        )


def register_request_guards(app: Flask) -> None:
    """Run the checks before every request (API, admin site and docs alike)."""
    app.before_request(refuse_oversized_body)
    app.before_request(refuse_deep_json)
    app.before_request(refuse_nul_characters)
