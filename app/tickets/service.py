"""Ticket operations: typed, keyword-only, domain errors only; they flush, the caller commits."""

from __future__ import annotations

import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from app.audit.service import record_deletion, row_snapshot
from app.auth.models import STAFF_ROLES, Role, User
from app.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from app.extensions import db
from app.tickets.milestones import note_event
from app.tickets.models import Category, CategorySource, EventKind, Priority, Status, Ticket, TicketEvent
from app.tickets.query import visible_to
from app.tickets.signals import (
    announce,
    category_set,
    ticket_assigned,
    ticket_categorized,
    ticket_changing,
    ticket_created,
    ticket_creating,
    ticket_deleting,
    ticket_transitioned,
    ticket_updated,
)
from app.tickets.workflow import check_transition
from app.timeutil import utcnow

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


def get_ticket_columns(*, user: User, ticket_id: int, columns: tuple[Any, ...]) -> sa.Row:
    """Some columns of a ticket the user may see: a lighter read than get_ticket, NotFound alike."""
    query = visible_to(user).with_only_columns(*columns).where(Ticket.id == ticket_id)
    row = db.session.execute(query).first()
    if row is None:
        raise NotFound(f"Ticket {ticket_id} not found.")
    return row


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


class Unset(enum.Enum):
    """Marks a keyword argument the caller did not give (None is a value: "no category")."""

    UNSET = enum.auto()


UNSET = Unset.UNSET
NoneOrUnset = Unset | None


def create_ticket(
    *,
    user: User,
    title: str,
    description: str,
    priority: Priority | str = Priority.MEDIUM,
    status: Status | str | Unset = UNSET,
    category: Category | str | NoneOrUnset = UNSET,
    assigned_to: int | NoneOrUnset = UNSET,
) -> Ticket:
    """Create a ticket filed by user, with its 'created' event, flushed in the caller's transaction."""
    staff_fields = (status, category, assigned_to)
    if user.role not in STAFF_ROLES and any(value is not UNSET for value in staff_fields):
        raise Forbidden("Requesters may only set title, description and priority.")
    status = Status.OPEN if status is UNSET else Status(status)
    category = None if category is UNSET or category is None else Category(category)
    assignee = _active_assignee(None if assigned_to is UNSET else assigned_to)
    now = utcnow()
    ticket = Ticket(
        title=title,
        description=description,
        status=status,
        priority=Priority(priority),
        category=category,
        category_source=CategorySource.HUMAN if category else None,
        created_by_id=user.id,
        assigned_to_id=assignee.id if assignee else None,
        created_at=now,
        updated_at=now,
    )
    announce(ticket_creating, ticket=ticket, actor=user)  # before the INSERT, so it carries what they set
    db.session.add(ticket)
    db.session.flush()
    _record_creation(ticket, user, assignee)
    announce(ticket_created, ticket=ticket, actor=user)
    if ticket.category_source == CategorySource.MODEL:  # a ticket_creating receiver classified it
        _announce_category(ticket, ticket.category, CategorySource.MODEL, None)
        announce(ticket_categorized, ticket=ticket, actor=None)
    _flush()
    return ticket


def _record_creation(ticket: Ticket, user: User, assignee: User | None) -> None:
    """A new ticket's events: created, its first category (the user's or a model's), its assignee."""
    _record(ticket, user, EventKind.CREATED, None, ticket.status)
    if ticket.category:
        by = None if ticket.category_source == CategorySource.MODEL else user
        _record(ticket, by, EventKind.CATEGORY, None, ticket.category, source=ticket.category_source)
    if assignee:
        _record(ticket, user, EventKind.ASSIGNMENT, None, assignee.id)


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:  # the UPDATE ... WHERE version = :read matched no row
        db.session.rollback()
        raise PreconditionFailed(CHANGED_MEANWHILE) from exc


