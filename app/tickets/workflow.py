"""The ticket workflow: which status may follow which (resolved_at follows app/tickets/milestones.py)."""

from __future__ import annotations

from app.errors import InvalidTransition
from app.tickets.models import Status

TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.OPEN: (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED),
    Status.IN_PROGRESS: (Status.OPEN, Status.RESOLVED, Status.CLOSED),
    Status.RESOLVED: (Status.CLOSED, Status.IN_PROGRESS, Status.OPEN),
    Status.CLOSED: (Status.OPEN,),
}


def check_transition(current: str, target: str) -> None:
    """Raise InvalidTransition, listing the allowed targets, unless current -> target is allowed."""
    allowed = TRANSITIONS[Status(current)]
    if target not in allowed:
        raise InvalidTransition(
            f"Cannot move a ticket from {current} to {target}.",
            errors={"status": [f"Allowed from {current}: {', '.join(allowed)}."], "allowed": list(allowed)},
        )
