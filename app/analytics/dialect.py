"""The few SQL expressions that PostgreSQL and SQLite spell differently."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from app.extensions import db, is_postgresql


def tune_session() -> None:
    """Per-transaction settings for the analytics queries, in one round trip."""
    if is_postgresql():
        # JIT compilation costs 100-300 ms per query here, more than the aggregations it would speed up;
        # percentiles sort their group, kept in memory; parallel workers cost more to start than they save
        # on these small scans, and the cores are the web workers' too.
        settings = {"jit": "off", "work_mem": "64MB", "max_parallel_workers_per_gather": "0"}
        db.session.execute(
            sa.select(*(sa.func.set_config(name, value, True) for name, value in settings.items()))
        )


def _sqlite_epoch(value: sa.ColumnElement) -> sa.ColumnElement:
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC in this app): whole
    # seconds from strftime plus the exact fraction, so no julianday() rounding creeps in.
    whole = sa.cast(sa.func.strftime("%s", value), sa.Integer)
    return whole + sa.cast(sa.func.substr(value, 20), sa.Float)


def seconds_between(later: sa.ColumnElement, earlier: sa.ColumnElement) -> sa.ColumnElement:
    """later - earlier in (fractional) seconds, as a float."""
    if is_postgresql():
        # date_part (float8), not extract (numeric since PostgreSQL 14): same value, much cheaper.
        return sa.func.date_part("epoch", later - earlier, type_=sa.Float)
    return sa.cast(_sqlite_epoch(later) - _sqlite_epoch(earlier), sa.Float)


def period_key(column: sa.ColumnElement, interval: str) -> sa.ColumnElement:
    """The UTC start date of the day, ISO week (Monday) or month that column falls in."""
    if is_postgresql():
        # A literal field keeps the SELECT and GROUP BY expressions textually identical for PostgreSQL.
        field: sa.ColumnElement[str] = sa.literal_column(f"'{interval}'")
        return sa.cast(sa.func.date_trunc(field, sa.func.timezone("UTC", column)), sa.Date)
    if interval == "week":
        return sa.func.date(column, "weekday 0", "-6 days")
    if interval == "month":
        return sa.func.date(column, "start of month")
    return sa.func.date(column)


def day_period(day: sa.ColumnElement, interval: str) -> sa.ColumnElement:
    """The start date of the day, ISO week or month a DATE column's day falls in."""
    if interval == "day":
        return day
    if is_postgresql():
        field: sa.ColumnElement[str] = sa.literal_column(f"'{interval}'")
        return sa.cast(sa.func.date_trunc(field, sa.cast(day, sa.DateTime())), sa.Date)
    if interval == "week":
        return sa.func.date(day, "weekday 0", "-6 days")
    return sa.func.date(day, "start of month")


def as_date(value: date | datetime | str) -> date:
    """A period key as returned by either database, as a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)
