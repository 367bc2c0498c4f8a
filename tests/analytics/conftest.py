"""Hand-built tickets and events with explicit timestamps, and a frozen 'now' for the analytics tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.analytics.rollups import rebuild_rollups
from app.extensions import db
from app.tickets.milestones import backfill_milestones
from app.tickets.models import Ticket, TicketEvent
from tests.analytics.agreement import assert_agrees

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen_now(monkeypatch) -> datetime:
    """Freeze the analytics clock at NOW so days= windows and backlog ages are exact."""
    for module in ("window", "exact", "service"):
        monkeypatch.setattr(f"app.analytics.{module}.utcnow", lambda: NOW)
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
        rebuild_rollups()
        db.session.commit()
        return ticket

    return add


@pytest.fixture
def get(client, agent, admin, auth):
    """get(path, **params) -> JSON body of the exact 200 answer, checked against the agent's rollup answer."""
    as_agent, as_admin = auth(agent), auth(admin)

    def call(path: str, expect: int = 200, **params):
        response = client.get(f"/api/analytics/{path}/", query_string=params, headers=as_agent)
        assert response.status_code == expect, response.get_json()
        if expect != 200 or params.get("assigned_to") == "me":  # "me" is another user for the admin
            return response.get_json()
        exact = client.get(
            f"/api/analytics/{path}/", query_string={**params, "exact": "true"}, headers=as_admin
        )
        assert exact.status_code == 200, exact.get_json()
        assert_agrees(response.get_json(), exact.get_json())
        return exact.get_json()

    return call
