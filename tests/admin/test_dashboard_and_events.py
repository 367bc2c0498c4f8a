"""The dashboard numbers, extra cards from other packages, and the read-only events view."""

from __future__ import annotations

import re
from datetime import timedelta

from app.admin.dashboard import CARDS_EXTENSION, dashboard_stats
from app.timeutil import utcnow
from tests.admin.test_tickets import save


def cards(html: str) -> dict[str, str]:
    card = r'<div class="display-4">(.*?)</div>\s*<div class="text-muted">(.*?)</div>'
    pairs = re.findall(card, html, re.S)
    return {label.strip(): value.strip() for value, label in pairs}


def test_dashboard_counts(admin_client, make_ticket, agent):
    old = utcnow() - timedelta(days=30)
    make_ticket(status="OPEN")
    make_ticket(status="OPEN", assigned_to=agent)
    make_ticket(status="IN_PROGRESS", created_at=old)
    make_ticket(status="CLOSED", created_at=old)
    stats = dashboard_stats()
    assert stats.open_by_status == {"OPEN": 2, "IN_PROGRESS": 1}
    assert (stats.unassigned_open, stats.created_recently) == (2, 2)
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert (
        cards(html).items()
        >= {"Open tickets": "3", "Unassigned open tickets": "2", "Created in the last 7 days": "2"}.items()
    )
    assert "/admin/ticket/?flt0_0=IN_PROGRESS" in html


def test_the_dashboard_links_filter_the_ticket_list(admin_client, make_ticket):
    make_ticket(title="working", status="IN_PROGRESS")
    make_ticket(title="waiting", status="OPEN")
    html = admin_client.get("/admin/ticket/?flt0_0=IN_PROGRESS").get_data(as_text=True)
    assert "working" in html and "waiting" not in html


def test_the_dashboard_renders_cards_registered_by_other_packages(app, admin_client):
    def model_version() -> tuple[str, str]:
        return "Production model", "ticket-classifier v3"

    def broken() -> tuple[str, str]:
        raise RuntimeError("registry unreachable")

    registered = app.extensions[CARDS_EXTENSION]
    app.extensions[CARDS_EXTENSION] = [model_version, broken]
    try:
        shown = cards(admin_client.get("/admin/").get_data(as_text=True))
    finally:
        app.extensions[CARDS_EXTENSION] = registered
    assert shown["Production model"] == "ticket-classifier v3"
    assert "unavailable" in shown.values()


def test_events_view_lists_history_read_only(admin_client, admin, make_ticket):
    first, second = make_ticket(priority="LOW"), make_ticket(priority="LOW")
    save(admin_client, first, priority="HIGH")
    save(admin_client, second, status="IN_PROGRESS")
    html = admin_client.get(f"/admin/ticket_event/?flt0_0={first.id}").get_data(as_text=True)
    kinds = re.findall(r'<td class="col-kind">\s*(.*?)\s*</td>', html)
    assert kinds == ["priority"]
    assert re.search(r'<td class="col-actor">\s*admin\s*</td>', html)
    all_kinds = re.findall(
        r'<td class="col-kind">\s*(.*?)\s*</td>',
        admin_client.get("/admin/ticket_event/?flt0_1=status").get_data(as_text=True),
    )
    assert all_kinds == ["status"]
    for url in ("/admin/ticket_event/new/", "/admin/ticket_event/edit/?id=1"):
        assert admin_client.get(url).status_code == 302, "no create or edit"
    assert 'action="/admin/ticket_event/delete/"' not in html


def test_events_and_tokens_cannot_be_changed_by_form_posts(admin_client, admin, make_ticket):
    import sqlalchemy as sa

    from app.auth import service as auth_service
    from app.auth.models import ApiToken
    from app.extensions import db
    from app.tickets.models import TicketEvent
    from tests.helpers.forms import post_form

    ticket = make_ticket(priority="LOW")
    save(admin_client, ticket, priority="HIGH")
    token, _ = auth_service.issue_token(user=admin, name="keep")
    # Flask-Admin's CSRF token belongs to the session, so one from the tickets page is valid here too.
    post_form(admin_client, "/admin/ticket_event/delete/", {"id": "1"}, form_page="/admin/ticket/")
    post_form(
        admin_client, f"/admin/api_token/edit/?id={token.id}", {"name": "renamed"}, form_page="/admin/ticket/"
    )
    post_form(admin_client, "/admin/api_token/delete/", {"id": str(token.id)}, form_page="/admin/ticket/")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent)) == 1
    assert db.session.get(ApiToken, token.id).name == "keep"
