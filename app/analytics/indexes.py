"""Indexes the analytics queries rely on.

Declared on the tickets/events Table objects so db.create_all() builds them; migrations 0002_analytics and
0003_milestones create the same ones in production. The predicates live in app/tickets/milestones.py and
render their constants inline, so PostgreSQL can prove a query's WHERE clause implies a partial index's
predicate.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.tickets.milestones import events, in_literals, is_reopen, is_resolution, tickets
from app.tickets.models import OPEN_STATUSES


def is_open(table: sa.FromClause = tickets) -> sa.ColumnElement:
    """The ticket is in the backlog (OPEN or IN_PROGRESS)."""
    return in_literals(table.c.status, OPEN_STATUSES)


def _partial(name: str, *columns: sa.Column, where: sa.ColumnElement) -> sa.Index:
    return sa.Index(name, *columns, postgresql_where=where, sqlite_where=where)


ANALYTICS_INDEXES = (
    # Covering, so every report is an index-only range scan over its window column.
    sa.Index(
        "ix_tickets_created_at_milestones",
        tickets.c.created_at,
        tickets.c.category,
        tickets.c.priority,
        tickets.c.assigned_to_id,
        tickets.c.first_response_at,
    ),
    sa.Index(
        "ix_tickets_resolved_at_milestones",
        tickets.c.resolved_at,
        tickets.c.category,
        tickets.c.priority,
        tickets.c.assigned_to_id,
        tickets.c.created_at,
        tickets.c.first_resolved_at,
    ),
    sa.Index(
        "ix_tickets_first_resolved_at",
        tickets.c.first_resolved_at,
        tickets.c.category,
        tickets.c.priority,
        tickets.c.assigned_to_id,
        tickets.c.reopened_at,
    ),
    _partial(
        "ix_tickets_open_created_at",
        tickets.c.created_at,
        tickets.c.status,
        tickets.c.category,
        tickets.c.priority,
        tickets.c.assigned_to_id,
        where=is_open(),
    ),
    # Recomputing milestones from the events (backfill_milestones) probes these per ticket.
    _partial(
        "ix_ticket_events_resolution_ticket", events.c.ticket_id, events.c.created_at, where=is_resolution()
    ),
    _partial("ix_ticket_events_reopen_ticket", events.c.ticket_id, events.c.created_at, where=is_reopen()),
)
