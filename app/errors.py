"""Domain exceptions and the one JSON error shape: {code, status, message, errors}."""

from __future__ import annotations

import http
import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

AUTH_CHALLENGE = 'Basic realm="tickets", Bearer realm="tickets"'


class DomainError(Exception):
    """Base class for errors that services raise and the web layer maps to HTTP."""

    code = 400

    def __init__(self, message: str, *, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class Unauthorized(DomainError):
    code = 401


class Forbidden(DomainError):
    code = 403


class NotFound(DomainError):
    code = 404


class Conflict(DomainError):
    code = 409


class PreconditionFailed(DomainError):
    """The resource changed since the client (or form) read it; nothing was written."""

    code = 412


class InvalidTransition(Conflict):
    """A workflow transition that the current status does not allow."""


class ValidationFailed(DomainError):
    code = 422


class ServiceUnavailable(DomainError):
    code = 503


def error_body(code: int, message: str | None = None, errors: Any = None) -> dict[str, Any]:
    """Build the error payload flask-smorest uses, so every error looks the same."""
    body: dict[str, Any] = {"code": code, "status": http.HTTPStatus(code).phrase}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    return body


def _handle_domain_error(error: DomainError):
    response = jsonify(error_body(error.code, error.message, error.errors))
    response.status_code = error.code
    if error.code == 401:
        response.headers["WWW-Authenticate"] = AUTH_CHALLENGE
    return response


def _handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return error
    log.exception("unhandled error")
    response = jsonify(error_body(500, "Internal server error."))
    response.status_code = 500
    return response


def register_error_handlers(app: Flask) -> None:
    """Map domain errors and unexpected exceptions to the JSON error shape."""
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(Exception, _handle_unexpected)
