"""Dispatching outbox rows into deliveries and making one signed delivery attempt, with backoff."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import requests
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.timeutil import as_utc, utcnow
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from app.webhooks.signing import UnsafeURL, check_url, signature

# Retries after the first attempt: 8 over about a day (23.6 hours).
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 30, 60, 120, 240, 480, 480))
# An endpoint is disabled after this many failed attempts in a row (any deliveries).
DISABLE_AFTER_FAILURES = 20
# A claimed delivery whose worker died is tried again after this long.
LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10
BATCH = 200


def dispatch(session: Session) -> list[str]:
    """Turn undispatched outbox rows into deliveries for the endpoints that want them; their ids."""
    rows = session.scalars(
        sa.select(OutboxEvent)
        .where(OutboxEvent.dispatched_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return []
    endpoints = session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.is_active)).all()
    now, created = utcnow(), []
    for row in rows:
        for endpoint in endpoints:
            if row.event in endpoint.events:
                delivery_id = uuid.uuid4().hex
                session.add(
                    WebhookDelivery(
                        id=delivery_id,
                        endpoint_id=endpoint.id,
                        outbox_id=row.id,
                        event=row.event,
                        status="pending",
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                created.append(delivery_id)
        row.dispatched_at = now
    session.commit()
    return created


def due(session: Session) -> list[str]:
    """Pending deliveries whose next attempt is due (retries, and any an enqueue missed)."""
    query = sa.select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utcnow()
    )
    return list(session.scalars(query.order_by(WebhookDelivery.next_attempt_at).limit(BATCH)))


def _claim(session: Session, delivery_id: str) -> WebhookDelivery | None:
    """Take the delivery for this worker for LEASE, or None if it is not due or someone else has it."""
    now = utcnow()
    claimed = session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE)
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(WebhookDelivery, delivery_id)


def body_of(delivery: WebhookDelivery) -> bytes:
    """The JSON body: event, id (unique per delivery), occurred_at and data."""
    payload = {
        "event": delivery.event,
        "id": delivery.id,
        "occurred_at": as_utc(delivery.outbox.occurred_at).isoformat(),
        "data": delivery.outbox.data,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str | None]:
    """Send once; (status code, error) where error is None on a 2xx answer."""
    try:
        check_url(endpoint.url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except UnsafeURL as exc:
        return None, str(exc)
    body, timestamp = body_of(delivery), str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ticket-intelligence-webhooks/1",
        "X-Webhook-Event": delivery.event,
        "X-Webhook-Id": delivery.id,
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": signature(endpoint.secret, timestamp, body),
    }
    try:
        answer = requests.post(
            endpoint.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return answer.status_code, None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"


def _failed(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> None:
    retries_used = delivery.attempts - 1
    if retries_used < len(BACKOFF):
        delivery.next_attempt_at = utcnow() + BACKOFF[retries_used]
    else:
        delivery.status, delivery.next_attempt_at = "failed", None
    endpoint.consecutive_failures += 1
    if endpoint.consecutive_failures >= DISABLE_AFTER_FAILURES and endpoint.is_active:
        endpoint.is_active = False
        endpoint.disabled_reason = f"Disabled after {endpoint.consecutive_failures} failed attempts in a row."


def attempt(session: Session, delivery_id: str) -> str | None:
    """Make one attempt at a due delivery and record it; its status afterwards, None if not due."""
    delivery = _claim(session, delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        delivery.status, delivery.next_attempt_at = "failed", None
        delivery.last_error = "The endpoint is disabled."
        session.commit()
        return delivery.status
    code, error = _post(endpoint, delivery)
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = code, error
    if error is None:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", utcnow(), None
        endpoint.consecutive_failures = 0
    else:
        _failed(delivery, endpoint)
    session.commit()
    return delivery.status
