"""Analytics queries: each aggregates in the database and returns a small dict for the API."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from app.analytics.dialect import as_date, period_key, seconds_between, tune_session
from app.analytics.filters import AnalyticsFilters, ticket_conditions
from app.analytics.indexes import events, is_action, is_open, is_reopen, is_resolution, tickets
from app.analytics.percentiles import duration_stats
from app.analytics.window import Window, periods
from app.auth.models import STAFF_ROLES, User
from app.extensions import db
from app.tickets.models import CATEGORIES, OPEN_STATUSES, PRIORITIES
from app.timeutil import utcnow

CATEGORY_KEYS: tuple[str | None, ...] = (*CATEGORIES, None)
FIGURES = ("mean", "median", "p90")


def _in_window(column: sa.ColumnElement, window: Window) -> sa.ColumnElement:
    return sa.and_(column >= window.start, column < window.end)


def _round(value: float | None) -> float | None:
    # Milliseconds: beyond that PostgreSQL and SQLite float arithmetic may differ in the last bits.
    return None if value is None else round(float(value), 3)


# The duration CTEs are MATERIALIZED: PostgreSQL would inline a CTE used once and then evaluate its
# correlated subquery once per aggregate (count, avg and each percentile).
def _stats_rows(source: sa.Subquery, dims: dict[str, sa.ColumnElement | None]) -> dict[tuple, Any]:
    """{(dim, key): row} of duration_stats for each dimension (None: overall)."""
    query = sa.union_all(*(duration_stats(source, dim=d, key=k) for d, k in dims.items()))
    return {(row.dim, row.key): row for row in db.session.execute(query)}


def _figures(row: Any | None, prefix: str = "") -> dict[str, float | None]:
    return {f"{prefix}{name}_seconds": _round(getattr(row, name, None)) for name in FIGURES}


def trends(*, window: Window, filters: AnalyticsFilters, interval: str, user: User) -> dict[str, Any]:
    """Tickets created in the window: total, per category, and a zero-filled per-period series."""
    tune_session()
    period = period_key(tickets.c.created_at, interval)
    query = (sa.select(period.label("period"), tickets.c.category, sa.func.count().label("n"))
             .where(_in_window(tickets.c.created_at, window), *ticket_conditions(filters, user=user))
             .group_by(period, tickets.c.category))
    grouped = {(as_date(r.period), r.category): r.n for r in db.session.execute(query)}
    by_category = Counter()
    for (_, category), n in grouped.items():
        by_category[category] += n
    series = [{"period": start, "counts": {c or "none": grouped.get((start, c), 0) for c in CATEGORY_KEYS}}
              for start in periods(window, interval)]
    return {"from": window.start, "to": window.end, "interval": interval, "total": sum(by_category.values()),
            "by_category": [{"category": c, "count": by_category[c]} for c in CATEGORY_KEYS],
            "series": series}


def _reopened_tickets() -> sa.Subquery:
    """(ticket_id, first_reopen) of every ticket that was ever reopened (a few percent of them)."""
    r = events.alias("reopen")
    return (sa.select(r.c.ticket_id, sa.func.min(r.c.created_at).label("first_reopen"))
            .where(is_reopen(r)).group_by(r.c.ticket_id).subquery("reopened"))


def _first_resolution() -> sa.ScalarSelect:
    e = events.alias("first_res")
    return (sa.select(sa.func.min(e.c.created_at)).where(e.c.ticket_id == tickets.c.id, is_resolution(e))
            .scalar_subquery())


def mttr(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Time to (first) resolution of the tickets whose resolved_at is in the window."""
    tune_session()
    reopened = _reopened_tickets()
    # A ticket never reopened was resolved once, at resolved_at (the workflow writes both in one step),
    # so only reopened tickets need their first resolution looked up in the events. Without a
    # resolution event (data imported without history) resolved_at stands in.
    resolved = sa.case((reopened.c.ticket_id.is_(None), tickets.c.resolved_at),
                       else_=sa.func.coalesce(_first_resolution(), tickets.c.resolved_at))
    source = (sa.select(tickets.c.category, tickets.c.priority,
                        seconds_between(resolved, tickets.c.created_at).label("seconds"))
              .select_from(tickets.outerjoin(reopened, reopened.c.ticket_id == tickets.c.id))
              .where(_in_window(tickets.c.resolved_at, window), *ticket_conditions(filters, user=user))
              .cte("resolved").prefix_with("MATERIALIZED", dialect="postgresql"))
    rows = _stats_rows(source, {"all": None, "category": source.c.category, "priority": source.c.priority})

    def entry(dim: str, key: str | None) -> dict[str, Any]:
        row = rows.get((dim, key))
        figures = _figures(row)
        return {"resolved_count": row.n if row else 0, "mttr_seconds": figures["mean_seconds"],
                "median_seconds": figures["median_seconds"], "p90_seconds": figures["p90_seconds"]}

    return {"from": window.start, "to": window.end, **entry("all", None),
            "by_category": [{"category": c, **entry("category", c)} for c in CATEGORY_KEYS],
            "by_priority": [{"priority": p, **entry("priority", p)} for p in PRIORITIES]}


