"""What a ticket contributes to each rollup measure: the Python rule and its SQL twin (tested equal).

- created: on created_at; duration created_at -> first staff response (trends, first response).
- resolved: on resolved_at; duration created_at -> first resolution (mttr).
- first_resolved: on first_resolved_at; flagged when later reopened (reopens).
- response_due / resolution_due: on the SLA due time; flagged when the target was met (sla).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.analytics.dialect import seconds_between
from app.tickets.milestones import response_settled_at, tickets
from app.tickets.models import OPEN_STATUSES, Ticket
from app.timeutil import as_utc

TIMED = ("created", "resolved")  # measures with a duration histogram


@dataclass(frozen=True)
class Fact:
    measure: str
    at: datetime
    category: str  # "none" for uncategorised tickets
    priority: str
    micros: int | None = None  # the duration, exact in microseconds
    flagged: bool = False


def _micros(later: datetime | None, earlier: datetime) -> int | None:
    return None if later is None else (as_utc(later) - earlier) // timedelta(microseconds=1)


def ticket_facts(t: Ticket) -> tuple[Fact, ...]:
    """The facts one ticket contributes, from its current columns."""
    key = (t.category or "none", t.priority)
    created = as_utc(t.created_at)
    facts = [Fact("created", created, *key, micros=_micros(t.first_response_at, created))]
    if t.resolved_at is not None:
        resolved = t.first_resolved_at or t.resolved_at
        facts.append(Fact("resolved", as_utc(t.resolved_at), *key, micros=_micros(resolved, created)))
    if t.first_resolved_at is not None:
        facts.append(Fact("first_resolved", as_utc(t.first_resolved_at), *key, flagged=bool(t.reopened_at)))
    if t.first_response_due_at is not None:
        due, settled = as_utc(t.first_response_due_at), as_utc(response_settled_at(t))
        facts.append(Fact("response_due", due, *key, flagged=settled is not None and settled <= due))
    if t.resolution_due_at is not None:
        due, resolved_first = as_utc(t.resolution_due_at), as_utc(t.first_resolved_at)
        facts.append(
            Fact("resolution_due", due, *key, flagged=resolved_first is not None and resolved_first <= due)
        )
    return tuple(facts)


@dataclass(frozen=True)
class OpenTicket:
    """An open ticket's place in the backlog rollup."""

    day: date
    status: str
    category: str
    priority: str
    assignee_id: int  # 0 when unassigned


@dataclass(frozen=True)
class Waiting:
    """A ticket still waiting on an SLA target, on the day that target is due (the at-risk rollup)."""

    target: str  # "first_response" or "resolution"
    day: date
    category: str
    priority: str


Row = Fact | OpenTicket | Waiting


def _waiting(t: Ticket, key: tuple[str, str]) -> tuple[Waiting, ...]:
    found = []
    if t.first_resolved_at is None and t.first_response_at is None and t.first_response_due_at is not None:
        found.append(Waiting("first_response", as_utc(t.first_response_due_at).date(), *key))
    if t.first_resolved_at is None and t.resolution_due_at is not None:
        found.append(Waiting("resolution", as_utc(t.resolution_due_at).date(), *key))
    return tuple(found)


def ticket_rows(t: Ticket) -> tuple[Row, ...]:
    """What one ticket contributes to the rollups: facts, backlog entry while open, targets waited on."""
    key = (t.category or "none", t.priority)
    found: tuple[Row, ...] = (*ticket_facts(t), *_waiting(t, key))
    if t.status not in OPEN_STATUSES:
        return found
    return (*found, OpenTicket(as_utc(t.created_at).date(), t.status, *key, t.assigned_to_id or 0))


@dataclass(frozen=True)
class MeasureSql:
    """A measure over the tickets table: its instant, duration in seconds (or None) and flag (or None)."""

    at: sa.ColumnElement
    seconds: sa.ColumnElement | None = None
    flag: sa.ColumnElement | None = None


def measure_sql(measure: str) -> MeasureSql:
    """The SQL twin of ticket_facts for one measure (call inside a session: durations are dialect SQL)."""
    c = tickets.c
    if measure == "created":
        return MeasureSql(c.created_at, seconds_between(c.first_response_at, c.created_at))
    if measure == "resolved":
        first = sa.func.coalesce(c.first_resolved_at, c.resolved_at)
        return MeasureSql(c.resolved_at, seconds_between(first, c.created_at))
    if measure == "first_resolved":
        return MeasureSql(c.first_resolved_at, flag=c.reopened_at.is_not(None))
    if measure == "response_due":
        due = c.first_response_due_at
        return MeasureSql(due, flag=sa.or_(c.first_response_at <= due, c.first_resolved_at <= due))
    return MeasureSql(c.resolution_due_at, flag=c.first_resolved_at <= c.resolution_due_at)


def category_key() -> sa.ColumnElement:
    """The rollups' category key of a ticket row."""
    # As a plain string: the column's enum type would refuse to read back the "none" key.
    return sa.func.coalesce(sa.type_coerce(tickets.c.category, sa.String), "none")


def micros_sql(seconds: sa.ColumnElement) -> sa.ColumnElement:
    return sa.cast(sa.func.round(seconds * 1_000_000), sa.BigInteger)
