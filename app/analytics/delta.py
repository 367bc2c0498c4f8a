"""The rollup delta of a ticket write: upserts that add what it brought and subtract what it took away.

On PostgreSQL the rollup tables are upserted by one fixed statement whose rows arrive as arrays (unnest), so
each write costs one round trip and no statement compilation; SQLite gets a multi-row upsert per table.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.analytics.facts import TIMED, OpenTicket, Row, Waiting
from app.analytics.models import RollupBucket, RollupCount, RollupOpen, RollupWaiting
from app.analytics.rollups import COUNT_SUMS
from app.analytics.sketch import bucket_of
from app.extensions import db, is_postgresql


def _count_deltas(added: Iterable[Row], removed: Iterable[Row]) -> tuple[dict, Counter, Counter, Counter]:
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    buckets: Counter[tuple] = Counter()
    opened: Counter[tuple] = Counter()
    waiting: Counter[tuple] = Counter()
    for sign, facts in ((1, added), (-1, removed)):
        for f in facts:
            if isinstance(f, OpenTicket):
                opened[(f.day, f.status, f.category, f.priority, f.assignee_id)] += sign
                continue
            if isinstance(f, Waiting):
                waiting[(f.target, f.day, f.category, f.priority)] += sign
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
    return {k: v for k, v in counts.items() if any(v)}, _nonzero(buckets), _nonzero(opened), _nonzero(waiting)


def _nonzero(counter: Counter) -> Counter:
    return Counter({k: n for k, n in counter.items() if n})


TABLES: tuple[tuple[Any, tuple[str, ...], tuple[str, ...]], ...] = (
    (RollupCount.__table__, ("measure", "day", "category", "priority"), COUNT_SUMS),
    (RollupBucket.__table__, ("measure", "grain", "period", "category", "priority", "bucket"), ("tickets",)),
    (RollupOpen.__table__, ("day", "status", "category", "priority", "assignee_id"), ("tickets",)),
    (RollupWaiting.__table__, ("target", "day", "category", "priority"), ("tickets",)),
)


def _rows(counts: dict, *others: Counter) -> list[list[tuple]]:
    """Per table, its rows (keys, then sums), sorted by key so that concurrent writers lock in one order."""
    return [[(*k, *v) for k, v in sorted(counts.items())]] + [
        [(*k, n) for k, n in sorted(deltas.items())] for deltas in others
    ]


def _upsert_sql(i: int, table: Any, keys: tuple[str, ...], sums: tuple[str, ...]) -> str:
    columns = (*keys, *sums)
    arrays = ", ".join(
        f"CAST(:t{i}_{c} AS {table.c[c].type.compile(dialect=postgresql.dialect())}[])" for c in columns
    )
    added = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in sums)
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "  # noqa: S608 - names from the models only
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
    )


@functools.cache
def _postgresql_upsert() -> sa.TextClause:
    """All the upserts in one statement: the others as data-modifying CTEs of the last."""
    *first, last = (_upsert_sql(i, *spec) for i, spec in enumerate(TABLES))
    return sa.text("WITH " + ", ".join(f"upsert_{i} AS ({sql})" for i, sql in enumerate(first)) + " " + last)


def _postgresql_params(rows: list[list[tuple]]) -> dict[str, list]:
    params: dict[str, list] = {}
    for i, ((_, keys, sums), table_rows) in enumerate(zip(TABLES, rows, strict=True)):
        for position, column in enumerate((*keys, *sums)):
            params[f"t{i}_{column}"] = [row[position] for row in table_rows]
    return params


def _sqlite_upserts(rows: list[list[tuple]]) -> list[Any]:
    found = []
    for (table, keys, sums), table_rows in zip(TABLES, rows, strict=True):
        if table_rows:
            values = [dict(zip((*keys, *sums), row, strict=True)) for row in table_rows]
            insert = sqlite.insert(table).values(values)
            added = {c: table.c[c] + insert.excluded[c] for c in sums}
            found.append(insert.on_conflict_do_update(index_elements=list(keys), set_=added))
    return found


def apply_delta(*, added: Iterable[Row], removed: Iterable[Row]) -> None:
    """Add the rows a write brought and subtract the ones it took away, in the current transaction."""
    rows = _rows(*_count_deltas(list(added), list(removed)))
    if not any(rows):
        return
    if is_postgresql():
        db.session.execute(_postgresql_upsert(), _postgresql_params(rows))
        return
    for statement in _sqlite_upserts(rows):
        db.session.execute(statement)
