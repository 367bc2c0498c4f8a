"""The workflow table and the resolved_at rules, through the API."""

import pytest

from app.tickets.workflow import TRANSITIONS

ALL = ("OPEN", "IN_PROGRESS", "RESOLVED", "CLOSED")
ALLOWED = {
    ("OPEN", "IN_PROGRESS"),
    ("OPEN", "RESOLVED"),
    ("OPEN", "CLOSED"),
    ("IN_PROGRESS", "OPEN"),
    ("IN_PROGRESS", "RESOLVED"),
    ("IN_PROGRESS", "CLOSED"),
    ("RESOLVED", "CLOSED"),
    ("RESOLVED", "IN_PROGRESS"),
    ("RESOLVED", "OPEN"),
    ("CLOSED", "OPEN"),
}


def test_table_matches_the_documented_workflow():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_transition_is_allowed_or_409(client, agent, auth, make_ticket, current, target):
    ticket = make_ticket(status=current)
    r = client.post(f"/api/tickets/{ticket.id}/transition/", json={"status": target}, headers=auth(agent))
    if (current, target) in ALLOWED:
        assert r.status_code == 200, r.json
        assert r.json["status"] == target
    else:
        assert r.status_code == 409
        assert r.json["errors"]["allowed"] == list(TRANSITIONS[current])
        assert current in r.json["message"] and target in r.json["message"]


def _move(client, headers, ticket_id, status):
    r = client.post(f"/api/tickets/{ticket_id}/transition/", json={"status": status}, headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_resolved_at_is_set_kept_on_close_and_cleared_on_reopen(client, agent, auth, make_ticket):
    h = auth(agent)
    ticket = make_ticket()
    resolved = _move(client, h, ticket.id, "RESOLVED")["resolved_at"]
    assert resolved is not None
    assert _move(client, h, ticket.id, "CLOSED")["resolved_at"] == resolved
    assert _move(client, h, ticket.id, "OPEN")["resolved_at"] is None
    assert _move(client, h, ticket.id, "IN_PROGRESS")["resolved_at"] is None
    assert _move(client, h, ticket.id, "CLOSED")["resolved_at"] is not None


def test_reopening_a_resolved_ticket_clears_resolved_at(client, agent, auth, make_ticket):
    h = auth(agent)
    ticket = make_ticket()
    _move(client, h, ticket.id, "RESOLVED")
    assert _move(client, h, ticket.id, "IN_PROGRESS")["resolved_at"] is None


@pytest.mark.parametrize(
    "status,resolved", [("OPEN", False), ("IN_PROGRESS", False), ("RESOLVED", True), ("CLOSED", True)]
)
def test_created_status_sets_resolved_at_to_created_at(client, agent, auth, status, resolved):
    body = {"title": "Printer on fire", "description": "It is on fire.", "status": status}
    r = client.post("/api/tickets/", json=body, headers=auth(agent))
    assert r.status_code == 201
    assert (r.json["resolved_at"] == r.json["created_at"]) if resolved else r.json["resolved_at"] is None


def test_transition_writes_an_event_with_actor(client, agent, auth, make_ticket):
    ticket = make_ticket()
    _move(client, auth(agent), ticket.id, "IN_PROGRESS")
    events = client.get(f"/api/tickets/{ticket.id}/events/", headers=auth(agent)).json
    assert events[-1]["kind"] == "status"
    assert (events[-1]["from_value"], events[-1]["to_value"]) == ("OPEN", "IN_PROGRESS")
    assert events[-1]["actor"] == {"id": agent.id, "username": "agent"}


def test_transition_honours_if_match_when_sent(client, agent, auth, make_ticket):
    h = auth(agent)
    ticket = make_ticket()
    etag = client.get(f"/api/tickets/{ticket.id}/", headers=h).headers["ETag"]
    client.post(f"/api/tickets/{ticket.id}/assign/", json={"assigned_to": agent.id}, headers=h)
    r = client.post(
        f"/api/tickets/{ticket.id}/transition/", json={"status": "RESOLVED"}, headers={**h, "If-Match": etag}
    )
    assert r.status_code == 412
    fresh = client.get(f"/api/tickets/{ticket.id}/", headers=h).headers["ETag"]
    r = client.post(
        f"/api/tickets/{ticket.id}/transition/", json={"status": "RESOLVED"}, headers={**h, "If-Match": fresh}
    )
    assert r.status_code == 200
