"""Tickets still waiting on an SLA target: the soonest due from the partial indexes, the total from a rollup.

`analytics_waiting` counts the waiting tickets per target, due day and cell, so the total reads whole due days
from it and only the horizon's own (partial) day from the ticket rows, however many tickets wait.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from app.analytics.dialect import period_key
from app.analytics.facts import category_key
from app.analytics.filters import AnalyticsFilters, ticket_conditions
from app.analytics.models import RollupWaiting
from app.analytics.reading import rollup_filters
from app.auth.models import User
from app.extensions import db
from app.tickets.milestones import tickets
from app.tickets.models import Ticket
from app.timeutil import as_utc

TARGETS = ("first_response", "resolution")


def waiting_on(target: str) -> tuple[sa.ColumnElement, list[sa.ColumnElement]]:
    """The target's due column and the conditions under which a ticket still waits on it."""
    c = tickets.c
    if target == "first_response":
        return c.first_response_due_at, [c.first_resolved_at.is_(None), c.first_response_at.is_(None)]
    return c.resolution_due_at, [c.first_resolved_at.is_(None)]


def rebuild_waiting() -> None:
    """Recompute analytics_waiting from the ticket rows (part of rebuild_rollups)."""
    for target in TARGETS:
        due, waiting = waiting_on(target)
        keys = [period_key(due, "day"), category_key(), tickets.c.priority]
        select = sa.select(sa.literal(target), *keys, sa.func.count())
        select = select.where(due.is_not(None), *waiting).group_by(*keys)
        columns = ["target", "day", "category", "priority", "tickets"]
        db.session.execute(sa.insert(RollupWaiting).from_select(columns, select))


def _items_query(target: str, horizon: datetime, filters: AnalyticsFilters, user: User) -> sa.Select:
    due, waiting = waiting_on(target)
    return (
        sa.select(tickets.c.id.label("ticket_id"), due.label("due_at"), sa.literal(target).label("target"))
        .where(*waiting, due < horizon, *ticket_conditions(filters, user=user))
        .order_by(due, tickets.c.id)
    )


def _rollup_total(target: str, horizon: datetime, filters: AnalyticsFilters, user: User) -> sa.ColumnElement:
    """Waiting tickets due before horizon: whole due days from the rollup, the horizon's day from the rows."""
    table: Any = RollupWaiting.__table__
    day = horizon.astimezone(UTC).date()
    whole = sa.select(sa.func.coalesce(sa.func.sum(table.c.tickets), 0)).where(
        table.c.target == target, table.c.day < day, *rollup_filters(table, filters)
    )
    due, waiting = waiting_on(target)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    edge = sa.select(sa.func.count()).where(
        *waiting, due >= midnight, due < horizon, *ticket_conditions(filters, user=user)
    )
    return whole.scalar_subquery() + edge.scalar_subquery()


def _exact_total(target: str, horizon: datetime, filters: AnalyticsFilters, user: User) -> sa.ColumnElement:
    rows = _items_query(target, horizon, filters, user).order_by(None).subquery()
    return sa.select(sa.func.count()).select_from(rows).scalar_subquery()


def at_risk(
    *, now: datetime, horizon: datetime, filters: AnalyticsFilters, user: User, limit: int, exact: bool
) -> dict[str, Any]:
    """The waiting tickets due before horizon (soonest first, up to limit) and how many there are."""
    total_of = _exact_total if exact else _rollup_total
    response, resolution = (total_of(t, horizon, filters, user) for t in TARGETS)
    queries = [_items_query(t, horizon, filters, user) for t in TARGETS]
    union = sa.union_all(*(sa.select(q.limit(limit).subquery()) for q in queries)).subquery()
    # One statement, so one snapshot: the total and the due rows cannot disagree under concurrent writes (the
    # outer join keeps the total when nothing is due). A ticket deleted before its row is loaded is left out.
    totals = sa.select((response + resolution).label("total")).subquery()
    rows = db.session.execute(
        sa.select(totals.c.total, union)
        .select_from(totals)
        .outerjoin(union, sa.true())
        .order_by(union.c.due_at, union.c.ticket_id)
        .limit(limit)
    ).all()
    ids = [r.ticket_id for r in rows if r.ticket_id is not None]
    found = {t.id: t for t in db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)))}
    items = [
        {
            "ticket": found[r.ticket_id],
            "target": r.target,
            "due_at": as_utc(r.due_at),
            "overdue": as_utc(r.due_at) <= now,
        }
        for r in rows
        if r.ticket_id in found
    ]
    return {"total": int(rows[0].total or 0), "items": items}
