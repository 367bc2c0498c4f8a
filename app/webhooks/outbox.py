"""The outbox: ticket and model signals become rows in the change's transaction, dispatched after commit."""

from __future__ import annotations

import logging
import time
from typing import Any

import sqlalchemy as sa
from blinker import NamedSignal
from flask import Flask

from app import commit_hooks
from app.extensions import db
from app.ml.signals import model_promoted
from app.tickets import signals
from app.tickets.schemas import TicketSchema
from app.timeutil import utcnow
from app.webhooks.models import OutboxEvent, WebhookEndpoint

log = logging.getLogger(__name__)

PENDING_FLAG = "webhook_outbox_pending"
# Ticket events whose data is written just before commit: the ticket as committed, new version included.
PENDING_DUMPS = "webhook_outbox_dumps"
# Other workers notice a new or changed endpoint within this many seconds.
SUBSCRIPTIONS_TTL = 5.0
TICKET_SIGNALS: dict[str, NamedSignal] = {
    "ticket.created": signals.ticket_created,
    "ticket.updated": signals.ticket_updated,
    "ticket.transitioned": signals.ticket_transitioned,
    "ticket.assigned": signals.ticket_assigned,
    "ticket.categorized": signals.ticket_categorized,
}
_ticket_schema = TicketSchema()


class Subscriptions:
    """The events some active endpoint wants, cached briefly so unwatched changes write nothing."""

    def __init__(self) -> None:
        self.events: frozenset[str] = frozenset()
        self.expires = 0.0

    def wanted(self, event: str) -> bool:
        if time.monotonic() >= self.expires:
            # No autoflush: the ticket write in progress is flushed (and version-checked) by its service.
            with db.session.no_autoflush:
                rows = db.session.scalars(sa.select(WebhookEndpoint.events).where(WebhookEndpoint.is_active))
                self.events = frozenset(e for events in rows for e in events)
            self.expires = time.monotonic() + SUBSCRIPTIONS_TTL
        return event in self.events

    def forget(self) -> None:
        self.expires = 0.0


def subscriptions(app: Flask) -> Subscriptions:
    """This app's subscription cache."""
    return app.extensions["webhook_subscriptions"]


def record(app: Flask, event: str, data: dict[str, Any]) -> None:
    """Add an outbox row to the current transaction if any endpoint wants the event."""
    if not subscriptions(app).wanted(event):
        return
    db.session.add(OutboxEvent(event=event, occurred_at=utcnow(), data=data))
    db.session.info[PENDING_FLAG] = True


def _ticket_receiver(event: str):
    def receive(app: Flask, *, ticket: Any, **_: Any) -> None:
        if not subscriptions(app).wanted(event):
            return
        row = OutboxEvent(event=event, occurred_at=utcnow(), data={})
        db.session.add(row)
        db.session.info[PENDING_FLAG] = True
        db.session.info.setdefault(PENDING_DUMPS, []).append((row, ticket))

    return receive


def _before_commit(session: Any) -> None:
    pending = session.info.pop(PENDING_DUMPS, [])
    if pending:
        session.flush()  # the ticket's UPDATE (and its version check) first, so the data shows the result
        for row, ticket in pending:
            row.data = _ticket_schema.dump(ticket)


def _model_receiver(app: Flask, *, data: dict[str, Any], **_: Any) -> None:
    record(app, "model.promoted", data)
    db.session.commit()  # a promotion has no database transaction of its own to join


def _after_commit(session: Any) -> None:
    if session.info.pop(PENDING_FLAG, False):
        from app.webhooks.tasks import dispatch_outbox

        try:
            dispatch_outbox()
        except Exception:  # the periodic sweep dispatches what this could not enqueue
            log.exception("could not enqueue the webhook dispatcher")


def connect_outbox(app: Flask) -> None:
    """Subscribe this app to the ticket and model signals, and the session to commit/rollback."""
    app.extensions["webhook_subscriptions"] = Subscriptions()
    for event, signal in TICKET_SIGNALS.items():
        signal.connect(_ticket_receiver(event), sender=app, weak=False)
    model_promoted.connect(_model_receiver, sender=app, weak=False)
    commit_hooks.before_commit(
        order=commit_hooks.WEBHOOK_OUTBOX, keys=(PENDING_DUMPS, PENDING_FLAG), run=_before_commit
    )
    if not sa.event.contains(db.session, "after_commit", _after_commit):
        sa.event.listen(db.session, "after_commit", _after_commit)
