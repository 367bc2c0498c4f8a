"""Refuse request bodies that are too large or nested too deeply before any view or form parses them."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import DomainError


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


def register_request_guards(app: Flask) -> None:
    """Run the body checks before every request (API, admin site and docs alike)."""
    app.before_request(refuse_oversized_body)
    app.before_request(refuse_deep_json)
