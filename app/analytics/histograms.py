"""Percentiles of a timed measure from the rollup histograms, merged and ranked in one SQL statement.

The window's histogram rows (and its partial days' ticket rows, bucketed by the same rule) are summed per
cell, then per dimension (overall, each category, each priority); a running sum over the buckets keeps only
the buckets holding the ranks percentile_cont interpolates between, so a report reads a few rows, not the
histograms.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from app.analytics.facts import category_key, measure_sql
from app.analytics.filters import AnalyticsFilters, ticket_conditions
from app.analytics.models import RollupBucket
from app.analytics.reading import Split, rollup_filters, split_window
from app.analytics.sketch import PERCENTILES, Run, bucket_sql, percentile_of_runs
from app.analytics.window import Window
from app.auth.models import User
from app.extensions import db
from app.tickets.milestones import tickets

Dimension = tuple[str, str | None]  # ("all", None), ("category", "bug" or "none"), ("priority", "HIGH")


def _rollup_rows(measure: str, split: Split, filters: AnalyticsFilters) -> sa.Select | None:
    table: Any = RollupBucket.__table__
    spans = [
        (sa.and_(table.c.grain == grain, table.c.period >= a, table.c.period < b), sign)
        for grain, a, b, sign in split.bucket_spans
    ]
    if not spans:
        return None
    subtracted = [(condition, -1) for condition, sign in spans if sign < 0]
    sign = sa.case(*subtracted, else_=1) if subtracted else sa.literal(1)
    return sa.select(
        table.c.category, table.c.priority, table.c.bucket, _count(table.c.tickets * sign).label("n")
    ).where(table.c.measure == measure, sa.or_(*(c for c, _ in spans)), *rollup_filters(table, filters))


def _edge_rows(measure: str, edge: Window, filters: AnalyticsFilters, user: User) -> sa.Select:
    spec = measure_sql(measure)
    if spec.seconds is None:
        raise ValueError(f"{measure} has no durations")
    return sa.select(
        category_key().label("category"),
        tickets.c.priority.label("priority"),
        sa.cast(bucket_sql(spec.seconds), sa.Integer).label("bucket"),
        sa.literal(1, sa.Integer).label("n"),
    ).where(
        spec.at >= edge.start,
        spec.at < edge.end,
        spec.seconds.is_not(None),
        *ticket_conditions(filters, user=user),
    )


def _count(value: sa.ColumnElement) -> sa.ColumnElement:
    # As int4, which PostgreSQL sums into an int8: a bigint's sum is numeric, several times slower.
    return sa.cast(value, sa.Integer)


def _by_dimension(cells: sa.CTE) -> sa.Subquery:
    def summed(dim: str, key: sa.ColumnElement | None) -> sa.Select:
        return sa.select(
            sa.literal(dim).label("dim"),
            (key if key is not None else sa.cast(sa.null(), sa.String)).label("key"),
            cells.c.bucket,
            _count(sa.func.sum(cells.c.n)).label("n"),
        ).group_by(*([key] if key is not None else []), cells.c.bucket)

    return sa.union_all(
        summed("all", None), summed("category", cells.c.category), summed("priority", cells.c.priority)
    ).subquery("dims")


def _near(running: sa.Subquery, p: float) -> sa.ColumnElement:
    # Ranks floor(p * (total - 1)) and the next; one more on each side absorbs float rounding in SQL.
    rank = sa.func.floor(sa.cast(running.c.total - 1, sa.Float) * p)
    return sa.and_(running.c.below <= rank + 2, running.c.below + running.c.n > rank - 1)


def ranked_query(parts: list[sa.Select]) -> sa.Select:
    """(dim, key, bucket, n, below, total) of the buckets holding each dimension's percentile ranks."""
    source = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("parts")
    keys = (source.c.category, source.c.priority, source.c.bucket)
    cells = sa.select(*keys, _count(sa.func.sum(source.c.n)).label("n")).group_by(*keys).cte("cells")
    dims = _by_dimension(cells)
    partition = (dims.c.dim, dims.c.key)
    running = (
        sa.select(
            dims.c.dim,
            dims.c.key,
            dims.c.bucket,
            dims.c.n,
            (sa.func.sum(dims.c.n).over(partition_by=partition, order_by=dims.c.bucket) - dims.c.n).label(
                "below"
            ),
            sa.func.sum(dims.c.n).over(partition_by=partition).label("total"),
        )
        .where(dims.c.n > 0)
        .subquery("running")
    )
    return sa.select(running).where(sa.or_(*(_near(running, p) for p in PERCENTILES.values())))


def percentiles_by_dimension(
    measure: str, window: Window, filters: AnalyticsFilters, *, user: User
) -> dict[Dimension, dict[str, float | None]]:
    """{(dim, key): {'median': ..., 'p90': ...}} of a timed measure; dimensions without durations left out."""
    split = split_window(window)
    parts = [_edge_rows(measure, edge, filters, user) for edge in split.edges]
    rollups = _rollup_rows(measure, split, filters)
    parts += [rollups] if rollups is not None else []
    if not parts:
        return {}
    runs: dict[Dimension, list[Run]] = defaultdict(list)
    totals: dict[Dimension, int] = {}
    for dim, key, bucket, n, below, total in db.session.execute(ranked_query(parts)):
        runs[(dim, key)].append(Run(below=int(below), n=int(n), bucket=int(bucket)))
        totals[(dim, key)] = int(total)
    return {
        d: {name: percentile_of_runs(runs[d], totals[d], p) for name, p in PERCENTILES.items()} for d in runs
    }
