"""Ticket operations: typed, keyword-only, one transaction each, domain errors only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from app.audit.service import record_deletion, row_snapshot
from app.auth.models import STAFF_ROLES, User
from app.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from app.extensions import commit_keeping_state, db
from app.tickets.milestones import note_event
from app.tickets.models import Category, CategorySource, Status, Ticket, TicketEvent
from app.tickets.query import visible_to
from app.tickets.signals import (
    announce,
    category_set,
    ticket_assigned,
    ticket_categorized,
    ticket_changing,
    ticket_created,
    ticket_deleting,
    ticket_transitioned,
    ticket_updated,
)
from app.tickets.workflow import check_transition
from app.timeutil import utcnow

REQUESTER_FIELDS = {"title", "description", "priority"}
CHANGED_MEANWHILE = (
    "The ticket was changed by someone else meanwhile; nothing was saved. Read it again and retry."
)


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


def get_ticket(*, user: User, ticket_id: int, for_update: bool = False) -> Ticket:
    """A ticket the user may see; others' tickets are NotFound so existence does not leak.

    for_update locks the row until the transaction ends (PostgreSQL; SQLite serialises writers anyway)
    and rereads it, so checks made before a write see any change a concurrent writer committed.
    """
    query = visible_to(user).where(Ticket.id == ticket_id)
    if for_update:
        query = query.with_for_update(of=Ticket).execution_options(populate_existing=True)
    ticket = db.session.scalar(query)
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
    commit_keeping_state()
    return ticket


def _announce_category(ticket: Ticket, category: str | None, source: str, actor: User | None) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    category_set.send(app, ticket=ticket, category=category, source=source, actor=actor)


def _finish(commit: bool) -> None:
    # commit=False lets a caller (the admin form) group several changes into one transaction.
    try:
        if commit:
            commit_keeping_state()
        else:
            db.session.flush()
    except StaleDataError as exc:  # the UPDATE ... WHERE version = :read matched no row
        db.session.rollback()
        raise PreconditionFailed(CHANGED_MEANWHILE) from exc


def save_changes() -> None:
    """Commit changes grouped with commit=False; a concurrent change in between is PreconditionFailed."""
    _finish(commit=True)


def update_ticket(*, user: User, ticket: Ticket, changes: dict[str, Any], commit: bool = True) -> Ticket:
    """Edit title, description, priority or category, recording an event per change."""
    if user.role not in STAFF_ROLES and set(changes) - REQUESTER_FIELDS:
        raise Forbidden("Requesters may only edit title, description and priority.")
    ticket_changing.send(current_app._get_current_object(), ticket=ticket)  # type: ignore[attr-defined]
    ticket.updated_at = utcnow()
    edited = [f for f in ("title", "description") if f in changes and changes[f] != getattr(ticket, f)]
    if edited:
        _record(ticket, user, "edited", None, ",".join(edited))
    if "priority" in changes and changes["priority"] != ticket.priority:
        _record(ticket, user, "priority", ticket.priority, changes["priority"])
    # Sending back the category a model set is not a human label: only a change (or a confirmation) is.
    if "category" in changes and changes["category"] != ticket.category:
        _record(ticket, user, "category", ticket.category, changes["category"], source="human")
        ticket.category_source = CategorySource.HUMAN if changes["category"] else None
        _announce_category(ticket, changes["category"], "human", user)
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
    ticket_changing.send(current_app._get_current_object(), ticket=ticket)  # type: ignore[attr-defined]
    ticket.updated_at = utcnow()
    _record(ticket, actor, "category", ticket.category, category, source=source)
    ticket.category, ticket.category_source = Category(category), CategorySource(source)
    _announce_category(ticket, category, source, actor)
    announce(ticket_categorized, ticket=ticket, actor=actor)
    _finish(commit)
    return ticket


def assign_ticket(*, user: User, ticket: Ticket, assignee_id: int | None, commit: bool = True) -> Ticket:
    """Assign a ticket to an active agent or admin, or unassign it with None."""
    if user.role not in STAFF_ROLES:
        raise Forbidden("Only agents and admins can assign tickets.")
    assignee = _active_assignee(assignee_id)
    if ticket.assigned_to_id != assignee_id:
        ticket_changing.send(current_app._get_current_object(), ticket=ticket)  # type: ignore[attr-defined]
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
    ticket_changing.send(current_app._get_current_object(), ticket=ticket)  # type: ignore[attr-defined]
    ticket.updated_at = utcnow()
    _record(ticket, user, "status", ticket.status, status)
    ticket.status = Status(status)
    announce(ticket_transitioned, ticket=ticket, actor=user)
    _finish(commit)
    return ticket


def delete_ticket(*, user: User, ticket: Ticket) -> None:
    """Delete a ticket and its history (admins only), keeping both in the deletion audit."""
    if user.role != "admin":
        raise Forbidden("Only admins can delete tickets.")
    events = _events_of(ticket.id)
    snapshot = {**row_snapshot(ticket), "events": [row_snapshot(event) for event in events]}
    record_deletion(kind="ticket", object_id=ticket.id, actor=user, snapshot=snapshot)
    ticket_deleting.send(current_app._get_current_object(), ticket=ticket)  # type: ignore[attr-defined]
    db.session.execute(sa.delete(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    db.session.delete(ticket)
    _finish(commit=True)


def _events_of(ticket_id: int) -> list[TicketEvent]:
    query = sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    return list(db.session.scalars(query.order_by(TicketEvent.created_at, TicketEvent.id)))


def ticket_events(*, user: User, ticket_id: int) -> list[TicketEvent]:
    """A ticket's history, oldest first."""
    return _events_of(get_ticket(user=user, ticket_id=ticket_id).id)
