"""Password checks that count failures per username and per client address, refusing with 429 when spent."""

from __future__ import annotations

import logging

from app.auth.models import User
from app.auth.service import authenticate_password
from app.throttling import check, client_address, count, forget, limiter

log = logging.getLogger(__name__)

PER_USERNAME = "AUTH_FAILURE_LIMIT_PER_USERNAME"
PER_ADDRESS = "AUTH_FAILURE_LIMIT_PER_ADDRESS"


def checked_password(*, username: str, password: str, via: str) -> User | None:
    """authenticate_password behind the failure limits; a throttled caller is refused before any hashing."""
    key = username.strip().lower()[:80]
    address = client_address()
    enabled = limiter().enabled
    if enabled:
        check(PER_USERNAME, "auth-fail-username", key, hit=False)
        check(PER_ADDRESS, "auth-fail-address", address, hit=False)
    user = authenticate_password(username=username, password=password)
    if user is None:
        log.warning("failed password check (%s) for username %r from %s", via, key, address)
        if enabled:
            count(PER_USERNAME, "auth-fail-username", key)
            count(PER_ADDRESS, "auth-fail-address", address)
    elif enabled:
        forget(PER_USERNAME, "auth-fail-username", key)
    return user
