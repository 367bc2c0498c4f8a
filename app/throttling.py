"""Throttling with Flask-Limiter: limits keyed by what we know after authentication, the RateLimit headers.

Flask-Limiter keeps the storage (memory://, or Redis so limits hold across workers and machines) and the
window strategy; we test and hit its limits ourselves where the key (a username, a user id) is known.
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import suppress

from flask import Flask, current_app, jsonify, request
from flask.wrappers import Response
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.middleware.proxy_fix import ProxyFix

from app.errors import DomainError, error_body

log = logging.getLogger(__name__)

# Costly endpoints and the setting that limits each, per authenticated user.
USER_LIMITS = {
    "ml.Train": "RATELIMIT_TRAIN",
    "ml.Predict": "RATELIMIT_PREDICT",
    "ml.SimilarText": "RATELIMIT_SIMILAR",
    "ml_tickets.TicketSimilar": "RATELIMIT_SIMILAR",
}


class TooManyRequests(DomainError):
    code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def limiter() -> Limiter:
    """The app's Limiter."""
    return current_app.extensions["throttling"]


def client_address() -> str:
    """The caller's address (the proxy's X-Forwarded-For when TRUSTED_PROXIES says to believe it)."""
    return get_remote_address() or "unknown"


def check(setting: str, scope: str, key: str, *, hit: bool) -> None:
    """Test (and with hit, count) every limit of a setting for one key; raise TooManyRequests when spent."""
    ext = limiter()
    strategy = ext.limiter
    args = [current_app.config["RATELIMIT_KEY_PREFIX"], scope, key]
    for item in _items(setting):
        try:
            allowed = strategy.hit(item, *args) if hit else strategy.test(item, *args)
        except Exception as exc:  # the storage (Redis) is down: serve rather than fail every login
            log.warning("rate-limit storage unavailable (%s); %s not checked", type(exc).__name__, scope)
            return
        limit = RequestLimit(ext, item, args, not allowed, False)
        if hit or not allowed:
            ext.context.view_rate_limit = limit  # Flask-Limiter adds its X-RateLimit-* headers for it
        if not allowed:
            retry_after = max(1, math.ceil(limit.reset_at - time.time()))
            log.warning("throttled %s for %s; retry after %ss", scope, key, retry_after)
            raise TooManyRequests(f"Too many requests; retry in {retry_after} s.", retry_after=retry_after)


def count(setting: str, scope: str, key: str) -> None:
    """Count one event against every limit of a setting without refusing anything."""
    strategy = limiter().limiter
    with suppress(Exception):  # a storage outage was already logged by check()
        for item in _items(setting):
            strategy.hit(item, current_app.config["RATELIMIT_KEY_PREFIX"], scope, key)


def forget(setting: str, scope: str, key: str) -> None:
    """Reset a key's counters (a successful login clears its username's failures)."""
    strategy = limiter().limiter
    with suppress(Exception):
        for item in _items(setting):
            strategy.clear(item, current_app.config["RATELIMIT_KEY_PREFIX"], scope, key)


def enforce_user_limit(user_id: int) -> None:
    """Count this request against the caller's limit for a costly endpoint, if it has one."""
    setting = USER_LIMITS.get(request.endpoint or "")
    if setting and limiter().enabled:
        check(setting, f"user:{request.endpoint}", str(user_id), hit=True)


def _items(setting: str) -> list[RateLimitItem]:
    return list(parse_many(current_app.config[setting]))


def _handle_too_many(error: TooManyRequests) -> Response:
    response = jsonify(error_body(429, error.message))
    response.status_code = 429
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _ietf_headers(response: Response) -> Response:
    """The IETF draft's RateLimit and RateLimit-Policy headers, beside Flask-Limiter's X-RateLimit-*."""
    ext = current_app.extensions.get("throttling")
    current = ext.current_limit if ext is not None and ext.enabled else None
    if current is not None:
        reset = max(0, math.ceil(current.reset_at - time.time()))
        remaining = 0 if current.breached else current.remaining
        response.headers["RateLimit"] = f"limit={current.limit.amount}, remaining={remaining}, reset={reset}"
        response.headers["RateLimit-Policy"] = f"{current.limit.amount};w={current.limit.get_expiry()}"
    return response


def register_throttling(app: Flask) -> None:
    """Bind a Limiter (storage from RATELIMIT_STORAGE_URI) to the app; answer 429 in the one error shape."""
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    ext = Limiter(key_func=client_address, app=app)
    app.extensions["throttling"] = ext
    app.register_error_handler(TooManyRequests, _handle_too_many)
    app.after_request(_ietf_headers)
