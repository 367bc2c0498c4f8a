"""The one Huey instance: Redis when REDIS_URL is set, else SQLite in instance/ (the embedded default).

Huey needs its instance when task modules are imported, before any Flask app exists, so it is configured
from the environment: REDIS_URL selects Redis, HUEY_IMMEDIATE=true runs tasks inline (the test suite).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, has_app_context
from huey import Huey, RedisHuey, SqliteHuey

from app.config import ROOT

F = TypeVar("F", bound=Callable[..., Any])


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def build_huey() -> Huey:
    """Huey on REDIS_URL, or on a SQLite file under instance/ (HUEY_SQLITE_PATH overrides it)."""
    immediate = _truthy("HUEY_IMMEDIATE")
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if redis_url:
        return RedisHuey("ticket-intelligence", url=redis_url, immediate=immediate)
    path = os.environ.get("HUEY_SQLITE_PATH") or str(ROOT / "instance" / "huey.db")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return SqliteHuey("ticket-intelligence", filename=path, immediate=immediate)


huey = build_huey()
_worker_app: Flask | None = None
log = logging.getLogger(__name__)
CONSUMER_SEEN_KEY = "consumer-last-seen"


def note_consumer_alive() -> None:
    """Stamp in the queue's storage that a consumer runs (each consumer: at start, then every minute)."""
    huey.put(CONSUMER_SEEN_KEY, time.time())


def consumer_last_seen() -> float | None:
    """When any consumer last stamped (Unix seconds); None if none ever did or the storage is unreachable."""
    try:
        return huey.get(CONSUMER_SEEN_KEY, peek=True)
    except Exception:  # a queue outage must not fail the request that asks
        log.warning("could not read the consumers' stamp from the queue storage", exc_info=True)
        return None


def bind_app(app: Flask) -> None:
    """Run this process's tasks in `app` (the consumer command's own app)."""
    global _worker_app
    _worker_app = app


def in_app_context(func: F) -> F:
    """Run a task inside an app context: the caller's (inline runs), else one app per consumer process."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _worker_app
        if has_app_context():
            return func(*args, **kwargs)
        if _worker_app is None:
            from app import create_app

            _worker_app = create_app()
        with _worker_app.app_context():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
