"""Outbox retention: old events with finished deliveries are pruned in batches, the rest is kept."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.timeutil import utcnow
from app.webhooks import retention, tasks
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookEndpoint


def _event(days_ago: float | None, *deliveries: str) -> int:
    """An outbox event dispatched days_ago (None: not yet), with deliveries in the given statuses."""
    endpoint = db.session.scalar(sa.select(WebhookEndpoint)) or WebhookEndpoint(
        url="http://127.0.0.1:9/hook", secret="s" * 32, events=["ticket.created"]
    )
    when = None if days_ago is None else utcnow() - timedelta(days=days_ago)
    row = OutboxEvent(event="ticket.created", occurred_at=when or utcnow(), data={}, dispatched_at=when)
    db.session.add_all([endpoint, row])
    db.session.flush()
    for n, status in enumerate(deliveries):
        db.session.add(
            WebhookDelivery(
                id=f"{row.id}-{n}", endpoint_id=endpoint.id, outbox_id=row.id, event=row.event, status=status
            )
        )
    db.session.commit()
    return row.id


def _left() -> set[int]:
    return set(db.session.scalars(sa.select(OutboxEvent.id)))


def test_prune_keeps_recent_undispatched_and_pending_events():
    old_delivered = _event(8, "delivered", "failed")
    old_unwatched = _event(30)  # no endpoint wanted it
    old_pending = _event(8, "delivered", "pending")
    recent = _event(1, "delivered")
    undispatched = _event(None)
    assert tasks.prune.call_local() == 2
    assert _left() == {old_pending, recent, undispatched}
    assert old_delivered not in _left() and old_unwatched not in _left()
    owners = set(db.session.scalars(sa.select(WebhookDelivery.outbox_id)))
    assert owners == {old_pending, recent}  # the pruned event's deliveries went with it
    assert tasks.prune.call_local() == 0


def test_prune_works_in_bounded_batches(monkeypatch):
    monkeypatch.setattr(retention, "PRUNE_BATCH", 2)
    monkeypatch.setattr(retention, "PRUNE_MAX_BATCHES", 2)
    ids = [_event(10, "delivered") for _ in range(5)]
    assert tasks.prune.call_local() == 4  # two batches of two, then the run stops
    assert _left() == {ids[-1]}
    assert tasks.prune.call_local() == 1 and _left() == set()