def update_ticket(
    *,
    user: User,
    ticket: Ticket,
    title: str | Unset = UNSET,
    description: str | Unset = UNSET,
    priority: Priority | str | Unset = UNSET,
    category: Category | str | NoneOrUnset = UNSET,
) -> Ticket:
    """Edit title, description, priority or category (the ones given), recording an event per change."""
    given = {"title": title, "description": description, "priority": priority, "category": category}
    changes = {field: value for field, value in given.items() if value is not UNSET}
    if user.role not in STAFF_ROLES and "category" in changes:
        raise Forbidden("Requesters may only edit title, description and priority.")
    announce(ticket_changing, ticket=ticket)
    ticket.updated_at = utcnow()
    edited = [f for f in ("title", "description") if f in changes and changes[f] != getattr(ticket, f)]
    if edited:
        _record(ticket, user, EventKind.EDITED, None, ",".join(edited))
    if "priority" in changes and changes["priority"] != ticket.priority:
        _record(ticket, user, EventKind.PRIORITY, ticket.priority, changes["priority"])
    # Sending back the category a model set is not a human label: only a change (or a confirmation) is.
    if "category" in changes and changes["category"] != ticket.category:
        _record(ticket, user, EventKind.CATEGORY, ticket.category, changes["category"], source="human")
        ticket.category_source = CategorySource.HUMAN if changes["category"] else None
        _announce_category(ticket, changes["category"], CategorySource.HUMAN, user)
    for field, value in changes.items():
        setattr(ticket, field, value)
    announce(ticket_updated, ticket=ticket, actor=user)
    _flush()
    return ticket


def _announce_category(ticket: Ticket, category: str | None, source: str, actor: User | None) -> None:
    announce(category_set, ticket=ticket, category=category, source=source, actor=actor)


def set_category(
    *, ticket: Ticket, category: Category | str, source: CategorySource | str, actor: User | None
) -> Ticket:
    """Set a ticket's category with its provenance (human or model) and an event."""
    announce(ticket_changing, ticket=ticket)
    ticket.updated_at = utcnow()
    _record(ticket, actor, EventKind.CATEGORY, ticket.category, category, source=source)
    ticket.category, ticket.category_source = Category(category), CategorySource(source)
    _announce_category(ticket, category, source, actor)
    announce(ticket_categorized, ticket=ticket, actor=actor)
    _flush()
    return ticket


def assign_ticket(*, user: User, ticket: Ticket, assignee_id: int | None) -> Ticket:
    """Assign a ticket to an active agent or admin, or unassign it with None."""
    if user.role not in STAFF_ROLES:
        raise Forbidden("Only agents and admins can assign tickets.")
    assignee = _active_assignee(assignee_id)
    if ticket.assigned_to_id != assignee_id:
        announce(ticket_changing, ticket=ticket)
        ticket.updated_at = utcnow()
        _record(ticket, user, EventKind.ASSIGNMENT, ticket.assigned_to_id, assignee_id)
        ticket.assigned_to_id = assignee.id if assignee else None
        ticket.assigned_to = assignee
        announce(ticket_assigned, ticket=ticket, actor=user)
    _flush()
    return ticket


def transition_ticket(*, user: User, ticket: Ticket, status: Status | str) -> Ticket:
    """Move a ticket through the workflow; requesters may only close their own tickets."""
    if user.role not in STAFF_ROLES and status != Status.CLOSED:
        raise Forbidden("Requesters may only close their own tickets.")
    check_transition(ticket.status, status)
    announce(ticket_changing, ticket=ticket)
    ticket.updated_at = utcnow()
    _record(ticket, user, EventKind.STATUS, ticket.status, status)
    ticket.status = Status(status)
    announce(ticket_transitioned, ticket=ticket, actor=user)
    _flush()
    return ticket


def delete_ticket(*, user: User, ticket: Ticket) -> None:
    """Delete a ticket and its history (admins only), keeping both in the deletion audit."""
    if user.role != Role.ADMIN:
        raise Forbidden("Only admins can delete tickets.")
    events = _events_of(ticket.id)
    snapshot = {**row_snapshot(ticket), "events": [row_snapshot(event) for event in events]}
    record_deletion(kind="ticket", object_id=ticket.id, actor=user, snapshot=snapshot)
    announce(ticket_deleting, ticket=ticket)
    db.session.execute(sa.delete(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    db.session.delete(ticket)
    _flush()


def _events_of(ticket_id: int) -> list[TicketEvent]:
    query = sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    return list(db.session.scalars(query.order_by(TicketEvent.created_at, TicketEvent.id)))


def ticket_events(*, user: User, ticket_id: int) -> list[TicketEvent]:
    """A ticket's history, oldest first."""
    return _events_of(get_ticket(user=user, ticket_id=ticket_id).id)
