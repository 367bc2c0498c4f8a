"""Duration buckets with 1% relative accuracy (the DDSketch scheme) and percentiles read from them.

A duration x > 0 falls in bucket ceil(ln(x) / ln(gamma)), gamma = (1 + a) / (1 - a), a = 0.01; the bucket
stands for ddsketch's representative value, within a of every x in it. Percentiles interpolate between the
two nearest ranks exactly as percentile_cont does; both ends are within a, so the result is too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from ddsketch.mapping import LogarithmicMapping

RELATIVE_ACCURACY = 0.01
MAPPING = LogarithmicMapping(RELATIVE_ACCURACY)
PER_LN = 1 / math.log(MAPPING.gamma)
ZERO_BUCKET = -(2**31)  # durations of 0 s or less (a ticket created already resolved)
PERCENTILES = {"median": 0.5, "p90": 0.9}
APPROXIMATE = "approximate, within 1%"


def bucket_of(seconds: float) -> int:
    """The bucket of a duration in seconds (the same arithmetic as bucket_sql)."""
    return ZERO_BUCKET if seconds <= 0 else math.ceil(math.log(seconds) * PER_LN)


def bucket_sql(seconds: sa.ColumnElement) -> sa.ColumnElement:
    """The bucket of a duration column, in SQL (ln and ceil exist in PostgreSQL and SQLite 3.35+)."""
    logarithmic = sa.cast(sa.func.ceil(sa.func.ln(seconds) * PER_LN), sa.Integer)
    return sa.case((seconds <= 0, ZERO_BUCKET), else_=logarithmic)


def bucket_value(bucket: int) -> float:
    """The value a bucket stands for."""
    return 0.0 if bucket == ZERO_BUCKET else float(MAPPING.value(bucket))


@dataclass(frozen=True)
class Run:
    """A bucket holding the durations of 0-based ranks [below, below + n) in ascending order."""

    below: int
    n: int
    bucket: int


def _value_at(runs: Iterable[Run], rank: int) -> float:
    return next(bucket_value(r.bucket) for r in runs if r.below <= rank < r.below + r.n)


def percentile_of_runs(runs: list[Run], total: int, p: float) -> float | None:
    """percentile_cont(p) over `total` durations, given (at least) the runs holding the ranks it needs."""
    if total <= 0:
        return None
    position = p * (total - 1)
    low = math.floor(position)
    fraction = position - low
    below = _value_at(runs, low)
    if fraction == 0:
        return below
    above = _value_at(runs, low + 1)
    return below + (above - below) * fraction


def percentile(histogram: Mapping[int, int], p: float) -> float | None:
    """percentile_cont(p) over the durations a histogram counts (None if it counts none)."""
    runs, seen = [], 0
    for bucket in sorted(histogram):
        runs.append(Run(below=seen, n=histogram[bucket], bucket=bucket))
        seen += histogram[bucket]
    return percentile_of_runs(runs, seen, p)


def percentiles(histogram: Mapping[int, int]) -> dict[str, float | None]:
    """{'median': ..., 'p90': ...} of a histogram."""
    return {name: percentile(histogram, p) for name, p in PERCENTILES.items()}
