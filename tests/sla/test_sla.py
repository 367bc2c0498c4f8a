"""SLA targets per priority, due times kept from creation, met/breached on tickets, report, at-risk list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tickets.models import Ticket

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """A settable 'now' for the ticket service, the ticket schema and the analytics."""
    state = {"now": T0}
    for target in (
        "app.tickets.service",
        "app.tickets.schemas",
        "app.analytics.service",
        "app.analytics.window",
    ):
        monkeypatch.setattr(f"{target}.utcnow", lambda: state["now"])
    return state


def _create(client, headers, **body):
    r = client.post("/api/tickets/", json={"title": "t", "description": "d", **body}, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def test_targets_have_documented_defaults_and_admins_change_them(client, agent, admin, auth):
    r = client.get("/api/sla/targets/", headers=auth(agent))
    assert r.status_code == 200
    assert r.json[0] == {"priority": "URGENT", "first_response_hours": 1.0, "resolution_hours": 8.0}
    body = {"first_response_hours": 2, "resolution_hours": 10}
    assert client.put("/api/sla/targets/URGENT/", json=body, headers=auth(agent)).status_code == 403
    r = client.put("/api/sla/targets/URGENT/", json=body, headers=auth(admin))
    assert r.status_code == 200 and r.json["first_response_hours"] == 2.0
    assert client.get("/api/sla/targets/", headers=auth(agent)).json[0]["resolution_hours"] == 10.0


@pytest.mark.parametrize(
    ("priority", "body"),
    [
        ("URGENT", {"first_response_hours": 0, "resolution_hours": 1}),
        ("URGENT", {"first_response_hours": 1}),
        ("URGENT", {"first_response_hours": "soon", "resolution_hours": 1}),
        ("SOMEDAY", {"first_response_hours": 1, "resolution_hours": 1}),
    ],
)
def test_bad_targets_are_422(client, admin, auth, priority, body):
    r = client.put(f"/api/sla/targets/{priority}/", json=body, headers=auth(admin))
    assert r.status_code == 422 and r.is_json


def test_a_ticket_keeps_the_targets_it_was_created_under(client, agent, admin, auth, clock):
    first = _create(client, auth(agent), priority="HIGH")
    assert first["first_response_due_at"].startswith("2024-05-06T13:00:00")
    assert first["resolution_due_at"].startswith("2024-05-07T09:00:00")
    client.put(
        "/api/sla/targets/HIGH/", json={"first_response_hours": 1, "resolution_hours": 2}, headers=auth(admin)
    )
    second = _create(client, auth(agent), priority="HIGH")
    assert second["first_response_due_at"].startswith("2024-05-06T10:00:00")
    again = client.get(f"/api/tickets/{first['id']}/", headers=auth(agent)).json
    assert again["first_response_due_at"] == first["first_response_due_at"]


def test_met_breached_and_pending_on_the_ticket(client, agent, requester, auth, clock):
    ticket = _create(client, auth(requester), priority="URGENT")  # 1 h to respond, 8 h to resolve
    assert (ticket["first_response_sla"], ticket["resolution_sla"]) == ("pending", "pending")
    clock["now"] = T0 + timedelta(minutes=30)
    client.post(f"/api/tickets/{ticket['id']}/assign/", json={"assigned_to": agent.id}, headers=auth(agent))
    clock["now"] = T0 + timedelta(hours=9)  # resolution overdue while still waiting
    body = client.get(f"/api/tickets/{ticket['id']}/", headers=auth(agent)).json
    assert (body["first_response_sla"], body["resolution_sla"]) == ("met", "breached")
    client.post(f"/api/tickets/{ticket['id']}/transition/", json={"status": "RESOLVED"}, headers=auth(agent))
    body = client.get(f"/api/tickets/{ticket['id']}/", headers=auth(agent)).json
    assert body["resolution_sla"] == "breached"  # resolved late stays breached


def test_sla_report_counts_due_met_and_breached(client, agent, admin, requester, auth, clock):
    fast = _create(client, auth(requester), priority="URGENT", title="fast")
    slow = _create(client, auth(requester), priority="URGENT", title="slow")
    _create(client, auth(requester), priority="LOW", title="not due yet")  # due after the window
    clock["now"] = T0 + timedelta(minutes=20)
    client.post(f"/api/tickets/{fast['id']}/transition/", json={"status": "RESOLVED"}, headers=auth(agent))
    clock["now"] = T0 + timedelta(hours=2)
    client.post(f"/api/tickets/{slow['id']}/assign/", json={"assigned_to": agent.id}, headers=auth(agent))
    clock["now"] = T0 + timedelta(hours=12)  # the LOW ticket's response is due at 24 h
    for headers, params in ((auth(agent), {"days": 7}), (auth(admin), {"days": 7, "exact": "true"})):
        body = client.get("/api/analytics/sla/", query_string=params, headers=headers).json
        assert body["first_response"] == {"due": 2, "met": 1, "breached": 1, "compliance_rate": 0.5}
        assert body["resolution"] == {"due": 2, "met": 1, "breached": 1, "compliance_rate": 0.5}
        low = next(p for p in body["by_priority"] if p["priority"] == "LOW")
        assert low["first_response"]["due"] == 0 and low["first_response"]["compliance_rate"] is None
    assert body["source"] == "tickets"


def test_at_risk_lists_waiting_tickets_soonest_due_first(client, agent, requester, auth, clock):
    urgent = _create(client, auth(requester), priority="URGENT")
    low = _create(client, auth(requester), priority="LOW")
    clock["now"] = T0 + timedelta(hours=2)  # urgent response (1 h) overdue; its resolution due at 8 h
    r = client.get("/api/analytics/sla/at-risk/", query_string={"hours": 6.5}, headers=auth(agent))
    assert r.status_code == 200
    items = [(i["ticket"]["id"], i["target"], i["overdue"]) for i in r.json["items"]]
    assert items == [(urgent["id"], "first_response", True), (urgent["id"], "resolution", False)]
    r = client.get("/api/analytics/sla/at-risk/", query_string={"hours": 24, "limit": 1}, headers=auth(agent))
    assert r.json["total"] == 3 and len(r.json["items"]) == 1
    client.post(f"/api/tickets/{low['id']}/transition/", json={"status": "CLOSED"}, headers=auth(requester))
    r = client.get("/api/analytics/sla/at-risk/", query_string={"hours": 1000}, headers=auth(agent))
    assert low["id"] not in {i["ticket"]["id"] for i in r.json["items"]}
    assert client.get("/api/analytics/sla/at-risk/", headers=auth(requester)).status_code == 403
    assert client.get("/api/analytics/sla/at-risk/?hours=-1", headers=auth(agent)).status_code == 422


def test_tickets_from_before_the_targets_have_none(client, agent, auth, make_ticket):
    ticket = make_ticket()
    body = client.get(f"/api/tickets/{ticket.id}/", headers=auth(agent)).json
    assert body["first_response_due_at"] is None and body["first_response_sla"] is None
    assert db.session.get(Ticket, ticket.id).resolution_due_at is None


def test_due_times_go_in_the_tickets_insert_not_an_update_after_it(app, client, agent, auth):
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()[:3]).upper())

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        created = _create(client, auth(agent), priority="URGENT", category="billing")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert statements.count("INSERT INTO TICKETS") == 1
    assert not [s for s in statements if s.startswith("UPDATE TICKETS")]
    assert created["first_response_due_at"] and created["resolution_due_at"]
