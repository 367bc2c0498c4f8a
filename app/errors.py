"""Domain exceptions and the one JSON error shape: {code, status, message, errors}."""

from __future__ import annotations

import http
import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from app.database import run_read_again

log = logging.getLogger(__name__)

AUTH_CHALLENGE = 'Basic realm="tickets", Bearer realm="tickets"'
# SQLSTATEs of a server that cannot serve now: connection exceptions, shutdowns, a server still starting.
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
UNAVAILABLE_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED")
RETRY_AFTER_SECONDS = 5


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


def database_unavailable(error: sa.exc.DBAPIError) -> bool:
    """Whether a database error means "not now" (server gone, starting, busy) rather than a bug."""
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", "")  # psycopg: None for client-side connection failures
    if sqlstate is None or (sqlstate and sqlstate.startswith(UNAVAILABLE_SQLSTATES)):
        return True
    return getattr(error.orig, "sqlite_errorname", "") in UNAVAILABLE_SQLITE


def _handle_database_error(error: sa.exc.DBAPIError):
    if not database_unavailable(error):
        return _handle_unexpected(error)
    answer = run_read_again(error)
    if answer is not None:
        log.warning("database connection lost; the read ran again on a new one")
        return answer
    log.warning("database unavailable: %s", type(error.orig).__name__)
    return _unavailable("The database is unavailable; retry shortly.")


def _handle_pool_timeout(error: sa.exc.TimeoutError):
    log.warning("no database connection free within the pool timeout")
    return _unavailable("The service is busy; retry shortly.")


def _unavailable(message: str):
    response = _handle_domain_error(ServiceUnavailable(message))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: Flask) -> None:
    """Map domain errors, an unavailable database and unexpected exceptions to the JSON error shape."""
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(sa.exc.DBAPIError, _handle_database_error)
    app.register_error_handler(sa.exc.TimeoutError, _handle_pool_timeout)
    app.register_error_handler(Exception, _handle_unexpected)
