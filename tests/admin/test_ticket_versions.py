"""Admin ticket edits are based on a version: a form opened before someone else's change is refused."""

from __future__ import annotations

import re
from html import unescape

import sqlalchemy as sa

from app.extensions import db
from app.tickets.models import Ticket, TicketEvent
from tests.helpers.forms import csrf_token

VERSION_INPUT = re.compile(
    r'<input[^>]*name="version"[^>]*value="(\d+)"|<input[^>]*value="(\d+)"[^>]*name="version"'
)


def _open_form(client, ticket_id: int) -> dict[str, str]:
    """What a browser would submit unchanged: the fields as shown, the hidden version and the CSRF token."""
    html = client.get(f"/admin/ticket/edit/?id={ticket_id}").get_data(as_text=True)
    version = VERSION_INPUT.search(html)
    assert version, "the edit form carries the ticket's version"
    ticket = db.session.get(Ticket, ticket_id)
    return {
        "csrf_token": csrf_token(html),
        "version": version.group(1) or version.group(2),
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category or "",
        "assigned_to_id": str(ticket.assigned_to_id or ""),
    }


def _kinds(ticket_id: int) -> list[str]:
    query = sa.select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    return list(db.session.scalars(query))


def test_a_form_opened_before_another_change_is_refused_and_overwrites_nothing(
    app, admin_client, agent, make_ticket, auth
):
    ticket = make_ticket(title="Original title", priority="LOW")
    with app.app_context():
        form = _open_form(admin_client, ticket.id)
    headers = auth(agent)
    etag = admin_client.get(f"/api/tickets/{ticket.id}/", headers=headers).headers["ETag"]
    retitled = admin_client.patch(
        f"/api/tickets/{ticket.id}/", json={"title": "Agent's title"}, headers={**headers, "If-Match": etag}
    )
    assert retitled.status_code == 200
    resolved = admin_client.post(
        f"/api/tickets/{ticket.id}/transition/", json={"status": "RESOLVED"}, headers=headers
    )
    assert resolved.status_code == 200
    with app.app_context():
        response = admin_client.post(
            f"/admin/ticket/edit/?id={ticket.id}", data={**form, "priority": "URGENT"}, follow_redirects=True
        )
    page = unescape(response.get_data(as_text=True))
    assert "was changed by someone else after you opened this form" in page
    db.session.expire_all()
    kept = db.session.get(Ticket, ticket.id)
    assert (kept.title, kept.status, kept.priority) == ("Agent's title", "RESOLVED", "LOW")


def test_a_current_form_writes_only_the_fields_the_admin_changed(app, admin_client, make_ticket):
    ticket = make_ticket(priority="LOW")
    with app.app_context():
        form = _open_form(admin_client, ticket.id)
        response = admin_client.post(
            f"/admin/ticket/edit/?id={ticket.id}", data={**form, "priority": "HIGH"}, follow_redirects=True
        )
    assert "Record was successfully saved." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).priority == "HIGH"
    assert _kinds(ticket.id) == ["priority"]


def test_a_form_without_a_version_is_refused(app, admin_client, make_ticket):
    ticket = make_ticket(priority="LOW")
    with app.app_context():
        form = _open_form(admin_client, ticket.id)
        form.pop("version")
        response = admin_client.post(
            f"/admin/ticket/edit/?id={ticket.id}", data={**form, "priority": "HIGH"}, follow_redirects=True
        )
    assert "Nothing was saved" in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).priority == "LOW"
