"""Keeping the rollups current: ticket signals note what each ticket counted before, commit applies the delta.

A ticket's facts are noted on its first change in a transaction (nothing, for a new ticket); just before the
transaction commits, its facts now replace them. Receivers may run in any order: the delta is taken from
the final state, once per ticket, in the same transaction as the change.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from app import commit_hooks
from app.analytics.delta import apply_delta
from app.analytics.facts import Row, ticket_rows
from app.extensions import db
from app.tickets.models import Ticket
from app.tickets.signals import ticket_changing, ticket_created, ticket_deleting

PENDING = "analytics_rollups_pending"  # session.info: {ticket id: (ticket, facts before, deleted)}


def _pending() -> dict[int, tuple[Ticket, tuple[Row, ...], bool]]:
    return db.session.info.setdefault(PENDING, {})


def _created(sender: Flask, *, ticket: Ticket, **_: Any) -> None:
    _pending()[ticket.id] = (ticket, (), False)


def _changing(sender: Flask, *, ticket: Ticket, **_: Any) -> None:
    _pending().setdefault(ticket.id, (ticket, ticket_rows(ticket), False))


def _deleting(sender: Flask, *, ticket: Ticket, **_: Any) -> None:
    entry = _pending().get(ticket.id) or (ticket, ticket_rows(ticket), False)
    _pending()[ticket.id] = (ticket, entry[1], True)


def _apply_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    added: list[Row] = []
    removed: list[Row] = []
    for ticket, before, deleted in pending.values():
        removed += before
        added += () if deleted else ticket_rows(ticket)
    apply_delta(added=added, removed=removed)


def init_app(app: Flask) -> None:
    """Subscribe to this app's ticket signals and apply deltas at commit."""
    for signal, receiver in (
        (ticket_created, _created),
        (ticket_changing, _changing),
        (ticket_deleting, _deleting),
    ):
        signal.connect(receiver, sender=app, weak=False)
    commit_hooks.before_commit(order=commit_hooks.ROLLUPS, keys=(PENDING,), run=_apply_pending)
