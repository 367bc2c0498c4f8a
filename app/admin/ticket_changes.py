"""Turn an admin ticket form into the same service calls (and TicketEvent rows) the API makes."""

from __future__ import annotations

from typing import Any

from app.auth.models import User
from app.extensions import db
from app.tickets import service
from app.tickets.models import Ticket
from app.tickets.workflow import check_transition

EDITABLE = ("title", "description", "priority", "category")


def _field_changes(ticket: Ticket, data: dict[str, Any]) -> dict[str, Any]:
    wanted = {field: data[field] or None for field in EDITABLE if field in data}
    return {field: value for field, value in wanted.items() if value != getattr(ticket, field)}


def create_from_form(*, actor: User, data: dict[str, Any]) -> Ticket:
    """Create a ticket filed by the admin through service.create_ticket."""
    fields = {field: data.get(field) or None for field in (*EDITABLE, "status")}
    payload = {key: value for key, value in fields.items() if value is not None}
    payload["assigned_to"] = data.get("assigned_to_id")
    return service.create_ticket(user=actor, data=payload)


def apply_form(*, actor: User, ticket: Ticket, data: dict[str, Any]) -> Ticket:
    """Apply an edit form (fields, assignee, then status) through the services in one transaction.

    The workflow is checked up front so a refused status change fails before anything is flushed;
    any domain error rolls the whole form back.
    """
    status = data.get("status") or ticket.status
    if status != ticket.status:
        check_transition(ticket.status, status)
    assignee_id = data.get("assigned_to_id", ticket.assigned_to_id)
    if assignee_id != ticket.assigned_to_id:
        service.assign_ticket(user=actor, ticket=ticket, assignee_id=assignee_id, commit=False)
    if changes := _field_changes(ticket, data):
        service.update_ticket(user=actor, ticket=ticket, changes=changes, commit=False)
    if status != ticket.status:
        service.transition_ticket(user=actor, ticket=ticket, status=status, commit=False)
    db.session.commit()
    return ticket
