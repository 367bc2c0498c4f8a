"""Security headers on every response; a Content-Security-Policy on the pages browsers render."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.wrappers import Response

# Flask-Admin's templates and Swagger UI's bootstrap use inline scripts and handlers, hence 'unsafe-inline';
# the point of the policy is that nothing loads from other origins and no other site may frame these pages.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
BROWSER_PAGES = ("/admin", "/api/docs")


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith(BROWSER_PAGES):
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
    seconds = current_app.config["HSTS_SECONDS"]
    if current_app.config["APP_ENV"] == "production" and seconds > 0:
        headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    return response


def register_security_headers(app: Flask) -> None:
    """nosniff everywhere, CSP and X-Frame-Options on the admin site and Swagger UI, HSTS in production."""
    app.after_request(_add_headers)
