"""Hand-built tickets and events with explicit timestamps, and a frozen 'now' for the analytics tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.tickets.milestones import backfill_milestones
from app.tickets.models import Ticket, TicketEvent

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen_now(monkeypatch) -> datetime:
    """Freeze the analytics clock at NOW so days= windows and backlog ages are exact."""
    monkeypatch.setattr("app.analytics.window.utcnow", lambda: NOW)
    monkeypatch.setattr("app.analytics.service.utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def add_ticket(requester):
    """add_ticket(created_at, events=[(at, kind, from, to, actor)], **columns) -> Ticket, inserted directly.

    Adds the 'created' event itself (to_value = status on creation, default OPEN), then derives the
    milestone columns from the events as the migration's backfill does.
    """

    def add(created_at: datetime, *, events=(), initial: str = "OPEN", actor=None, **columns) -> Ticket:
        ticket = Ticket(
            title="t",
            description="d",
            created_by_id=requester.id,
            created_at=created_at,
            updated_at=created_at,
            status=columns.pop("status", initial),
            **columns,
        )
        db.session.add(ticket)
        db.session.flush()
        rows = [(created_at, "created", None, initial, actor or requester), *events]
        for at, kind, old, new, who in rows:
            db.session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    kind=kind,
                    from_value=old,
                    to_value=new,
                    actor_id=who.id if who else None,
                    created_at=at,
                )
            )
        db.session.flush()
        backfill_milestones(ticket_ids=[ticket.id])
        db.session.commit()
        return ticket

    return add


@pytest.fixture
def get(client, agent, auth):
    """get(path, **params) -> JSON body of a 200 answer, as the agent."""
    headers = auth(agent)

    def call(path: str, expect: int = 200, **params):
        response = client.get(f"/api/analytics/{path}/", query_string=params, headers=headers)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    return call
