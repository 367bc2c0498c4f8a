"""Writing the rollups: a delta per ticket write (upserts that add or subtract), and a bulk rebuild."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.analytics.backlog import rebuild_open
from app.analytics.dialect import period_key
from app.analytics.facts import TIMED, Fact, MeasureSql, OpenTicket, category_key, measure_sql, micros_sql
from app.analytics.models import MEASURES, RollupBucket, RollupCount, RollupOpen
from app.analytics.sketch import bucket_of, bucket_sql
from app.extensions import db, is_postgresql
from app.tickets.milestones import tickets

COUNT_SUMS = ("tickets", "timed", "sum_us", "flagged")
Row = Fact | OpenTicket


def _count_deltas(added: Iterable[Row], removed: Iterable[Row]) -> tuple[dict, Counter, Counter]:
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    buckets: Counter[tuple] = Counter()
    opened: Counter[tuple] = Counter()
    for sign, facts in ((1, added), (-1, removed)):
        for f in facts:
            if isinstance(f, OpenTicket):
                opened[(f.day, f.status, f.category, f.priority, f.assignee_id)] += sign
                continue
            day = f.at.date()
            row = counts[(f.measure, day, f.category, f.priority)]
            row[0] += sign
            row[3] += sign if f.flagged else 0
            if f.micros is None:
                continue
            row[1] += sign
            row[2] += sign * f.micros
            if f.measure in TIMED:
                bucket = bucket_of(f.micros / 1e6)
                for grain, period in (("day", day), ("month", day.replace(day=1))):
                    buckets[(f.measure, grain, period, f.category, f.priority, bucket)] += sign
    return {k: v for k, v in counts.items() if any(v)}, _nonzero(buckets), _nonzero(opened)


def _nonzero(counter: Counter) -> Counter:
    return Counter({k: n for k, n in counter.items() if n})


def _upsert(table: Any, keys: tuple[str, ...], rows: list[dict]) -> Any:
    """One multi-row INSERT ... ON CONFLICT that adds the rows' sums to the existing ones."""
    insert = (postgresql.insert if is_postgresql() else sqlite.insert)(table).values(rows)
    sums = [c for c in rows[0] if c not in keys]
    return insert.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + insert.excluded[c] for c in sums}
    )


def _statements(counts: dict, buckets: Counter, opened: Counter) -> list[Any]:
    found = []
    if counts:
        keys: tuple[str, ...] = ("measure", "day", "category", "priority")
        rows = [
            dict(zip(keys, k, strict=True)) | dict(zip(COUNT_SUMS, v, strict=True))
            for k, v in sorted(counts.items())
        ]
        found.append(_upsert(RollupCount.__table__, keys, rows))
    for table, keys, deltas in (
        (RollupBucket.__table__, ("measure", "grain", "period", "category", "priority", "bucket"), buckets),
        (RollupOpen.__table__, ("day", "status", "category", "priority", "assignee_id"), opened),
    ):
        if deltas:
            rows = [dict(zip(keys, k, strict=True)) | {"tickets": n} for k, n in sorted(deltas.items())]
            found.append(_upsert(table, keys, rows))
    return found


def apply_delta(*, added: Iterable[Row], removed: Iterable[Row]) -> None:
    """Add the rows a write brought and subtract the ones it took away, in the current transaction."""
    statements = _statements(*_count_deltas(list(added), list(removed)))
    if len(statements) > 1 and is_postgresql():
        # One round trip for all tables: the other upserts run as data-modifying CTEs of the last.
        *others, last = statements
        statements = [last.add_cte(*(s.cte(f"upsert_{i}") for i, s in enumerate(others)))]
    for statement in statements:
        db.session.execute(statement)


def _rebuild_measure(measure: str) -> None:
    spec = measure_sql(measure)
    seconds = spec.seconds if spec.seconds is not None else sa.cast(sa.null(), sa.Float)
    flag = sa.case((spec.flag, 1), else_=0) if spec.flag is not None else sa.literal(0)
    rows = (
        sa.select(
            period_key(spec.at, "day").label("day"),
            category_key().label("category"),
            tickets.c.priority.label("priority"),
            seconds.label("seconds"),
            flag.label("flag"),
        )
        .where(spec.at.is_not(None))
        .subquery()
    )
    keys = (rows.c.day, rows.c.category, rows.c.priority)
    totals = sa.select(
        sa.literal(measure),
        *keys,
        sa.func.count(),
        sa.func.count(rows.c.seconds),
        sa.func.coalesce(sa.func.sum(micros_sql(rows.c.seconds)), 0),
        sa.func.sum(rows.c.flag),
    ).group_by(*keys)
    columns = ["measure", "day", "category", "priority", *COUNT_SUMS]
    db.session.execute(sa.insert(RollupCount).from_select(columns, totals))
    if measure in TIMED:
        _rebuild_buckets(measure, spec)


def _rebuild_buckets(measure: str, spec: MeasureSql) -> None:
    if spec.seconds is None:
        raise ValueError(f"{measure} has no durations")
    for grain in ("day", "month"):
        rows = (
            sa.select(
                period_key(spec.at, grain).label("period"),
                category_key().label("category"),
                tickets.c.priority.label("priority"),
                bucket_sql(spec.seconds).label("bucket"),
            )
            .where(spec.at.is_not(None), spec.seconds.is_not(None))
            .subquery()
        )
        keys = (rows.c.period, rows.c.category, rows.c.priority, rows.c.bucket)
        select = sa.select(sa.literal(measure), sa.literal(grain), *keys, sa.func.count()).group_by(*keys)
        columns = ["measure", "grain", "period", "category", "priority", "bucket", "tickets"]
        db.session.execute(sa.insert(RollupBucket).from_select(columns, select))


def rebuild_rollups() -> None:
    """Recompute every rollup from the ticket rows (seeder, `flask analytics rebuild`); no commit."""
    if is_postgresql():
        # Writers wait while the rollups are rebuilt, so no delta lands between delete and insert.
        db.session.execute(
            sa.text(
                "LOCK TABLE analytics_rollups, analytics_rollup_buckets, analytics_open IN EXCLUSIVE MODE"
            )
        )
    for model in (RollupCount, RollupBucket, RollupOpen):
        db.session.execute(sa.delete(model))
    for measure in MEASURES:
        _rebuild_measure(measure)
    rebuild_open()
