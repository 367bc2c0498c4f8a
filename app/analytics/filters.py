"""The ticket filters every analytics endpoint accepts (category, priority, assignee)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.auth.models import User
from app.tickets.models import Ticket
from app.tickets.query import user_filter


@dataclass(frozen=True)
class AnalyticsFilters:
    """None means 'do not filter'."""

    category: str | None = None  # one of CATEGORIES, or "none" for uncategorised tickets
    priority: str | None = None
    assigned_to: str | None = None  # "me", "none" or a user id


def ticket_conditions(f: AnalyticsFilters, *, user: User) -> list[sa.ColumnElement]:
    """WHERE conditions on tickets for the given filters."""
    conditions: list[sa.ColumnElement] = []
    if f.category:
        uncategorised = f.category == "none"
        conditions.append(Ticket.category.is_(None) if uncategorised else Ticket.category == f.category)
    if f.priority:
        conditions.append(Ticket.priority == f.priority)
    if f.assigned_to:
        conditions.append(user_filter(Ticket.assigned_to_id, f.assigned_to, user))
    return conditions
