"""Request ids and logging: one line per request, the request id on every line, no secrets."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from flask.wrappers import Response

from app.redact import redact, url_secrets

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is echoed only when it is short and plain, so it cannot forge or flood log lines.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
HANDLER_NAME = "ticket-intelligence"
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "user_id")

access_log = logging.getLogger("app.access")


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request it was logged in ("-" outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class RedactFilter(logging.Filter):
    """Replace credentials in the message and traceback before any formatter sees them."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage(), self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({k: getattr(record, k) for k in ACCESS_FIELDS if hasattr(record, k)})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)


def _start_request() -> None:
    candidate = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = candidate if _SANE_REQUEST_ID.fullmatch(candidate) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _user_id() -> int | None:
    user = g.get("current_user")
    return user.id if user is not None else g.get("admin_user_id")


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    fields = {
        "method": request.method,
        "path": request.url_rule.rule if request.url_rule else "<unmatched>",
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1),
        "user_id": _user_id(),
    }
    # Throttled and failed requests are what an operator must notice.
    level = logging.WARNING if response.status_code >= 500 or response.status_code == 429 else logging.INFO
    access_log.log(level, "%(method)s %(path)s %(status)s %(duration_ms)sms", fields, extra=fields)
    return response


def _handler(app: Flask) -> logging.Handler:
    config = app.config
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    uris = (config["SQLALCHEMY_DATABASE_URI"], config["MLFLOW_TRACKING_URI"], config.get("REDIS_URL"))
    handler.addFilter(RedactFilter(url_secrets([*uris, config.get("RATELIMIT_STORAGE_URI")])))
    if config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    return handler


def register_logging(app: Flask) -> None:
    """Log to stderr through one root handler (so every module's logger reaches it) and tag requests."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(_handler(app))
    root.setLevel(app.config["LOG_LEVEL"])
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin, each run
    app.logger.removeHandler(default_handler)  # records propagate to the root handler instead
    app.before_request(_start_request)
    app.after_request(_finish_request)
