"""Tickets in the admin: list, search, filters, sorting, paging, and edits that go through the services."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import sqlalchemy as sa

from app.extensions import db
from app.tickets.models import Ticket, TicketEvent
from tests.helpers.forms import post_form

# Flask-Admin filter arguments are flt<n>_<index in TicketView.column_filters>.
STATUS, PRIORITY, CATEGORY, CATEGORY_EMPTY, ASSIGNEE, ASSIGNEE_EMPTY, CREATED_BETWEEN = range(7)


def listed_titles(html: str) -> list[str]:
    cells = re.findall(r'<td class="col-title">\s*(.*?)\s*</td>', html, re.S)
    return [unescape(cell) for cell in cells]


def titles(client, query: str) -> list[str]:
    response = client.get(f"/admin/ticket/?{query}")
    assert response.status_code == 200
    return listed_titles(response.get_data(as_text=True))


def events(ticket_id: int) -> list[tuple]:
    query = (
        sa.select(
            TicketEvent.kind,
            TicketEvent.from_value,
            TicketEvent.to_value,
            TicketEvent.source,
            TicketEvent.actor_id,
        )
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.id)
    )
    return [tuple(row) for row in db.session.execute(query)]


def edit_form(ticket: Ticket, **changes) -> dict:
    form = {
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category or "",
        "assigned_to_id": str(ticket.assigned_to_id) if ticket.assigned_to_id else "",
        "version": str(ticket.version),  # the hidden field: the version the form was based on
    }
    return {**form, **changes}


def save(client, ticket: Ticket, **changes):
    url = f"/admin/ticket/edit/?id={ticket.id}"
    response = post_form(client, url, edit_form(ticket, **changes))
    db.session.expire_all()
    return response


def test_search_matches_title_and_description(admin_client, make_ticket):
    make_ticket(title="Printer on fire", description="Smoke everywhere")
    make_ticket(title="Invoice wrong", description="The printer charge is doubled")
    make_ticket(title="Cannot log in", description="Password reset loops")
    assert sorted(titles(admin_client, "search=printer")) == ["Invoice wrong", "Printer on fire"]
    assert titles(admin_client, "search=reset") == ["Cannot log in"]


def test_filters_by_status_priority_and_category(admin_client, make_ticket):
    make_ticket(title="a", status="OPEN", priority="LOW", category="bug", category_source="human")
    make_ticket(
        title="b", status="IN_PROGRESS", priority="URGENT", category="billing", category_source="model"
    )
    make_ticket(title="c", status="CLOSED", priority="URGENT")
    assert titles(admin_client, f"flt0_{STATUS}=IN_PROGRESS") == ["b"]
    assert sorted(titles(admin_client, f"flt0_{PRIORITY}=URGENT")) == ["b", "c"]
    assert titles(admin_client, f"flt0_{CATEGORY}=bug") == ["a"]
    assert titles(admin_client, f"flt0_{CATEGORY_EMPTY}=1") == ["c"]
    assert titles(admin_client, f"flt0_{PRIORITY}=URGENT&flt1_{STATUS}=CLOSED") == ["c"]


def test_filters_by_assignee_and_unassigned(admin_client, make_ticket, make_user):
    alice = make_user(role="agent", username="alice")
    make_user(role="agent", username="bob")
    make_ticket(title="hers", assigned_to=alice)
    make_ticket(title="nobody's")
    page = admin_client.get("/admin/ticket/").get_data(as_text=True)
    assert "alice" in page and "bob" in page, "assignee filter options list the staff"
    assert titles(admin_client, f"flt0_{ASSIGNEE}={alice.id}") == ["hers"]
    assert titles(admin_client, f"flt0_{ASSIGNEE_EMPTY}=1") == ["nobody's"]


def test_filters_by_created_range(admin_client, make_ticket):
    make_ticket(title="old", created_at=datetime(2024, 1, 10, 12, tzinfo=UTC))
    make_ticket(title="mid", created_at=datetime(2024, 2, 10, 12, tzinfo=UTC))
    make_ticket(title="new", created_at=datetime(2024, 3, 10, 12, tzinfo=UTC))
    span = "2024-02-01 00:00:00 to 2024-02-28 23:59:59"
    assert titles(admin_client, f"flt0_{CREATED_BETWEEN}={span}") == ["mid"]
    assert sorted(titles(admin_client, "flt0_7=2024-02-01 00:00:00")) == ["mid", "new"]
    assert sorted(titles(admin_client, "flt0_8=2024-02-01 00:00:00")) == ["old"]


def test_sorting_and_pagination(admin_client, make_ticket):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(25):
        make_ticket(title=f"T{n:02d}", created_at=start + timedelta(hours=n))
    first = titles(admin_client, "")
    assert first == [f"T{n:02d}" for n in range(24, 4, -1)], "newest first, 20 a page"
    assert titles(admin_client, "page=1") == [f"T{n:02d}" for n in range(4, -1, -1)]
    by_title = titles(admin_client, "sort=1&page_size=50")  # column 1 of column_list is the title
    assert by_title == sorted(by_title) and len(by_title) == 25
    assert titles(admin_client, "sort=1&desc=1")[0] == "T24"


def test_editing_priority_writes_a_priority_event_by_the_admin(admin_client, admin, make_ticket, auth):
    ticket = make_ticket(priority="LOW")
    response = save(admin_client, ticket, priority="URGENT")
    assert "Record was successfully saved." in response.get_data(as_text=True)
    assert events(ticket.id) == [("priority", "LOW", "URGENT", None, admin.id)]
    api = admin_client.get(f"/api/tickets/{ticket.id}/", headers=auth(admin))
    assert api.get_json()["priority"] == "URGENT"


def test_editing_title_and_description_writes_one_edited_event(admin_client, admin, make_ticket):
    ticket = make_ticket(title="Old", description="Old text")
    save(admin_client, ticket, title="New", description="New text")
    assert (ticket.title, ticket.description) == ("New", "New text")
    assert events(ticket.id) == [("edited", None, "title,description", None, admin.id)]


def test_category_edits_are_human_labels(admin_client, admin, make_ticket):
    ticket = make_ticket(category="billing", category_source="model")
    save(admin_client, ticket, category="bug")
    assert (ticket.category, ticket.category_source) == ("bug", "human")
    assert events(ticket.id) == [("category", "billing", "bug", "human", admin.id)]


def test_assigning_and_unassigning_write_assignment_events(admin_client, admin, agent, make_ticket):
    ticket = make_ticket()
    save(admin_client, ticket, assigned_to_id=str(agent.id))
    assert ticket.assigned_to_id == agent.id
    edit_page = admin_client.get(f"/admin/ticket/edit/?id={ticket.id}").get_data(as_text=True)
    assert f'<option selected value="{agent.id}">agent</option>' in edit_page
    save(admin_client, ticket, assigned_to_id="")
    assert ticket.assigned_to_id is None
    assert events(ticket.id) == [
        ("assignment", None, str(agent.id), None, admin.id),
        ("assignment", str(agent.id), None, None, admin.id),
    ]


def test_status_changes_follow_the_workflow_and_set_resolved_at(admin_client, admin, make_ticket):
    ticket = make_ticket(status="OPEN")
    save(admin_client, ticket, status="RESOLVED")
    assert ticket.status == "RESOLVED" and ticket.resolved_at is not None
    assert events(ticket.id) == [("status", "OPEN", "RESOLVED", None, admin.id)]


def test_an_invalid_transition_is_shown_and_nothing_is_written(admin_client, make_ticket, agent):
    ticket = make_ticket(status="CLOSED", priority="LOW", title="Keep me")
    response = save(
        admin_client,
        ticket,
        status="IN_PROGRESS",
        priority="URGENT",
        title="Changed",
        assigned_to_id=str(agent.id),
    )
    page = response.get_data(as_text=True)
    assert "Cannot move a ticket from CLOSED to IN_PROGRESS." in page
    assert "Allowed from CLOSED: OPEN." in page
    unchanged = (ticket.status, ticket.priority, ticket.title, ticket.assigned_to_id)
    assert unchanged == ("CLOSED", "LOW", "Keep me", None)
    assert events(ticket.id) == []


def test_an_inactive_assignee_is_refused_and_nothing_is_written(admin_client, make_ticket, make_user):
    retired = make_user(role="agent", username="retired", is_active=False)
    ticket = make_ticket(priority="LOW")
    page = save(admin_client, ticket, assigned_to_id=str(retired.id), priority="HIGH").get_data(as_text=True)
    assert "The assignee must be an active agent or admin." in page
    assert (ticket.assigned_to_id, ticket.priority) == (None, "LOW")
    assert events(ticket.id) == []


def test_saving_an_unchanged_form_writes_nothing(admin_client, make_ticket):
    ticket = make_ticket()
    before = ticket.updated_at
    save(admin_client, ticket)
    assert events(ticket.id) == [] and ticket.updated_at == before


def test_creating_a_ticket_goes_through_the_service(admin_client, admin, agent):
    form = {
        "title": "Made in admin",
        "description": "Details",
        "status": "OPEN",
        "priority": "HIGH",
        "category": "account",
        "assigned_to_id": str(agent.id),
    }
    response = post_form(admin_client, "/admin/ticket/new/", form)
    assert "Record was successfully created." in response.get_data(as_text=True)
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.title == "Made in admin"))
    assert (ticket.created_by_id, ticket.priority, ticket.category_source) == (admin.id, "HIGH", "human")
    assert events(ticket.id) == [
        ("created", None, "OPEN", None, admin.id),
        ("category", None, "account", "human", admin.id),
        ("assignment", None, str(agent.id), None, admin.id),
    ]


def test_deleting_a_ticket_removes_it_and_its_history(admin_client, make_ticket):
    ticket = make_ticket()
    save(admin_client, ticket, priority="HIGH")
    ticket_id = ticket.id
    response = post_form(
        admin_client, "/admin/ticket/delete/", {"id": str(ticket_id)}, form_page="/admin/ticket/"
    )
    assert "Record was successfully deleted." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id) is None
    assert events(ticket_id) == []
