"""Rollup tables: per-day counts and sums, and sparse duration histograms, kept on every ticket write."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

MEASURES = ("created", "resolved", "first_resolved", "response_due", "resolution_due")
GRAINS = ("day", "month")


class RollupCount(Model):
    """Tickets whose measure's instant falls on `day` (UTC), per category ('none' if unset) and priority."""

    __tablename__ = "analytics_rollups"
    __table_args__ = (sa.CheckConstraint(f"measure IN {MEASURES}", name="measure"),)

    measure: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    tickets: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    timed: Mapped[int] = mapped_column(sa.BigInteger, default=0, comment="Tickets with a duration.")
    sum_us: Mapped[int] = mapped_column(sa.BigInteger, default=0, comment="Sum of durations, microseconds.")
    flagged: Mapped[int] = mapped_column(sa.BigInteger, default=0, comment="Reopened, or target met.")


class RollupBucket(Model):
    """How many durations of a measure fell in a logarithmic bucket, per day or month (sparse)."""

    __tablename__ = "analytics_rollup_buckets"
    __table_args__ = (
        sa.CheckConstraint(f"measure IN {MEASURES}", name="measure"),
        sa.CheckConstraint(f"grain IN {GRAINS}", name="grain"),
    )

    measure: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    grain: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    period: Mapped[date] = mapped_column(sa.Date, primary_key=True, comment="First day of the day or month.")
    category: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    bucket: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tickets: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RollupOpen(Model):
    """Tickets open now (OPEN, IN_PROGRESS) per creation day (UTC), status, category, priority, assignee."""

    __tablename__ = "analytics_open"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    assignee_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, comment="0: unassigned.")
    tickets: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RollupWaiting(Model):
    """Tickets still waiting on an SLA target (first_response, resolution) per due day (UTC) and cell."""

    __tablename__ = "analytics_waiting"

    target: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    tickets: Mapped[int] = mapped_column(sa.BigInteger, default=0)
