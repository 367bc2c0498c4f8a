"""Racing real requests against each other, and checking what the race left behind."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.tickets.models import Ticket, TicketEvent


def race(app, calls: list[Callable[[Any], Any]], timeout: float = 30) -> list[Any]:
    """Run each call(client) in its own thread, released together by a barrier; return their results."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        client = app.test_client()
        barrier.wait(timeout=timeout)
        results[i] = calls[i](client)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
        assert not thread.is_alive(), "a racing request did not finish"
    return results


def status_chain_breaks(ticket_id: int) -> list[str]:
    """Where a ticket's status history is not a chain ending at its status (empty when it is)."""
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    query = (
        sa.select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind.in_(("created", "status")))
        .order_by(TicketEvent.created_at, TicketEvent.id)
    )
    events = list(db.session.scalars(query))
    breaks, current = [], None
    for event in events:
        if event.kind == "status" and event.from_value != current:
            breaks.append(f"event {event.id}: {event.from_value}->{event.to_value} after {current}")
        current = event.to_value
    if ticket is not None and current != ticket.status:
        breaks.append(f"history ends at {current}, ticket is {ticket.status}")
    return breaks
