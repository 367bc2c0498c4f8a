"""Creating, reading, editing, assigning and deleting tickets through the API."""

import pytest

NEW = {"title": "Invoice shows the wrong VAT", "description": "The March invoice charges 25% instead of 20%."}


def _etag(client, headers, ticket_id):
    return client.get(f"/api/tickets/{ticket_id}/", headers=headers).headers["ETag"]


def test_create_returns_201_location_and_the_ticket(client, requester, auth):
    r = client.post("/api/tickets/", json=NEW, headers=auth(requester))
    assert r.status_code == 201
    body = r.json
    assert r.headers["Location"] == f"/api/tickets/{body['id']}/"
    assert body["status"] == "OPEN" and body["priority"] == "MEDIUM"
    assert body["created_by"] == {"id": requester.id, "username": "requester"}
    assert body["assigned_to"] is None and body["category"] is None and body["category_source"] is None
    assert body["created_at"].endswith("+00:00")


def test_create_without_trailing_slash_is_not_redirected(client, requester, auth):
    r = client.post("/api/tickets", json=NEW, headers=auth(requester))
    assert r.status_code == 201


@pytest.mark.parametrize(
    "body,field",
    [
        ({"description": "x"}, "title"),
        ({"title": "x"}, "description"),
        ({**NEW, "title": ""}, "title"),
        ({**NEW, "title": "   "}, "title"),
        ({**NEW, "title": "x" * 201}, "title"),
        ({**NEW, "description": "x" * 20_001}, "description"),
        ({**NEW, "priority": "CRITICAL"}, "priority"),
        ({**NEW, "category": "sales"}, "category"),
        ({**NEW, "id": 7}, "id"),
        ({**NEW, "created_by": 1}, "created_by"),
        ({**NEW, "resolved_at": "2026-01-01T00:00:00Z"}, "resolved_at"),
        ({**NEW, "colour": "red"}, "colour"),
    ],
)
def test_invalid_or_server_set_fields_are_422(client, agent, auth, body, field):
    r = client.post("/api/tickets/", json=body, headers=auth(agent))
    assert r.status_code == 422
    assert r.json["code"] == 422 and r.json["status"] == "Unprocessable Entity"
    assert field in r.json["errors"]["json"]


def test_malformed_json_is_a_json_400(client, agent, auth):
    r = client.post("/api/tickets/", data="{not json", content_type="application/json", headers=auth(agent))
    assert r.status_code == 400
    assert r.is_json and r.json["code"] == 400 and r.json["status"] == "Bad Request"


def test_agent_can_create_with_category_status_and_assignee(client, agent, auth):
    body = {**NEW, "category": "billing", "priority": "HIGH", "assigned_to": agent.id}
    r = client.post("/api/tickets/", json=body, headers=auth(agent))
    assert r.status_code == 201
    assert (r.json["category"], r.json["category_source"]) == ("billing", "human")
    assert r.json["assigned_to"]["id"] == agent.id
    kinds = [e["kind"] for e in client.get(f"/api/tickets/{r.json['id']}/events/", headers=auth(agent)).json]
    assert kinds == ["created", "category", "assignment"]


@pytest.mark.parametrize("extra", [{"category": "bug"}, {"status": "CLOSED"}, {"assigned_to": None}])
def test_requester_cannot_set_staff_fields_on_create(client, requester, auth, extra):
    r = client.post("/api/tickets/", json={**NEW, **extra}, headers=auth(requester))
    assert r.status_code == 403
    assert r.json["code"] == 403


