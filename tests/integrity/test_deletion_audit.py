"""Deleting a ticket keeps an audit record (who, when, the ticket and its events) that only admins read."""

from __future__ import annotations

from tests.helpers.forms import post_form


def _delete_via_api(client, ticket_id: int, headers: dict[str, str]):
    etag = client.get(f"/api/tickets/{ticket_id}/", headers=headers).headers["ETag"]
    return client.delete(f"/api/tickets/{ticket_id}/", headers={**headers, "If-Match": etag})


def test_an_api_deletion_is_recorded_with_the_ticket_and_its_events(client, admin, agent, make_ticket, auth):
    ticket = make_ticket(title="Wrong tenant")
    ticket_id = ticket.id
    moved = client.post(
        f"/api/tickets/{ticket_id}/transition/", json={"status": "IN_PROGRESS"}, headers=auth(agent)
    )
    assert moved.status_code == 200
    assert _delete_via_api(client, ticket_id, auth(admin)).status_code == 204
    listed = client.get("/api/audit/deletions/", headers=auth(admin))
    assert listed.status_code == 200
    [record] = listed.get_json()
    assert (record["kind"], record["object_id"]) == ("ticket", ticket_id)
    assert record["deleted_by"] == {"id": admin.id, "username": admin.username}
    assert record["deleted_at"]
    snapshot = record["snapshot"]
    assert (snapshot["title"], snapshot["status"], snapshot["version"]) == ("Wrong tenant", "IN_PROGRESS", 2)
    assert [(e["kind"], e["from_value"], e["to_value"]) for e in snapshot["events"]] == [
        ("status", "OPEN", "IN_PROGRESS")
    ]
    one = client.get(f"/api/audit/deletions/{record['id']}/", headers=auth(admin))
    assert one.get_json() == record


def test_an_admin_site_deletion_is_recorded(client, admin_client, admin, make_ticket, auth):
    ticket_id = make_ticket().id
    response = post_form(
        admin_client, "/admin/ticket/delete/", {"id": str(ticket_id)}, form_page="/admin/ticket/"
    )
    assert "Record was successfully deleted." in response.get_data(as_text=True)
    listed = client.get(f"/api/audit/deletions/?kind=ticket&object_id={ticket_id}", headers=auth(admin))
    assert [r["deleted_by"]["id"] for r in listed.get_json()] == [admin.id]


def test_only_admins_read_the_audit(client, agent, requester, auth):
    for user in (agent, requester):
        assert client.get("/api/audit/deletions/", headers=auth(user)).status_code == 403
    assert client.get("/api/audit/deletions/").status_code == 401


def test_a_refused_deletion_leaves_no_record(client, admin, agent, make_ticket, auth):
    ticket_id = make_ticket().id
    assert _delete_via_api(client, ticket_id, auth(agent)).status_code == 403
    stale = client.delete(f"/api/tickets/{ticket_id}/", headers={**auth(admin), "If-Match": '"stale"'})
    assert stale.status_code == 412
    assert client.get("/api/audit/deletions/", headers=auth(admin)).get_json() == []


def test_admin_site_deletion_page(client, admin_client, admin, make_ticket, auth):
    """The admin site lists deletions and shows each one's snapshot, escaped and read-only."""
    ticket_id = make_ticket(title="Sent to the <wrong> desk").id
    assert _delete_via_api(client, ticket_id, auth(admin)).status_code == 204
    listing = admin_client.get("/admin/deletion/").get_data(as_text=True)
    assert "Sent to the &lt;wrong&gt; desk" in listing and admin.username in listing
    record_id = client.get("/api/audit/deletions/", headers=auth(admin)).get_json()[0]["id"]
    details = admin_client.get(f"/admin/deletion/details/?id={record_id}").get_data(as_text=True)
    assert "&#34;title&#34;: &#34;Sent to the &lt;wrong&gt; desk&#34;" in details
    assert "<wrong>" not in details
    assert admin_client.get(f"/admin/deletion/edit/?id={record_id}").status_code == 302  # read-only
