"""What each role may see and do with tickets."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def other(make_user):
    return make_user(role="requester", username="other")


def test_requester_sees_only_their_own_tickets(client, requester, other, auth, make_ticket):
    mine = make_ticket(created_by=requester)
    theirs = make_ticket(created_by=other)
    r = client.get("/api/tickets/", headers=auth(requester))
    assert [t["id"] for t in r.json] == [mine.id]
    for path in ("", "events/"):
        r = client.get(f"/api/tickets/{theirs.id}/{path}", headers=auth(requester))
        assert r.status_code == 404, "another user's ticket must look like it does not exist"


def test_requester_edits_title_description_priority_of_own_ticket(client, requester, auth, make_ticket):
    h = auth(requester)
    ticket = make_ticket(created_by=requester)
    etag = client.get(f"/api/tickets/{ticket.id}/", headers=h).headers["ETag"]
    r = client.patch(
        f"/api/tickets/{ticket.id}/",
        json={"title": "Better title", "priority": "HIGH"},
        headers={**h, "If-Match": etag},
    )
    assert r.status_code == 200 and r.json["title"] == "Better title"
    etag = r.headers["ETag"]
    r = client.patch(f"/api/tickets/{ticket.id}/", json={"category": "bug"}, headers={**h, "If-Match": etag})
    assert r.status_code == 403


def test_requester_cannot_touch_others_tickets(client, requester, other, auth, make_ticket):
    theirs = make_ticket(created_by=other)
    h = {**auth(requester), "If-Match": '"whatever"'}
    assert client.patch(f"/api/tickets/{theirs.id}/", json={"title": "x"}, headers=h).status_code == 404
    assert client.delete(f"/api/tickets/{theirs.id}/", headers=h).status_code == 404
    r = client.post(
        f"/api/tickets/{theirs.id}/transition/", json={"status": "CLOSED"}, headers=auth(requester)
    )
    assert r.status_code == 404


def test_requester_may_close_but_not_otherwise_transition_or_assign(
    client, requester, agent, auth, make_ticket
):
    h = auth(requester)
    ticket = make_ticket(created_by=requester)
    r = client.post(f"/api/tickets/{ticket.id}/transition/", json={"status": "RESOLVED"}, headers=h)
    assert r.status_code == 403
    r = client.post(f"/api/tickets/{ticket.id}/assign/", json={"assigned_to": agent.id}, headers=h)
    assert r.status_code == 403
    r = client.post(f"/api/tickets/{ticket.id}/transition/", json={"status": "CLOSED"}, headers=h)
    assert r.status_code == 200 and r.json["status"] == "CLOSED"


def test_requester_cannot_delete_own_ticket(client, requester, auth, make_ticket):
    h = auth(requester)
    ticket = make_ticket(created_by=requester)
    etag = client.get(f"/api/tickets/{ticket.id}/", headers=h).headers["ETag"]
    assert client.delete(f"/api/tickets/{ticket.id}/", headers={**h, "If-Match": etag}).status_code == 403


def test_agent_sees_and_works_all_tickets(client, agent, other, auth, make_ticket):
    ticket = make_ticket(created_by=other)
    h = auth(agent)
    assert client.get(f"/api/tickets/{ticket.id}/", headers=h).status_code == 200
    r = client.post(f"/api/tickets/{ticket.id}/transition/", json={"status": "IN_PROGRESS"}, headers=h)
    assert r.status_code == 200


def test_deactivated_user_is_locked_out(client, auth, make_ticket):
    user = UserFactory.create(role="agent")
    headers = auth(user)
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    user.is_active = False
    from app.extensions import db

    db.session.commit()
    assert client.get("/api/tickets/", headers=headers).status_code == 401
