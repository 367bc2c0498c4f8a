"""Milestones kept on the ticket row: first resolution, first staff response, first reopen.

They are written by the ticket service as the events happen (so reports need not scan the events) and can be
recomputed from the events with backfill_milestones, which also defines them precisely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import sqlalchemy as sa

from app.auth.models import STAFF_ROLES, User
from app.extensions import db
from app.tickets.models import DONE_STATUSES, OPEN_STATUSES, Ticket, TicketEvent

tickets = Ticket.__table__
events = TicketEvent.__table__


def in_literals(column: sa.ColumnElement, values: Iterable[str]) -> sa.ColumnElement:
    """column IN (the values as inline SQL literals, so PostgreSQL can match partial index predicates)."""
    return column.in_([sa.literal_column(f"'{v}'") for v in values])


def is_resolution(table: sa.FromClause = events) -> sa.ColumnElement:
    """The event moved the ticket from unresolved into RESOLVED or CLOSED (or created it there)."""
    return sa.and_(
        in_literals(table.c.kind, ("created", "status")),
        in_literals(table.c.to_value, DONE_STATUSES),
        sa.or_(table.c.from_value.is_(None), in_literals(table.c.from_value, OPEN_STATUSES)),
    )


def is_reopen(table: sa.FromClause = events) -> sa.ColumnElement:
    """The event moved a resolved or closed ticket back to OPEN or IN_PROGRESS."""
    return sa.and_(
        table.c.kind == sa.literal_column("'status'"),
        in_literals(table.c.from_value, DONE_STATUSES),
        in_literals(table.c.to_value, OPEN_STATUSES),
    )


def is_action(table: sa.FromClause = events) -> sa.ColumnElement:
    """The event is an assignment or a status change (a response, when its actor is staff)."""
    return in_literals(table.c.kind, ("assignment", "status"))


def _first(
    predicate: Callable[[sa.FromClause], sa.ColumnElement], *, staff_only: bool = False
) -> sa.ScalarSelect:
    e = events.alias("e")
    query = sa.select(sa.func.min(e.c.created_at)).where(e.c.ticket_id == tickets.c.id, predicate(e))
    if staff_only:
        query = query.where(e.c.actor_id.in_(sa.select(User.id).where(User.role.in_(STAFF_ROLES))))
    return query.scalar_subquery()


def backfill_milestones(*, ticket_ids: list[int] | None = None) -> None:
    """Recompute the milestone columns from the events (for imports and hand-built data); no commit."""
    update = sa.update(tickets).values(
        first_resolved_at=_first(is_resolution),
        first_response_at=_first(is_action, staff_only=True),
        reopened_at=_first(is_reopen),
    )
    if ticket_ids is not None:
        update = update.where(tickets.c.id.in_(ticket_ids))
    db.session.execute(update)


def note_event(
    ticket: Ticket, *, kind: str, old: str | None, new: str | None, actor_role: str | None, at: datetime
) -> None:
    """Update the ticket's milestones for one new event: the Python twin of the predicates above."""
    if kind in ("created", "status") and new in DONE_STATUSES and (old is None or old in OPEN_STATUSES):
        ticket.first_resolved_at = ticket.first_resolved_at or at
    if kind == "status" and old in DONE_STATUSES and new in OPEN_STATUSES:
        ticket.reopened_at = ticket.reopened_at or at
    if kind in ("assignment", "status") and actor_role in STAFF_ROLES:
        ticket.first_response_at = ticket.first_response_at or at
