"""The backlog from the open-ticket rollup: counts per day and cell, ages exact from a few ticket rows.

Whole days of the window come from analytics_open, its partial first and last day from the (partially
indexed) open ticket rows. The age percentiles are exact: the daily counts locate the day holding each
rank percentile_cont needs, and an index range scan of that day's open tickets reads its created_at.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from app.analytics.breakdown import backlog_answer, windowed
from app.analytics.dialect import as_date, period_key
from app.analytics.facts import category_key
from app.analytics.filters import AnalyticsFilters, ticket_conditions
from app.analytics.models import RollupOpen
from app.analytics.reading import rollup_filters, split_window
from app.analytics.sketch import PERCENTILES
from app.analytics.window import Window
from app.auth.models import User
from app.extensions import db
from app.tickets.milestones import in_literals, tickets
from app.tickets.models import OPEN_STATUSES
from app.timeutil import as_utc

KEYS = ("status", "category", "priority", "assignee_id")


class BacklogMoved(LookupError):
    """A concurrent write changed the open tickets between the counts and the rank reads (each statement
    sees its own snapshot under READ COMMITTED)."""


def is_open() -> sa.ColumnElement:
    """The ticket is in the backlog (OPEN or IN_PROGRESS), spelled to match ix_tickets_open_created_at."""
    return in_literals(tickets.c.status, OPEN_STATUSES)


def _ticket_keys() -> list[sa.ColumnElement]:
    assignee = sa.func.coalesce(tickets.c.assigned_to_id, 0)
    return [tickets.c.status, category_key(), tickets.c.priority, assignee]


def rebuild_open() -> None:
    """Recompute analytics_open from the ticket rows (part of rebuild_rollups)."""
    keys = [period_key(tickets.c.created_at, "day"), *_ticket_keys()]
    select = sa.select(*keys, sa.func.count()).where(is_open()).group_by(*keys)
    db.session.execute(sa.insert(RollupOpen).from_select(["day", *KEYS, "tickets"], select))


def _parts(window: Window, filters: AnalyticsFilters, user: User, by_day: bool) -> list[sa.Select]:
    """Open counts grouped by cell (or by day), from the rollup's whole days and the edges' ticket rows."""
    split, table = split_window(window), RollupOpen.__table__
    parts = []
    for edge in split.edges:
        keys = [period_key(tickets.c.created_at, "day")] if by_day else _ticket_keys()
        where = [is_open(), tickets.c.created_at >= edge.start, tickets.c.created_at < edge.end]
        parts.append(sa.select(*keys, sa.func.count()).where(*where, *ticket_conditions(filters, user=user)))
        parts[-1] = parts[-1].group_by(*keys)
    if split.days:
        keys = [table.c.day] if by_day else [table.c[k] for k in KEYS]
        days = [table.c.day >= split.days[0], table.c.day < split.days[1], *rollup_filters(table, filters)]
        parts.append(sa.select(*keys, sa.func.sum(table.c.tickets)).where(*days).group_by(*keys))
    return parts


def _grouped(window: Window, filters: AnalyticsFilters, user: User, by_day: bool) -> Counter:
    found: Counter = Counter()
    parts = _parts(window, filters, user, by_day)
    if parts:
        for *key, n in db.session.execute(sa.union_all(*parts) if len(parts) > 1 else parts[0]):
            found[as_date(key[0]) if by_day else tuple(key)] += int(n or 0)
    return +found


def _created_at(window: Window, filters: AnalyticsFilters, user: User, rank: int, per_day: Counter) -> list:
    """created_at of the open tickets at 0-based rank (oldest first) and the next, via that rank's day."""
    seen = 0
    for day in sorted(per_day):
        if rank < seen + per_day[day]:
            start = max(window.start, datetime(day.year, day.month, day.day, tzinfo=UTC))
            query = (
                sa.select(tickets.c.created_at)
                .where(is_open(), tickets.c.created_at >= start, tickets.c.created_at < window.end)
                .where(*ticket_conditions(filters, user=user))
                .order_by(tickets.c.created_at)
                .offset(rank - seen)
                .limit(2)
            )
            found = list(db.session.scalars(query))
            if len(found) < 2 and rank + 1 < sum(per_day.values()):
                raise BacklogMoved
            return found
        seen += per_day[day]
    raise BacklogMoved


def _age_percentile(p: float, n: int, ages_at: Any) -> float | None:
    """percentile_cont(p) of the ages of n open tickets; ages_at(rank) -> the ages from that rank on."""
    if n == 0:
        return None
    position = p * (n - 1)
    low = math.floor(position)
    fraction = position - low
    # Ages ascending are created_at descending: age rank i is created_at rank n - 1 - i.
    if fraction == 0:
        ages = ages_at(n - 1 - low)
        if not ages:
            raise BacklogMoved
        return ages[0]
    above, below = ages_at(n - 2 - low)[:2]
    return below + (above - below) * fraction


def backlog(*, window: Window, filters: AnalyticsFilters, user: User, now: datetime) -> dict[str, Any]:
    """Tickets open now that were created in the window: counts by status, category, priority, assignee."""
    cells = _grouped(window, filters, user, by_day=False)
    by: dict[str, Counter] = {dim: Counter() for dim in KEYS}
    for key, n in cells.items():
        for dim, value in zip(KEYS, key, strict=True):
            by[dim][value] += n
    per_day = _grouped(window, filters, user, by_day=True)
    n = sum(per_day.values())

    def ages_at(rank: int) -> list[float]:
        return [(now - as_utc(c)).total_seconds() for c in _created_at(window, filters, user, rank, per_day)]

    ages = {name: _age_percentile(p, n, ages_at) for name, p in PERCENTILES.items()}
    counts = {**by, "category": {(None if c == "none" else c): k for c, k in by["category"].items()}}
    figures = backlog_answer(
        by=counts, assignees=_assignees(by["assignee_id"]), median_age=ages["median"], p90_age=ages["p90"]
    )
    return {**windowed(window, {"as_of": now}), **figures}


def _assignees(counts: Counter) -> list[dict[str, Any]]:
    """Assignees most loaded first, then unassigned (always listed), as the exact report orders them."""
    ids = [i for i in counts if i]
    query = sa.select(User.id, User.username).where(User.id.in_(ids))
    names = {i: name for i, name in db.session.execute(query)} if ids else {}
    loads = [(i or None, n) for i, n in counts.items()] + ([] if 0 in counts else [(None, 0)])
    loads.sort(key=lambda item: (-item[1], item[0] is None, item[0] or 0))
    return [
        {"assignee": {"id": i, "username": names.get(i)} if i is not None else None, "count": n}
        for i, n in loads
    ]
