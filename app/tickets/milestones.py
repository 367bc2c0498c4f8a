"""Milestones kept on the ticket row: first resolution, first staff response, first reopen.

They are written by the ticket service as the events happen (so reports need not scan the events) and can be
recomputed from the events with backfill_milestones, which also defines them precisely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar, cast

import sqlalchemy as sa

from app.auth.models import STAFF_ROLES, User
from app.extensions import db
from app.tickets.models import DONE_STATUSES, OPEN_STATUSES, Ticket, TicketEvent
from app.timeutil import as_utc

tickets = cast(sa.Table, Ticket.__table__)
events = cast(sa.Table, TicketEvent.__table__)
T = TypeVar("T")
MILESTONE_FIELDS = ("resolved_at", "first_resolved_at", "first_response_at", "reopened_at")


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
    predicate: Callable[[sa.FromClause], sa.ColumnElement], *, staff_only: bool = False, last: bool = False
) -> sa.ScalarSelect:
    e = events.alias("e")
    query = sa.select((sa.func.max if last else sa.func.min)(e.c.created_at)).where(
        e.c.ticket_id == tickets.c.id, predicate(e)
    )
    if staff_only:
        query = query.where(e.c.actor_id.in_(sa.select(User.id).where(User.role.in_(STAFF_ROLES))))
    return query.scalar_subquery()


def backfill_milestones(*, ticket_ids: list[int] | None = None) -> None:
    """Recompute the milestone columns from the events (for imports and hand-built data); no commit."""
    update = sa.update(tickets).values(
        # The latest resolution stands while the ticket is RESOLVED or CLOSED (kept if it has no history).
        resolved_at=sa.case(
            (
                in_literals(tickets.c.status, DONE_STATUSES),
                sa.func.coalesce(_first(is_resolution, last=True), tickets.c.resolved_at),
            )
        ),
        first_resolved_at=_first(is_resolution),
        first_response_at=_first(is_action, staff_only=True),
        reopened_at=_first(is_reopen),
    )
    if ticket_ids is not None:
        update = update.where(tickets.c.id.in_(ticket_ids))
    db.session.execute(update)


@dataclass(frozen=True)
class Milestones(Generic[T]):
    """A ticket's milestone instants (datetimes in the service, epoch seconds in the seeder)."""

    resolved_at: T | None = None
    first_resolved_at: T | None = None
    first_response_at: T | None = None
    reopened_at: T | None = None


def apply_event(
    m: Milestones[T], *, kind: str, old: str | None, new: str | None, by_staff: bool, at: T
) -> Milestones[T]:
    """The milestones after one event: the one rule, whose SQL twin is backfill_milestones."""
    resolved_at = m.resolved_at
    if kind in ("created", "status"):
        # Set on resolution, kept while it moves between RESOLVED and CLOSED, cleared on reopening.
        resolved_at = (m.resolved_at if old in DONE_STATUSES else at) if new in DONE_STATUSES else None
    resolves = (
        kind in ("created", "status") and new in DONE_STATUSES and (old is None or old in OPEN_STATUSES)
    )
    reopens = kind == "status" and old in DONE_STATUSES and new in OPEN_STATUSES
    responds = kind in ("assignment", "status") and by_staff
    return Milestones(
        resolved_at=resolved_at,
        first_resolved_at=m.first_resolved_at or (at if resolves else None),
        first_response_at=m.first_response_at or (at if responds else None),
        reopened_at=m.reopened_at or (at if reopens else None),
    )


def note_event(
    ticket: Ticket, *, kind: str, old: str | None, new: str | None, actor_role: str | None, at: datetime
) -> None:
    """Apply one new event to the ticket's milestone columns."""
    current = Milestones(
        ticket.resolved_at, ticket.first_resolved_at, ticket.first_response_at, ticket.reopened_at
    )
    after = apply_event(current, kind=kind, old=old, new=new, by_staff=actor_role in STAFF_ROLES, at=at)
    for name in MILESTONE_FIELDS:
        if getattr(after, name) != getattr(current, name):
            setattr(ticket, name, getattr(after, name))


def sla_state(due: datetime | None, done: datetime | None, now: datetime) -> str | None:
    """'met', 'breached' or 'pending' for a target due at `due` that was settled at `done` (None: not yet)."""
    if due is None:
        return None
    if done is not None:
        return "met" if done <= due else "breached"
    return "breached" if now > due else "pending"


def response_settled_at(ticket: Ticket) -> datetime | None:
    """When the first-response target stopped waiting: the first staff action, or an earlier resolution."""
    # as_utc: SQLite hands back naive datetimes next to the aware ones the service has just set.
    candidates = [as_utc(t) for t in (ticket.first_response_at, ticket.first_resolved_at) if t is not None]
    return min(candidates) if candidates else None