def first_response(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Time from creation to the first assignment or status change by an agent or admin."""
    tune_session()
    e = events.alias("action")
    # The few staff ids, fetched first, keep the event scan free of a join with users.
    staff = list(db.session.scalars(sa.select(User.id).where(User.role.in_(STAFF_ROLES))))
    # Events are never older than their ticket, so for tickets created in the window only actions
    # from its start on matter: one range scan and a hash aggregate instead of a lookup per ticket.
    actions = (sa.select(e.c.ticket_id, sa.func.min(e.c.created_at).label("first_action"))
               .where(is_action(e), e.c.created_at >= window.start, e.c.actor_id.in_(staff))
               .group_by(e.c.ticket_id).subquery("actions"))
    first_action = actions.c.first_action
    source = (sa.select(seconds_between(first_action, tickets.c.created_at).label("seconds"))
              .select_from(tickets.outerjoin(actions, actions.c.ticket_id == tickets.c.id))
              .where(_in_window(tickets.c.created_at, window), *ticket_conditions(filters, user=user))
              .cte("created").prefix_with("MATERIALIZED", dialect="postgresql"))
    row = _stats_rows(source, {"all": None}).get(("all", None))
    created, responded = (row.rows, row.n) if row else (0, 0)
    return {"from": window.start, "to": window.end, "created_count": created, "responded_count": responded,
            "without_response": created - responded, **_figures(row)}


def backlog(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Tickets open now (OPEN, IN_PROGRESS) that were created in the window, and their ages."""
    tune_session()
    now = utcnow()
    conditions = [is_open(), _in_window(tickets.c.created_at, window), *ticket_conditions(filters, user=user)]
    grouped = db.session.execute(
        sa.select(tickets.c.status, tickets.c.category, tickets.c.priority, tickets.c.assigned_to_id,
                  User.username, sa.func.count().label("n"))
        .select_from(tickets.outerjoin(User, User.id == tickets.c.assigned_to_id)).where(*conditions)
        .group_by(tickets.c.status, tickets.c.category, tickets.c.priority, tickets.c.assigned_to_id,
                  User.username)).all()
    by: dict[str, Counter] = {dim: Counter() for dim in ("status", "category", "priority", "assignee")}
    for row in grouped:
        for dim, key in (("status", row.status), ("category", row.category), ("priority", row.priority),
                         ("assignee", (row.assigned_to_id, row.username))):
            by[dim][key] += row.n
    by["assignee"][(None, None)] += 0  # "unassigned" is always listed
    assignees = sorted(by["assignee"].items(),
                       key=lambda item: (-item[1], item[0][0] is None, item[0][0] or 0))
    age_seconds = seconds_between(sa.literal(now, sa.DateTime(timezone=True)), tickets.c.created_at)
    ages = (sa.select(age_seconds.label("seconds")).where(*conditions)
            .cte("open_tickets").prefix_with("MATERIALIZED", dialect="postgresql"))
    age = _stats_rows(ages, {"all": None}).get(("all", None))
    return {
        "from": window.start, "to": window.end, "as_of": now, "open_count": sum(by["status"].values()),
        "by_status": [{"status": s, "count": by["status"][s]} for s in OPEN_STATUSES],
        "by_category": [{"category": c, "count": by["category"][c]} for c in CATEGORY_KEYS],
        "by_priority": [{"priority": p, "count": by["priority"][p]} for p in PRIORITIES],
        "by_assignee": [{"assignee": {"id": uid, "username": name} if uid is not None else None, "count": n}
                        for (uid, name), n in assignees],
        "median_age_seconds": _round(age.median if age else None),
        "p90_age_seconds": _round(age.p90 if age else None),
    }


def _reopen_rate(resolved: int, reopened: int) -> dict[str, Any]:
    return {"resolved": resolved, "reopened": reopened,
            "reopen_rate": None if resolved == 0 else round(reopened / resolved, 4)}


def reopens(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Tickets first resolved in the window, and how many were reopened after that (up to now)."""
    tune_session()
    e, reopened = events.alias("res"), _reopened_tickets()
    # A resolution is the ticket's first one exactly when no reopen came before it.
    first = (sa.select(e.c.ticket_id, reopened.c.first_reopen)
             .select_from(e.outerjoin(reopened, reopened.c.ticket_id == e.c.ticket_id))
             .where(is_resolution(e), _in_window(e.c.created_at, window),
                    sa.or_(reopened.c.first_reopen.is_(None), reopened.c.first_reopen >= e.c.created_at))
             .subquery("first_res"))
    query = (sa.select(tickets.c.category, sa.func.count().label("resolved"),
                       sa.func.count(first.c.first_reopen).label("reopened"))
             .select_from(tickets.join(first, first.c.ticket_id == tickets.c.id))
             .where(*ticket_conditions(filters, user=user)).group_by(tickets.c.category))
    counts = {row.category: (row.resolved, row.reopened) for row in db.session.execute(query)}
    total = [sum(pair[i] for pair in counts.values()) for i in (0, 1)]
    return {"from": window.start, "to": window.end, **_reopen_rate(*total),
            "by_category": [{"category": c, **_reopen_rate(*counts.get(c, (0, 0)))} for c in CATEGORY_KEYS]}
