"""Webhook jobs on the task queue: dispatch after a commit, one delivery attempt, the sweep and the prune."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs.queue import huey, in_app_context
from app.webhooks import delivery, retention


def _session() -> Session:
    # Its own session: the dispatcher may run inline right after the request's session committed.
    return Session(db.engine, expire_on_commit=False)


@huey.task()
@in_app_context
def dispatch_outbox() -> int:
    """Make deliveries of every undispatched outbox row and queue their first attempt."""
    with _session() as session:
        created = delivery.dispatch(session)
    for delivery_id in created:
        deliver(delivery_id)
    return len(created)


@huey.task()
@in_app_context
def deliver(delivery_id: str) -> str | None:
    """One attempt at a delivery (a no-op when it is not due or another worker has it)."""
    with _session() as session:
        return delivery.attempt(session, delivery_id)


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def sweep() -> None:
    """Safety net: dispatch what a crash left in the outbox and run retries that are due."""
    with _session() as session:
        delivery.dispatch(session)
        due = delivery.due(session)
    for delivery_id in due:
        deliver(delivery_id)


@huey.periodic_task(crontab(minute="*/10"))
@in_app_context
def prune() -> int:
    """Delete outbox events (and their finished deliveries) older than WEBHOOK_RETENTION_DAYS."""
    days = current_app.config["WEBHOOK_RETENTION_DAYS"]
    with _session() as session:
        return retention.prune_outbox(session, retention=timedelta(days=days))
