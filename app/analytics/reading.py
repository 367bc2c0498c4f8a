"""Reading rollups for a window: whole days from the rollups, the partial days at its ends from ticket rows.

Counts and sums come from the daily rows; histograms from monthly rows for whole months and, for a partial
month, its daily rows or the month's row minus the daily rows outside the window, whichever is fewer. The
partial first and last day are aggregated from the tickets with the same rule's SQL twin
(app/analytics/facts.py), so every count equals the exact one for any window.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.analytics.dialect import as_date, day_period, period_key
from app.analytics.facts import category_key, measure_sql, micros_sql
from app.analytics.filters import AnalyticsFilters, ticket_conditions
from app.analytics.models import RollupCount
from app.analytics.window import Window
from app.auth.models import User
from app.extensions import db
from app.tickets.milestones import tickets

Cell = tuple[str, str]  # (category, priority)


@dataclass
class Totals:
    tickets: int = 0
    timed: int = 0
    sum_us: int = 0
    flagged: int = 0

    def add(self, other: Totals | tuple) -> None:
        values = (
            (other.tickets, other.timed, other.sum_us, other.flagged) if isinstance(other, Totals) else other
        )
        self.tickets += int(values[0] or 0)
        self.timed += int(values[1] or 0)
        self.sum_us += int(values[2] or 0)
        self.flagged += int(values[3] or 0)


Span = tuple[str, date, date, int]  # (grain, first period, end period exclusive, +1 or -1)


@dataclass(frozen=True)
class Split:
    """A window cut into partial days (edges), whole days, and the histogram rows that sum to those days."""

    edges: list[Window] = field(default_factory=list)
    days: tuple[date, date] | None = None
    bucket_spans: list[Span] = field(default_factory=list)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _bucket_spans(first: date, last: date) -> list[Span]:
    """Histogram rows covering whole days [first, last): a month's row where it is whole, and for a partial
    month whichever reads fewer day rows: its days, or the month's row minus the days outside."""
    spans: list[Span] = []
    month = _month_start(first)
    while month < last:
        following = _next_month(month)
        a, b = max(first, month), min(last, following)
        inside, outside = (b - a).days, (following - month).days - (b - a).days
        if outside == 0 or inside > outside:
            spans.append(("month", month, following, 1))
            spans += [("day", x, y, -1) for x, y in ((month, a), (b, following)) if x < y]
        else:
            spans.append(("day", a, b, 1))
        month = following
    return spans


def split_window(window: Window) -> Split:
    """Cut [start, end) into what the rollups hold whole and the partial days at either end."""
    start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
    first = start.date() if start == _midnight(start.date()) else start.date() + timedelta(days=1)
    last = end.date()  # whole days are [first, last)
    if first >= last:
        return Split(edges=[window] if start < end else [])
    edges = [w for w in (Window(start, _midnight(first)), Window(_midnight(last), end)) if w.start < w.end]
    return Split(edges, (first, last), _bucket_spans(first, last))


def rollup_filters(table: Any, filters: AnalyticsFilters) -> list[sa.ColumnElement]:
    conditions = []
    if filters.category:
        conditions.append(table.c.category == filters.category)
    if filters.priority:
        conditions.append(table.c.priority == filters.priority)
    return conditions


def count_totals(
    measure: str, window: Window, filters: AnalyticsFilters, *, user: User, by_day: bool = False
) -> dict[tuple, Totals]:
    """{(category, priority[, day]): Totals} of a measure over the window, in one statement."""
    split, found = split_window(window), defaultdict[tuple, Totals](Totals)
    parts = [exact_totals_query(measure, edge, filters, user=user, by_day=by_day) for edge in split.edges]
    if split.days:
        parts.append(_rollup_totals(measure, split.days, filters, by_day))
    if not parts:
        return found
    for row in db.session.execute(sa.union_all(*parts) if len(parts) > 1 else parts[0]):
        found[_key(row, by_day)].add(row[-4:])
    return found


def _rollup_totals(
    measure: str, days: tuple[date, date], filters: AnalyticsFilters, by_day: bool
) -> sa.Select:
    table: Any = RollupCount.__table__
    keys = [table.c.category, table.c.priority, *([table.c.day] if by_day else [])]
    sums = [sa.func.sum(table.c[c]) for c in ("tickets", "timed", "sum_us", "flagged")]
    return (
        sa.select(*keys, *sums)
        .where(table.c.measure == measure, table.c.day >= days[0], table.c.day < days[1])
        .where(*rollup_filters(table, filters))
        .group_by(*keys)
    )


def _key(row: sa.Row, by_day: bool) -> tuple:
    return (row[0], row[1], as_date(row[2])) if by_day else (row[0], row[1])


def exact_totals_query(
    measure: str, window: Window, filters: AnalyticsFilters, *, user: User, by_day: bool = False
) -> sa.Select:
    """The exact totals of a measure over a window, from the ticket rows."""
    spec = measure_sql(measure)
    seconds = spec.seconds if spec.seconds is not None else sa.cast(sa.null(), sa.Float)
    flag = sa.case((spec.flag, 1), else_=0) if spec.flag is not None else sa.literal(0)
    rows = (
        sa.select(
            category_key().label("category"),
            tickets.c.priority.label("priority"),
            period_key(spec.at, "day").label("day"),
            seconds.label("seconds"),
            flag.label("flag"),
        )
        .where(spec.at >= window.start, spec.at < window.end, *ticket_conditions(filters, user=user))
        .subquery()
    )
    keys = [rows.c.category, rows.c.priority, *([rows.c.day] if by_day else [])]
    return sa.select(
        *keys,
        sa.func.count(),
        sa.func.count(rows.c.seconds),
        sa.func.sum(micros_sql(rows.c.seconds)),
        sa.func.sum(rows.c.flag),
    ).group_by(*keys)


def created_per_period(
    window: Window, filters: AnalyticsFilters, *, user: User, interval: str
) -> Counter[tuple[date, str]]:
    """{(period start, category key): tickets created} over the window, grouped in the database."""
    split, table = split_window(window), RollupCount.__table__
    parts = []
    for edge in split.edges:
        keys = [period_key(tickets.c.created_at, interval), category_key()]
        where = [tickets.c.created_at >= edge.start, tickets.c.created_at < edge.end]
        parts.append(
            sa.select(*keys, sa.func.count())
            .where(*where, *ticket_conditions(filters, user=user))
            .group_by(*keys)
        )
    if split.days:
        keys = [day_period(table.c.day, interval), table.c.category]
        days = [table.c.day >= split.days[0], table.c.day < split.days[1], *rollup_filters(table, filters)]
        where = [table.c.measure == "created", *days]
        parts.append(sa.select(*keys, sa.func.sum(table.c.tickets)).where(*where).group_by(*keys))
    found: Counter[tuple[date, str]] = Counter()
    if parts:
        for period, category, n in db.session.execute(sa.union_all(*parts) if len(parts) > 1 else parts[0]):
            found[(as_date(period), category)] += int(n or 0)
    return found
