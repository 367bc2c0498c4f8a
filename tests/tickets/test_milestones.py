"""Milestones on the ticket row: written with each event, equal to what the event history says."""

from datetime import UTC, datetime

import sqlalchemy as sa

from app.demo.seed import seed_tickets
from app.extensions import db
from app.tickets.milestones import backfill_milestones
from app.tickets.models import Ticket

MILESTONES = ("resolved_at", "first_resolved_at", "first_response_at", "reopened_at")


def _move(client, headers, ticket_id, status):
    r = client.post(f"/api/tickets/{ticket_id}/transition/", json={"status": status}, headers=headers)
    assert r.status_code == 200, r.json


def _milestones(ticket_id):
    db.session.expire_all()
    return {name: getattr(db.session.get(Ticket, ticket_id), name) for name in MILESTONES}


def test_the_service_sets_each_milestone_once(client, agent, requester, auth, make_ticket):
    ticket = make_ticket(created_by=requester)
    _move(client, auth(requester), ticket.id, "CLOSED")  # a requester closing is a resolution, not a response
    after_close = _milestones(ticket.id)
    assert after_close["first_resolved_at"] and after_close["first_response_at"] is None
    _move(client, auth(agent), ticket.id, "OPEN")
    _move(client, auth(agent), ticket.id, "RESOLVED")
    final = _milestones(ticket.id)
    assert final["first_resolved_at"] == after_close["first_resolved_at"]
    assert final["reopened_at"] and final["first_response_at"] == final["reopened_at"]


def test_staff_assignment_is_the_first_response(client, agent, auth, make_ticket):
    ticket = make_ticket()
    client.post(f"/api/tickets/{ticket.id}/assign/", json={"assigned_to": agent.id}, headers=auth(agent))
    assert _milestones(ticket.id)["first_response_at"] is not None
    assert _milestones(ticket.id)["first_resolved_at"] is None


def test_service_written_milestones_match_the_backfill(client, agent, requester, auth, make_ticket):
    body = {
        "title": "Created closed",
        "description": "Done already.",
        "status": "CLOSED",
        "assigned_to": agent.id,
    }
    created = client.post("/api/tickets/", json=body, headers=auth(agent)).json["id"]
    ticket = make_ticket(created_by=requester)
    for status in ("IN_PROGRESS", "RESOLVED", "OPEN", "CLOSED"):
        _move(client, auth(agent), ticket.id, status)
    written = {i: _milestones(i) for i in (created, ticket.id)}
    backfill_milestones()
    db.session.commit()
    assert {i: _milestones(i) for i in (created, ticket.id)} == written


def test_seeded_milestones_match_the_event_history():
    seed_tickets(n=300, seed=5, now=datetime(2026, 6, 1, tzinfo=UTC))
    columns = [getattr(Ticket, name) for name in MILESTONES]
    seeded = db.session.execute(sa.select(Ticket.id, *columns).order_by(Ticket.id)).all()
    backfill_milestones()
    db.session.commit()
    assert db.session.execute(sa.select(Ticket.id, *columns).order_by(Ticket.id)).all() == seeded
    assert sum(1 for row in seeded if row.reopened_at) > 0
