"""The ticket workflow: which status may follow which, and what resolved_at becomes."""

from __future__ import annotations

from datetime import datetime

from app.errors import InvalidTransition
from app.tickets.models import DONE_STATUSES

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "OPEN": ("IN_PROGRESS", "RESOLVED", "CLOSED"),
    "IN_PROGRESS": ("OPEN", "RESOLVED", "CLOSED"),
    "RESOLVED": ("CLOSED", "IN_PROGRESS", "OPEN"),
    "CLOSED": ("OPEN",),
}


def check_transition(current: str, target: str) -> None:
    """Raise InvalidTransition, listing the allowed targets, unless current -> target is allowed."""
    allowed = TRANSITIONS[current]
    if target not in allowed:
        raise InvalidTransition(
            f"Cannot move a ticket from {current} to {target}.",
            errors={"status": [f"Allowed from {current}: {', '.join(allowed)}."], "allowed": list(allowed)},
        )


def resolved_at_after(
    *, current: str | None, target: str, resolved_at: datetime | None, now: datetime
) -> datetime | None:
    """resolved_at once a ticket enters target: set on resolution, kept on close, cleared on reopen."""
    if target not in DONE_STATUSES:
        return None
    if current in DONE_STATUSES and resolved_at is not None:
        return resolved_at
    return now
