"""Indexes the analytics queries rely on, and the predicates they share with those queries.

Declared on the tickets/events Table objects so db.create_all() builds them; migration 0002_analytics
creates the same ones in production. The predicates render their constants inline (not as bound
parameters) so PostgreSQL can prove a query's WHERE clause implies a partial index's predicate.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from app.tickets.models import DONE_STATUSES, OPEN_STATUSES, Ticket, TicketEvent

tickets = Ticket.__table__
events = TicketEvent.__table__


def _in(column: sa.ColumnElement, values: Iterable[str]) -> sa.ColumnElement:
    return column.in_([sa.literal_column(f"'{v}'") for v in values])


def is_open(table: sa.FromClause = tickets) -> sa.ColumnElement:
    """The ticket is in the backlog (OPEN or IN_PROGRESS)."""
    return _in(table.c.status, OPEN_STATUSES)


def is_resolution(table: sa.FromClause = events) -> sa.ColumnElement:
    """The event moved the ticket from unresolved into RESOLVED or CLOSED (or created it there).

    RESOLVED -> CLOSED is not a resolution, so a ticket's first resolution is the only one before its
    first reopen, and the earliest event to RESOLVED/CLOSED is always one of these.
    """
    return sa.and_(_in(table.c.kind, ("created", "status")), _in(table.c.to_value, DONE_STATUSES),
                   sa.or_(table.c.from_value.is_(None), _in(table.c.from_value, OPEN_STATUSES)))


def is_reopen(table: sa.FromClause = events) -> sa.ColumnElement:
    """The event moved a resolved or closed ticket back to OPEN or IN_PROGRESS."""
    return sa.and_(table.c.kind == sa.literal_column("'status'"), _in(table.c.from_value, DONE_STATUSES),
                   _in(table.c.to_value, OPEN_STATUSES))


def is_action(table: sa.FromClause = events) -> sa.ColumnElement:
    """The event is an assignment or a status change (an action, when its actor is staff)."""
    return _in(table.c.kind, ("assignment", "status"))


def _partial(name: str, *columns: sa.Column, where: sa.ColumnElement) -> sa.Index:
    return sa.Index(name, *columns, postgresql_where=where, sqlite_where=where)


ANALYTICS_INDEXES = (
    # Covering (filters and id included) so windows on created_at are index-only scans.
    sa.Index("ix_tickets_created_at_category", tickets.c.created_at, tickets.c.category, tickets.c.priority,
             tickets.c.assigned_to_id, tickets.c.id),
    # Ticket attributes by id without visiting the wide heap rows (joins from events).
    sa.Index("ix_tickets_id_attributes", tickets.c.id, tickets.c.category, tickets.c.priority,
             tickets.c.assigned_to_id),
    sa.Index("ix_tickets_resolved_at_category", tickets.c.resolved_at, tickets.c.category,
             tickets.c.priority, tickets.c.created_at, tickets.c.id),
    _partial("ix_tickets_open_created_at", tickets.c.created_at, tickets.c.status, tickets.c.category,
             tickets.c.priority, tickets.c.assigned_to_id, where=is_open()),
    _partial("ix_ticket_events_resolution_ticket", events.c.ticket_id, events.c.created_at,
             where=is_resolution()),
    _partial("ix_ticket_events_resolution_created_at", events.c.created_at, events.c.ticket_id,
             events.c.id, where=is_resolution()),
    _partial("ix_ticket_events_reopen_ticket", events.c.ticket_id, events.c.created_at, where=is_reopen()),
    _partial("ix_ticket_events_action_created_at", events.c.created_at, events.c.ticket_id, events.c.actor_id,
             where=is_action()),
)
