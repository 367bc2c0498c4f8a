"""Seed the database with realistic tickets and their events, in bulk (`flask seed-tickets`).

Due times follow the SLA targets in force; the analytics rollups are rebuilt from the tickets afterwards.

PostgreSQL gets psycopg 3 COPY, other databases chunked executemany inserts. Ids are reserved
explicitly from the current maximum (tables locked meanwhile) and the sequences moved past them.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import sqlalchemy as sa

from app.analytics.rollups import rebuild_rollups
from app.auth.models import Role, User
from app.auth.service import create_user
from app.demo.plan import EVENT_COLUMNS, TICKET_COLUMNS, TicketPlanner
from app.demo.text import sample_ticket_text
from app.extensions import db, is_postgresql
from app.sla.service import targets as sla_targets
from app.tickets.models import Ticket, TicketEvent
from app.timeutil import as_utc, utcnow

__all__ = ["SeedResult", "sample_ticket_text", "seed_tickets"]

REQUESTER = "demo"
AGENTS = tuple(f"agent{i}" for i in range(1, 6))
CHUNK_SIZE = 5_000

Writer = Callable[[Sequence[tuple], Sequence[tuple]], None]


@dataclass(frozen=True)
class SeedResult:
    created: int
    seconds: float


def seed_tickets(
    *,
    n: int,
    seed: int = 42,
    append: bool = False,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> SeedResult:
    """Create n tickets with coherent events in one transaction; delete existing ones unless append."""
    started = time.perf_counter()
    try:
        requester_id, agent_ids = _ensure_users()
        _lock_tables()
        if not append:
            db.session.execute(sa.delete(TicketEvent))
            db.session.execute(sa.delete(Ticket))
        first_ticket_id, first_event_id = _next_id(Ticket), _next_id(TicketEvent)
        planner = TicketPlanner(
            random.Random(seed),  # noqa: S311 - reproducible demo data, not a secret
            now=as_utc(now) or utcnow(),
            requester_id=requester_id,
            agent_ids=agent_ids,
            first_event_id=first_event_id,
            targets=sla_targets(),
        )
        _write_chunks(planner, first_ticket_id=first_ticket_id, n=n, progress=progress)
        _move_sequence(Ticket, first_ticket_id + n - 1)
        _move_sequence(TicketEvent, planner.next_event_id - 1)
        _analyze()
        rebuild_rollups()
        _analyze("analytics_rollups", "analytics_rollup_buckets", "analytics_open")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return SeedResult(created=n, seconds=time.perf_counter() - started)


def _analyze(*tables: str) -> None:
    # Fresh planner statistics after a bulk load; without them PostgreSQL may scan instead of using indexes.
    if is_postgresql():
        db.session.execute(sa.text(f"ANALYZE {', '.join(tables or ('tickets', 'ticket_events'))}"))


def _write_chunks(
    planner: TicketPlanner, *, first_ticket_id: int, n: int, progress: Callable[[int], None] | None
) -> None:
    """Plan and write the tickets CHUNK_SIZE at a time, so memory stays flat for a million."""
    write, created_times = _writer(), planner.creation_times(n)
    for offset in range(0, n, CHUNK_SIZE):
        tickets, events = [], []
        for i in range(offset, min(offset + CHUNK_SIZE, n)):
            ticket, ticket_events = planner.plan(first_ticket_id + i, created_times[i])
            tickets.append(ticket)
            events += ticket_events
        write(tickets, events)
        if progress:
            progress(len(tickets))


def _ensure_users() -> tuple[int, list[int]]:
    """The demo requester and agent1..agent5, created through the auth service with unguessable passwords."""
    wanted = {REQUESTER: Role.REQUESTER, **{name: Role.AGENT for name in AGENTS}}
    existing = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(wanted)))}
    for username, role in wanted.items():
        if username not in existing:
            existing[username] = create_user(
                username=username,
                password=secrets.token_urlsafe(32),
                role=role,
                email=f"{username}@example.com",
            )
    agents = [existing[name] for name in AGENTS if existing[name].is_staff and existing[name].is_active]
    if not agents:
        raise RuntimeError(f"None of {', '.join(AGENTS)} is an active agent or admin to assign tickets to.")
    return existing[REQUESTER].id, [agent.id for agent in agents]


def _lock_tables() -> None:
    """Keep concurrent writers out while ids are reserved (readers are not blocked)."""
    if is_postgresql():
        db.session.execute(sa.text("LOCK TABLE tickets, ticket_events IN EXCLUSIVE MODE"))


def _sequence(model: type[Ticket] | type[TicketEvent]) -> str:
    return f"pg_get_serial_sequence('{model.__tablename__}', 'id')"


def _next_id(model: type[Ticket] | type[TicketEvent]) -> int:
    """The first free id: past the highest row and, on PostgreSQL, past ids the sequence handed out."""
    highest = db.session.scalar(sa.select(sa.func.max(model.id))) or 0
    if is_postgresql():
        issued = db.session.scalar(sa.text(f"SELECT pg_sequence_last_value({_sequence(model)}::regclass)"))
        highest = max(highest, issued or 0)
    return highest + 1


def _move_sequence(model: type[Ticket] | type[TicketEvent], last_id: int) -> None:
    """Let the sequence continue after the reserved ids (last_id is never below its old value)."""
    if is_postgresql() and last_id > 0:
        db.session.execute(sa.text(f"SELECT setval({_sequence(model)}, :last)"), {"last": last_id})


def _writer() -> Writer:
    return _copy_rows if is_postgresql() else _insert_rows


def _copy_rows(tickets: Sequence[tuple], events: Sequence[tuple]) -> None:
    """psycopg 3 COPY on the session's own connection, so it shares the transaction."""
    connection = db.session.connection().connection.driver_connection
    assert connection is not None  # noqa: S101 - a live session connection always has one
    with connection.cursor() as cursor:
        for table, columns, rows in (
            ("tickets", TICKET_COLUMNS, tickets),
            ("ticket_events", EVENT_COLUMNS, events),
        ):
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def _insert_rows(tickets: Sequence[tuple], events: Sequence[tuple]) -> None:
    """Chunked executemany through SQLAlchemy Core for SQLite and friends."""
    for table, columns, rows in (
        (cast(sa.Table, Ticket.__table__), TICKET_COLUMNS, tickets),
        (cast(sa.Table, TicketEvent.__table__), EVENT_COLUMNS, events),
    ):
        if rows:
            db.session.execute(sa.insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
