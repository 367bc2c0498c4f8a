"""Ticket operations: typed, keyword-only, one transaction each, domain errors only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.auth.models import STAFF_ROLES, User
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.tickets.milestones import note_event
from app.tickets.models import Ticket, TicketEvent
from app.tickets.signals import (
    announce,
    ticket_assigned,
    ticket_categorized,
    ticket_created,
    ticket_transitioned,
    ticket_updated,
)
from app.tickets.workflow import check_transition, resolved_at_after
from app.timeutil import utcnow

REQUESTER_FIELDS = {"title", "description", "priority"}


def _visible(user: User) -> sa.Select:
    query = sa.select(Ticket)
    if user.role not in STAFF_ROLES:
        query = query.where(Ticket.created_by_id == user.id)
    return query


def _record(
    ticket: Ticket, actor: User | None, kind: str, old: Any = None, new: Any = None, source: str | None = None
) -> None:
    old, new = None if old is None else str(old), None if new is None else str(new)
    db.session.add(
        TicketEvent(
            ticket_id=ticket.id,
            actor_id=actor.id if actor else None,
            kind=kind,
            from_value=old,
            to_value=new,
            source=source,
            created_at=ticket.updated_at,
        )
    )
    note_event(
        ticket, kind=kind, old=old, new=new, actor_role=actor.role if actor else None, at=ticket.updated_at
    )


def get_ticket(*, user: User, ticket_id: int) -> Ticket:
    """A ticket the user may see; others' tickets are NotFound so existence does not leak."""
    ticket = db.session.scalar(_visible(user).where(Ticket.id == ticket_id))
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} not found.")
    return ticket


def _active_assignee(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    assignee = db.session.get(User, user_id)
    if assignee is None or not assignee.is_active or assignee.role not in STAFF_ROLES:
        raise ValidationFailed(
            "The assignee must be an active agent or admin.",
            errors={"assigned_to": ["Not an active agent or admin."]},
        )
    return assignee


def create_ticket(*, user: User, data: dict[str, Any]) -> Ticket:
    """Create a ticket filed by user, with its 'created' event, in one transaction."""
    if user.role not in STAFF_ROLES and set(data) - REQUESTER_FIELDS:
        raise Forbidden("Requesters may only set title, description and priority.")
    now = utcnow()
    status = data.get("status", "OPEN")
    assignee = _active_assignee(data.get("assigned_to"))
    ticket = Ticket(
        title=data["title"],
        description=data["description"],
        status=status,
        priority=data.get("priority", "MEDIUM"),
        category=data.get("category"),
        category_source="human" if data.get("category") else None,
        created_by_id=user.id,
        assigned_to_id=assignee.id if assignee else None,
        created_at=now,
        updated_at=now,
        resolved_at=resolved_at_after(current=None, target=status, resolved_at=None, now=now),
    )
    db.session.add(ticket)
    db.session.flush()
    _record(ticket, user, "created", None, status)
    if ticket.category:
        _record(ticket, user, "category", None, ticket.category, source="human")
    if assignee:
        _record(ticket, user, "assignment", None, assignee.id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ticket_created.send(app, ticket=ticket, actor=user)
    db.session.commit()
    return ticket


def _finish(commit: bool) -> None:
    # commit=False lets a caller (the admin form) group several changes into one transaction.
    if commit:
        db.session.commit()
    else:
        db.session.flush()


def update_ticket(*, user: User, ticket: Ticket, changes: dict[str, Any], commit: bool = True) -> Ticket:
    """Edit title, description, priority or category, recording an event per change."""
    if user.role not in STAFF_ROLES and set(changes) - REQUESTER_FIELDS:
        raise Forbidden("Requesters may only edit title, description and priority.")
    ticket.updated_at = utcnow()
    edited = [f for f in ("title", "description") if f in changes and changes[f] != getattr(ticket, f)]
    if edited:
        _record(ticket, user, "edited", None, ",".join(edited))
    if "priority" in changes and changes["priority"] != ticket.priority:
        _record(ticket, user, "priority", ticket.priority, changes["priority"])
    if "category" in changes and (changes["category"], "human") != (ticket.category, ticket.category_source):
        _record(ticket, user, "category", ticket.category, changes["category"], source="human")
        ticket.category_source = "human" if changes["category"] else None
    for field in ("title", "description", "priority", "category"):
        if field in changes:
            setattr(ticket, field, changes[field])
    announce(ticket_updated, ticket=ticket, actor=user)
    _finish(commit)
    return ticket


def set_category(
    *, ticket: Ticket, category: str, source: str, actor: User | None, commit: bool = True
) -> Ticket:
    """Set a ticket's category with its provenance (human or model) and an event."""
    ticket.updated_at = utcnow()
    _record(ticket, actor, "category", ticket.category, category, source=source)
    ticket.category, ticket.category_source = category, source
    announce(ticket_categorized, ticket=ticket, actor=actor)
    _finish(commit)
    return ticket


def assign_ticket(*, user: User, ticket: Ticket, assignee_id: int | None, commit: bool = True) -> Ticket:
    """Assign a ticket to an active agent or admin, or unassign it with None."""
    if user.role not in STAFF_ROLES:
        raise Forbidden("Only agents and admins can assign tickets.")
    assignee = _active_assignee(assignee_id)
    if ticket.assigned_to_id != assignee_id:
        ticket.updated_at = utcnow()
        _record(ticket, user, "assignment", ticket.assigned_to_id, assignee_id)
        ticket.assigned_to_id = assignee.id if assignee else None
        ticket.assigned_to = assignee
        announce(ticket_assigned, ticket=ticket, actor=user)
    _finish(commit)
    return ticket


def transition_ticket(*, user: User, ticket: Ticket, status: str, commit: bool = True) -> Ticket:
    """Move a ticket through the workflow; requesters may only close their own tickets."""
    if user.role not in STAFF_ROLES and status != "CLOSED":
        raise Forbidden("Requesters may only close their own tickets.")
    check_transition(ticket.status, status)
    now = utcnow()
    ticket.resolved_at = resolved_at_after(
        current=ticket.status, target=status, resolved_at=ticket.resolved_at, now=now
    )
    ticket.updated_at = now
    _record(ticket, user, "status", ticket.status, status)
    ticket.status = status
    announce(ticket_transitioned, ticket=ticket, actor=user)
    _finish(commit)
    return ticket


def delete_ticket(*, user: User, ticket: Ticket) -> None:
    """Delete a ticket and its history (admins only)."""
    if user.role != "admin":
        raise Forbidden("Only admins can delete tickets.")
    db.session.execute(sa.delete(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    db.session.delete(ticket)
    db.session.commit()


def ticket_events(*, user: User, ticket_id: int) -> list[TicketEvent]:
    """A ticket's history, oldest first."""
    ticket = get_ticket(user=user, ticket_id=ticket_id)
    query = sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    return list(db.session.scalars(query.order_by(TicketEvent.created_at, TicketEvent.id)))
