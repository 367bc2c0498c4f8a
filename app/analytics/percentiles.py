"""Count, mean and percentiles (median, p90) of a duration column, grouped, computed in SQL.

PostgreSQL uses percentile_cont. SQLite has no such aggregate, so it ranks the values with window
functions and interpolates linearly between the two nearest ranks exactly as percentile_cont does:
position = p * (n - 1), value = v[floor] + (v[ceil] - v[floor]) * (position - floor).
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import is_postgresql

PERCENTILES = {"median": 0.5, "p90": 0.9}


def _postgresql(source: sa.Subquery | sa.CTE, dim: str, key: sa.ColumnElement | None) -> sa.Select:
    value = source.c.seconds
    figures = [sa.func.percentile_cont(p).within_group(value).label(name) for name, p in PERCENTILES.items()]
    query = sa.select(
        sa.literal(dim).label("dim"),
        (key if key is not None else sa.null()).label("key"),
        sa.func.count().label("rows"),
        sa.func.count(value).label("n"),
        sa.func.avg(value).label("mean"),
        *figures,
    ).select_from(source)
    return query.group_by(key) if key is not None else query


def _sqlite(source: sa.Subquery | sa.CTE, dim: str, key: sa.ColumnElement | None) -> sa.Select:
    value = source.c.seconds
    partition = [key] if key is not None else None
    ranked = (
        sa.select(
            (key if key is not None else sa.null()).label("key"),
            value.label("seconds"),
            sa.func.row_number().over(partition_by=partition, order_by=[value.is_(None), value]).label("rn"),
            sa.func.count(value).over(partition_by=partition).label("cnt"),
        )
        .select_from(source)
        .subquery()
    )
    figures = []
    for name, p in PERCENTILES.items():
        position = sa.literal(p, sa.Float) * (ranked.c.cnt - 1)
        floor = sa.cast(position, sa.Integer)
        low = sa.func.max(sa.case((ranked.c.rn == floor + 1, ranked.c.seconds)))
        high = sa.func.max(sa.case((ranked.c.rn == floor + 2, ranked.c.seconds)))
        fraction = sa.func.max(position - floor)
        figures.append((low + (sa.func.coalesce(high, low) - low) * fraction).label(name))
    return sa.select(
        sa.literal(dim).label("dim"),
        ranked.c.key,
        sa.func.count().label("rows"),
        sa.func.max(ranked.c.cnt).label("n"),
        sa.func.avg(ranked.c.seconds).label("mean"),
        *figures,
    ).group_by(ranked.c.key)


def duration_stats(
    source: sa.Subquery | sa.CTE, *, dim: str, key: sa.ColumnElement | None = None
) -> sa.Select:
    """Rows (dim, key, rows, n, mean, median, p90) over source.c.seconds, one per key (or one overall).

    `rows` counts all source rows, `n` those with a non-null duration; the figures ignore nulls.
    """
    if is_postgresql():
        return _postgresql(source, dim, key)
    return _sqlite(source, dim, key)
