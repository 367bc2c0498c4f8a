"""Rebuilding the rollups from the ticket rows (app/analytics/delta.py keeps them current on each write)."""

from __future__ import annotations

import sqlalchemy as sa

from app.analytics.at_risk import rebuild_waiting
from app.analytics.backlog import rebuild_open
from app.analytics.dialect import period_key
from app.analytics.facts import TIMED, MeasureSql, category_key, measure_sql, micros_sql
from app.analytics.models import MEASURES, RollupBucket, RollupCount, RollupOpen, RollupWaiting
from app.analytics.sketch import bucket_sql
from app.extensions import db, is_postgresql
from app.tickets.milestones import tickets

COUNT_SUMS = ("tickets", "timed", "sum_us", "flagged")


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
                "LOCK TABLE analytics_rollups, analytics_rollup_buckets, analytics_open, analytics_waiting "
                "IN EXCLUSIVE MODE"
            )
        )
    for model in (RollupCount, RollupBucket, RollupOpen, RollupWaiting):
        db.session.execute(sa.delete(model))
    for measure in MEASURES:
        _rebuild_measure(measure)
    rebuild_open()
    rebuild_waiting()
