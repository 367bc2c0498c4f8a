"""Pruning the outbox: events dispatched before the retention window whose deliveries are all finished."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.timeutil import utcnow
from app.webhooks.models import OutboxEvent, WebhookDelivery

# Rows deleted per statement and statements per run: a run stays short however far behind it is.
PRUNE_BATCH = 1000
PRUNE_MAX_BATCHES = 20


def _expired_ids(session: Session, cutoff: datetime) -> list[int]:
    """The oldest events dispatched before cutoff with no delivery still pending."""
    pending = sa.select(WebhookDelivery.id).where(
        WebhookDelivery.outbox_id == OutboxEvent.id, WebhookDelivery.status == "pending"
    )
    query = (
        sa.select(OutboxEvent.id)
        .where(OutboxEvent.dispatched_at < cutoff, ~pending.exists())
        .order_by(OutboxEvent.id)
        .limit(PRUNE_BATCH)
    )
    return list(session.scalars(query))


def prune_outbox(session: Session, *, retention: timedelta) -> int:
    """Delete expired events and their finished deliveries, in bounded batches; how many events went."""
    cutoff, pruned = utcnow() - retention, 0
    for _ in range(PRUNE_MAX_BATCHES):
        ids = _expired_ids(session, cutoff)
        if not ids:
            break
        session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.outbox_id.in_(ids)))
        session.execute(sa.delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
        session.commit()  # one short transaction per batch
        pruned += len(ids)
    return pruned
