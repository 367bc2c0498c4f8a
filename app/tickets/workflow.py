"""The ticket workflow: which status may follow which (resolved_at follows app/tickets/milestones.py)."""

from __future__ import annotations

from app.errors import InvalidTransition

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
