"""Reading and changing SLA targets; stamping a new ticket with the due times of the targets in force."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.auth.models import Role, User
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.sla.models import DEFAULT_TARGETS, SlaTarget
from app.tickets.models import PRIORITIES, Ticket
from app.timeutil import as_utc, utcnow


def targets() -> dict[str, tuple[float, float]]:
    """{priority: (first response hours, resolution hours)} in force now."""
    found = dict(DEFAULT_TARGETS)
    for row in db.session.scalars(sa.select(SlaTarget)):
        found[row.priority] = (row.first_response_hours, row.resolution_hours)
    return found


def list_targets() -> list[dict[str, Any]]:
    """Every priority's targets, most urgent first."""
    current = targets()
    return [
        {"priority": p, "first_response_hours": current[p][0], "resolution_hours": current[p][1]}
        for p in reversed(PRIORITIES)
    ]


def set_target(*, user: User, priority: str, first_response_hours: float, resolution_hours: float) -> dict:
    """Change one priority's targets (admins); later tickets get them, existing ones keep theirs."""
    if user.role != Role.ADMIN:
        raise Forbidden("Only admins can change SLA targets.")
    if priority not in PRIORITIES:
        raise ValidationFailed("Unknown priority.", errors={"priority": [f"One of {', '.join(PRIORITIES)}."]})
    row = db.session.get(SlaTarget, priority) or SlaTarget(priority=priority)
    row.first_response_hours, row.resolution_hours = first_response_hours, resolution_hours
    row.updated_at = utcnow()
    db.session.add(row)
    db.session.commit()
    return {
        "priority": priority,
        "first_response_hours": first_response_hours,
        "resolution_hours": resolution_hours,
    }


def stamp_due_times(sender: Any, *, ticket: Ticket, **_: Any) -> None:
    """ticket_creating receiver: due times from the ticket's priority and the targets in force."""
    row = db.session.get(SlaTarget, ticket.priority)
    response, resolution = (
        (row.first_response_hours, row.resolution_hours) if row else DEFAULT_TARGETS[ticket.priority]
    )
    created = as_utc(ticket.created_at)
    ticket.first_response_due_at = created + timedelta(hours=response)
    ticket.resolution_due_at = created + timedelta(hours=resolution)