def test_get_has_etag_and_honours_if_none_match(client, agent, auth, make_ticket):
    h = auth(agent)
    ticket = make_ticket()
    r = client.get(f"/api/tickets/{ticket.id}/", headers=h)
    assert r.status_code == 200 and r.headers["ETag"]
    again = client.get(f"/api/tickets/{ticket.id}/", headers={**h, "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_unknown_ticket_is_404_json(client, agent, auth):
    r = client.get("/api/tickets/999999/", headers=auth(agent))
    assert r.status_code == 404 and r.json["message"] == "Ticket 999999 not found."


def test_patch_requires_if_match_and_rejects_stale(client, agent, auth, make_ticket):
    h = auth(agent)
    ticket = make_ticket()
    assert client.patch(f"/api/tickets/{ticket.id}/", json={"priority": "HIGH"}, headers=h).status_code == 428
    etag = _etag(client, h, ticket.id)
    r = client.patch(f"/api/tickets/{ticket.id}/", json={"priority": "HIGH"}, headers={**h, "If-Match": etag})
    assert r.status_code == 200 and r.json["priority"] == "HIGH"
    assert r.headers["ETag"] != etag
    stale = client.patch(
        f"/api/tickets/{ticket.id}/", json={"priority": "LOW"}, headers={**h, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert client.get(f"/api/tickets/{ticket.id}/", headers=h).json["priority"] == "HIGH"


def test_put_replaces_editable_fields_and_records_events(client, agent, auth, make_ticket):
    h = auth(agent)
    ticket = make_ticket(category="bug", category_source="human")
    body = {"title": "New title", "description": "New text", "priority": "URGENT", "category": "billing"}
    r = client.put(
        f"/api/tickets/{ticket.id}/", json=body, headers={**h, "If-Match": _etag(client, h, ticket.id)}
    )
    assert r.status_code == 200
    assert {k: r.json[k] for k in body} == body
    events = client.get(f"/api/tickets/{ticket.id}/events/", headers=h).json
    by_kind = {e["kind"]: e for e in events}
    assert by_kind["edited"]["to_value"] == "title,description"
    assert (by_kind["priority"]["from_value"], by_kind["priority"]["to_value"]) == ("MEDIUM", "URGENT")
    assert (by_kind["category"]["from_value"], by_kind["category"]["to_value"]) == ("bug", "billing")
    assert by_kind["category"]["source"] == "human"


def test_put_missing_required_field_is_422(client, agent, auth, make_ticket):
    h = auth(agent)
    ticket = make_ticket()
    r = client.put(
        f"/api/tickets/{ticket.id}/",
        json={"title": "Only a title"},
        headers={**h, "If-Match": _etag(client, h, ticket.id)},
    )
    assert r.status_code == 422 and "description" in r.json["errors"]["json"]


def test_only_changing_a_model_category_makes_it_human(client, agent, auth, make_ticket):
    h = auth(agent)
    ticket = make_ticket(category="bug", category_source="model")
    r = client.patch(
        f"/api/tickets/{ticket.id}/",
        json={"category": "bug"},
        headers={**h, "If-Match": _etag(client, h, ticket.id)},
    )
    assert (r.json["category"], r.json["category_source"]) == ("bug", "model")  # sent back, not a label
    r = client.patch(
        f"/api/tickets/{ticket.id}/",
        json={"category": "account"},
        headers={**h, "If-Match": _etag(client, h, ticket.id)},
    )
    assert (r.json["category"], r.json["category_source"]) == ("account", "human")


def test_delete_is_admin_only_and_needs_if_match(client, agent, admin, auth, make_ticket):
    ticket = make_ticket()
    ha, hd = auth(agent), auth(admin)
    r = client.delete(f"/api/tickets/{ticket.id}/", headers={**ha, "If-Match": _etag(client, ha, ticket.id)})
    assert r.status_code == 403
    assert client.delete(f"/api/tickets/{ticket.id}/", headers=hd).status_code == 428
    r = client.delete(f"/api/tickets/{ticket.id}/", headers={**hd, "If-Match": _etag(client, hd, ticket.id)})
    assert r.status_code == 204
    assert client.get(f"/api/tickets/{ticket.id}/", headers=hd).status_code == 404


def test_assign_and_unassign(client, agent, admin, auth, make_ticket):
    h = auth(agent)
    ticket = make_ticket()
    r = client.post(f"/api/tickets/{ticket.id}/assign/", json={"assigned_to": admin.id}, headers=h)
    assert r.status_code == 200 and r.json["assigned_to"] == {"id": admin.id, "username": "admin"}
    r = client.post(f"/api/tickets/{ticket.id}/assign", json={"assigned_to": None}, headers=h)
    assert r.status_code == 200 and r.json["assigned_to"] is None
    events = [
        e
        for e in client.get(f"/api/tickets/{ticket.id}/events/", headers=h).json
        if e["kind"] == "assignment"
    ]
    assert [(e["from_value"], e["to_value"]) for e in events] == [
        (None, str(admin.id)),
        (str(admin.id), None),
    ]


@pytest.mark.parametrize("who", ["requester", "inactive_agent", "missing"])
def test_assignee_must_be_an_active_agent_or_admin(
    client, agent, requester, make_user, auth, make_ticket, who
):
    target = {
        "requester": lambda: requester.id,
        "inactive_agent": lambda: make_user(role="agent", is_active=False).id,
        "missing": lambda: 424242,
    }[who]()
    ticket = make_ticket()
    r = client.post(f"/api/tickets/{ticket.id}/assign/", json={"assigned_to": target}, headers=auth(agent))
    assert r.status_code == 422
    assert "assigned_to" in r.json["errors"]
    assert client.get(f"/api/tickets/{ticket.id}/", headers=auth(agent)).json["assigned_to"] is None


def test_assign_body_is_validated(client, agent, auth, make_ticket):
    ticket = make_ticket()
    r = client.post(f"/api/tickets/{ticket.id}/assign/", json={}, headers=auth(agent))
    assert r.status_code == 422 and "assigned_to" in r.json["errors"]["json"]
    r = client.post(f"/api/tickets/{ticket.id}/transition/", json={"status": "DONE"}, headers=auth(agent))
    assert r.status_code == 422 and "status" in r.json["errors"]["json"]


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("get", "/api/tickets/99999999999/", None),
        ("post", "/api/tickets/99999999999/transition/", {"status": "CLOSED"}),
        ("get", "/api/tickets/0/", None),
    ],
)
def test_ids_beyond_the_database_range_are_404(client, agent, auth, method, path, body):
    r = getattr(client, method)(path, json=body, headers=auth(agent))
    assert r.status_code == 404 and r.is_json


@pytest.mark.parametrize("value", [99999999999, -5, 0])
def test_assignee_ids_out_of_range_are_422(client, agent, auth, make_ticket, value):
    ticket = make_ticket()
    r = client.post(f"/api/tickets/{ticket.id}/assign/", json={"assigned_to": value}, headers=auth(agent))
    assert r.status_code == 422 and "assigned_to" in r.json["errors"]["json"]
    r = client.post("/api/tickets/", json={**NEW, "assigned_to": value}, headers=auth(agent))
    assert r.status_code == 422
