"""Turn an admin ticket form into the same service calls (and TicketEvent rows) the API makes."""

from __future__ import annotations

from typing import Any

from app.auth.models import User
from app.errors import PreconditionFailed
from app.tickets import service
from app.tickets.models import Priority, Status, Ticket
from app.tickets.workflow import check_transition

EDITABLE = ("title", "description", "priority", "category")


def _field_changes(ticket: Ticket, data: dict[str, Any]) -> dict[str, Any]:
    wanted = {field: data[field] or None for field in EDITABLE if field in data}
    return {field: value for field, value in wanted.items() if value != getattr(ticket, field)}


def create_from_form(*, actor: User, data: dict[str, Any]) -> Ticket:
    """Create a ticket filed by the admin through service.create_ticket (the caller commits)."""
    return service.create_ticket(
        user=actor,
        title=data["title"],
        description=data["description"],
        priority=data.get("priority") or Priority.MEDIUM,
        status=data.get("status") or Status.OPEN,
        category=data.get("category") or None,
        assigned_to=data.get("assigned_to_id"),
    )


CHANGED_MEANWHILE = (
    "Ticket {id} was changed by someone else after you opened this form (it is now at version {now}, "
    "the form was based on version {based_on}). Nothing was saved: "
    "reload the ticket and make your change again."
)


def based_on_version(value: Any) -> int | None:
    """The hidden version field as an int, None when missing or garbled."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() else None


def apply_form(*, actor: User, ticket_id: int, based_on: int | None, data: dict[str, Any]) -> Ticket:
    """Apply an edit form (fields, assignee, then status) through the services (the caller commits).

    The ticket is locked and must still be at the version the form was based on, so an admin never
    overwrites a change made meanwhile; then only the fields the admin changed are written. The workflow
    is checked up front so a refused status change fails before anything is flushed; any domain error
    rolls the whole form back.
    """
    ticket = service.get_ticket(user=actor, ticket_id=ticket_id, for_update=True)
    if based_on != ticket.version:
        raise PreconditionFailed(
            CHANGED_MEANWHILE.format(id=ticket.id, now=ticket.version, based_on=based_on)
        )
    status = data.get("status") or ticket.status
    if status != ticket.status:
        check_transition(ticket.status, status)
    assignee_id = data.get("assigned_to_id", ticket.assigned_to_id)
    if assignee_id != ticket.assigned_to_id:
        service.assign_ticket(user=actor, ticket=ticket, assignee_id=assignee_id)
    if changes := _field_changes(ticket, data):
        service.update_ticket(user=actor, ticket=ticket, **changes)
    if status != ticket.status:
        service.transition_ticket(user=actor, ticket=ticket, status=status)
    return ticket
