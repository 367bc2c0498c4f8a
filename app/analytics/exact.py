"""The exact reports: each aggregates the ticket rows of its window in the database (slow on big windows)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from app.analytics.backlog import is_open
from app.analytics.breakdown import (
    CATEGORY_KEYS,
    backlog_answer,
    breakdown,
    mttr_entry,
    trends_answer,
    windowed,
)
from app.analytics.dialect import as_date, period_key, seconds_between, tune_session
from app.analytics.filters import AnalyticsFilters, ticket_conditions
from app.analytics.percentiles import duration_stats
from app.analytics.window import Window
from app.auth.models import User
from app.extensions import db
from app.tickets.milestones import tickets
from app.timeutil import utcnow

FIGURES = ("mean", "median", "p90")


def _in_window(column: sa.ColumnElement, window: Window) -> sa.ColumnElement:
    return sa.and_(column >= window.start, column < window.end)


def _round(value: float | None) -> float | None:
    # Milliseconds: beyond that PostgreSQL and SQLite float arithmetic may differ in the last bits.
    return None if value is None else round(float(value), 3)


# The duration CTEs are MATERIALIZED: PostgreSQL would inline a CTE used once and then evaluate its
# correlated subquery once per aggregate (count, avg and each percentile).
def _stats_rows(source: sa.Subquery | sa.CTE, dims: dict[str, sa.ColumnElement | None]) -> dict[tuple, Any]:
    """{(dim, key): row} of duration_stats for each dimension (None: overall)."""
    query = sa.union_all(*(duration_stats(source, dim=d, key=k) for d, k in dims.items()))
    return {(row.dim, row.key): row for row in db.session.execute(query)}


def _figures(row: Any | None, prefix: str = "") -> dict[str, float | None]:
    return {f"{prefix}{name}_seconds": _round(getattr(row, name, None)) for name in FIGURES}


def trends(*, window: Window, filters: AnalyticsFilters, interval: str, user: User) -> dict[str, Any]:
    """Tickets created in the window: total, per category, and a zero-filled per-period series."""
    tune_session()
    period = period_key(tickets.c.created_at, interval)
    query = (
        sa.select(period.label("period"), tickets.c.category, sa.func.count().label("n"))
        .where(_in_window(tickets.c.created_at, window), *ticket_conditions(filters, user=user))
        .group_by(period, tickets.c.category)
    )
    grouped = {(as_date(r.period), r.category): r.n for r in db.session.execute(query)}
    return trends_answer(window, interval, grouped)


def mttr(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Time to (first) resolution of the tickets whose resolved_at is in the window."""
    tune_session()
    # first_resolved_at is kept on the row (app/tickets/milestones.py); resolved_at stands in for
    # tickets imported without a history.
    resolved = sa.func.coalesce(tickets.c.first_resolved_at, tickets.c.resolved_at)
    source = (
        sa.select(
            tickets.c.category,
            tickets.c.priority,
            seconds_between(resolved, tickets.c.created_at).label("seconds"),
        )
        .where(_in_window(tickets.c.resolved_at, window), *ticket_conditions(filters, user=user))
        .cte("resolved")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    rows = _stats_rows(source, {"all": None, "category": source.c.category, "priority": source.c.priority})

    def entry(dim: str, key: str | None) -> dict[str, Any]:
        row = rows.get((dim, key))
        f = _figures(row)
        return mttr_entry(
            resolved=row.n if row else 0,
            mean=f["mean_seconds"],
            median=f["median_seconds"],
            p90=f["p90_seconds"],
        )

    return windowed(window, breakdown(entry))


def first_response(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Time from creation to the first assignment or status change by an agent or admin."""
    tune_session()
    source = (
        sa.select(seconds_between(tickets.c.first_response_at, tickets.c.created_at).label("seconds"))
        .where(_in_window(tickets.c.created_at, window), *ticket_conditions(filters, user=user))
        .cte("created")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    row = _stats_rows(source, {"all": None}).get(("all", None))
    created, responded = (row.rows, row.n) if row else (0, 0)
    return {
        "from": window.start,
        "to": window.end,
        "created_count": created,
        "responded_count": responded,
        "without_response": created - responded,
        **_figures(row),
    }


def backlog(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Tickets open now (OPEN, IN_PROGRESS) that were created in the window, and their ages."""
    tune_session()
    now = utcnow()
    conditions = [is_open(), _in_window(tickets.c.created_at, window), *ticket_conditions(filters, user=user)]
    grouped = db.session.execute(
        sa.select(
            tickets.c.status,
            tickets.c.category,
            tickets.c.priority,
            tickets.c.assigned_to_id,
            User.username,
            sa.func.count().label("n"),
        )
        .select_from(tickets.outerjoin(User, User.id == tickets.c.assigned_to_id))
        .where(*conditions)
        .group_by(
            tickets.c.status, tickets.c.category, tickets.c.priority, tickets.c.assigned_to_id, User.username
        )
    ).all()
    by: dict[str, Counter] = {dim: Counter() for dim in ("status", "category", "priority", "assignee")}
    for row in grouped:
        for dim, key in (
            ("status", row.status),
            ("category", row.category),
            ("priority", row.priority),
            ("assignee", (row.assigned_to_id, row.username)),
        ):
            by[dim][key] += row.n
    by["assignee"][(None, None)] += 0  # "unassigned" is always listed
    assignees = sorted(
        by["assignee"].items(), key=lambda item: (-item[1], item[0][0] is None, item[0][0] or 0)
    )
    age_seconds = seconds_between(sa.literal(now, sa.DateTime(timezone=True)), tickets.c.created_at)
    ages = (
        sa.select(age_seconds.label("seconds"))
        .where(*conditions)
        .cte("open_tickets")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    age = _stats_rows(ages, {"all": None}).get(("all", None))
    listed = [
        {"assignee": {"id": uid, "username": name} if uid is not None else None, "count": n}
        for (uid, name), n in assignees
    ]
    figures = backlog_answer(
        by=by, assignees=listed, median_age=age.median if age else None, p90_age=age.p90 if age else None
    )
    return {**windowed(window, {"as_of": now}), **figures}


def _reopen_rate(resolved: int, reopened: int) -> dict[str, Any]:
    return {
        "resolved": resolved,
        "reopened": reopened,
        "reopen_rate": None if resolved == 0 else round(reopened / resolved, 4),
    }


def reopens(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Tickets first resolved in the window, and how many were reopened after that (up to now)."""
    tune_session()
    query = (
        sa.select(
            tickets.c.category,
            sa.func.count().label("resolved"),
            sa.func.count(tickets.c.reopened_at).label("reopened"),
        )
        .where(_in_window(tickets.c.first_resolved_at, window), *ticket_conditions(filters, user=user))
        .group_by(tickets.c.category)
    )
    counts = {row.category: (row.resolved, row.reopened) for row in db.session.execute(query)}
    total = [sum(pair[i] for pair in counts.values()) for i in (0, 1)]
    return {
        "from": window.start,
        "to": window.end,
        **_reopen_rate(*total),
        "by_category": [{"category": c, **_reopen_rate(*counts.get(c, (0, 0)))} for c in CATEGORY_KEYS],
    }
