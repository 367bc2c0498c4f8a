"""Claim a key in the creating transaction, store the answer, find it again for a retry."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.timeutil import as_utc, utcnow

REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")
WAIT_SECONDS, POLL_SECONDS = 5.0, 0.05
PURGE_BATCH = 100


def fingerprint(*, method: str, path: str, body: bytes) -> str:
    """A digest of the request: JSON bodies are compared by value, others byte for byte."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _cutoff():
    return utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_KEY_TTL_HOURS"])


def purge_expired() -> None:
    """Delete a batch of expired keys; rows another transaction holds are left for next time."""
    expired = (
        sa.select(IdempotencyKey.id)
        .where(IdempotencyKey.created_at < _cutoff())
        .order_by(IdempotencyKey.id)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.id.in_(expired)))


def _find(user_id: int, key: str) -> IdempotencyKey | None:
    query = sa.select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    return db.session.scalar(query.execution_options(populate_existing=True))


def _insert(user_id: int, key: str, digest: str) -> IdempotencyKey | None:
    row = IdempotencyKey(user_id=user_id, key=key, fingerprint=digest, created_at=utcnow())
    try:
        # Blocks on PostgreSQL while a concurrent first request holds the key, then fails once it commits.
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return None
    return row


def begin(*, user_id: int, key: str, digest: str) -> IdempotencyKey:
    """Claim the key in the current transaction, or return the stored row of an earlier request."""
    purge_expired()
    for _ in range(2):
        if (claimed := _insert(user_id, key, digest)) is not None:
            return claimed
        existing = _find(user_id, key)
        if existing is not None and as_utc(existing.created_at) < _cutoff():
            db.session.delete(existing)
            db.session.flush()
            continue
        if existing is not None:
            return _settled(existing, digest)
    raise Conflict("This Idempotency-Key is being used by another request; retry in a moment.")


def _settled(row: IdempotencyKey, digest: str) -> IdempotencyKey:
    if row.fingerprint != digest:
        raise ValidationFailed(
            "This Idempotency-Key was already used with a different request.",
            errors={"Idempotency-Key": ["Already used with another method, path or body."]},
        )
    deadline = time.monotonic() + WAIT_SECONDS
    while row.status_code is None and time.monotonic() < deadline:
        db.session.rollback()  # end the snapshot so the next read sees the first request's answer
        time.sleep(POLL_SECONDS)
        row = _find(row.user_id, row.key) or row
    if row.status_code is None:
        raise Conflict("The first request with this Idempotency-Key has not finished; retry in a moment.")
    return row


def is_claim(row: IdempotencyKey) -> bool:
    """True for a row this request just claimed (no answer yet), False for a stored answer."""
    return row.status_code is None


def _kept_body(response: Response, withhold: tuple[str, ...]) -> str:
    body = response.get_data(as_text=True)
    if not withhold or not response.is_json or not isinstance(data := response.get_json(), dict):
        return body
    return json.dumps({k: v for k, v in data.items() if k not in withhold})


def store(row: IdempotencyKey, response: Response, *, withhold: tuple[str, ...] = ()) -> None:
    """Keep a successful answer (minus the withheld fields) for replay; commit it."""
    row.status_code = response.status_code
    row.response_body = _kept_body(response, withhold)
    row.response_headers = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
    db.session.commit()


def replay(row: IdempotencyKey) -> Response:
    """The stored answer, marked as a replay."""
    response = Response(row.response_body, status=row.status_code, headers=row.response_headers or {})
    response.headers["Idempotent-Replayed"] = "true"
    return response
