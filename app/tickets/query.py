"""Turning list filters and an ordering into a SQL query over tickets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.auth.models import User
from app.tickets.models import PRIORITIES, Ticket

ORDERINGS = ("created_at", "updated_at", "priority", "status", "id")
_PRIORITY_RANK = sa.case({p: i for i, p in enumerate(PRIORITIES)}, value=Ticket.priority)
_ORDER_COLUMNS = {
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,
    "priority": _PRIORITY_RANK,
    "status": Ticket.status,
    "id": Ticket.id,
}


@dataclass(frozen=True)
class TicketFilters:
    """The list filters; None means 'do not filter'."""

    status: list[str] = field(default_factory=list)
    priority: str | None = None
    category: str | None = None  # "none" selects uncategorised tickets
    assigned_to: str | None = None  # "me", "none" or a user id
    created_by: str | None = None  # "me" or a user id
    q: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    ordering: str = "-created_at"


def user_filter(
    column: sa.ColumnElement[Any] | InstrumentedAttribute[Any], value: str, user: User
) -> sa.ColumnElement[bool]:
    """column matches 'me' (the user), 'none' (NULL) or a user id: the one rule for user filters."""
    if value == "me":
        return column == user.id
    if value == "none":
        return column.is_(None)
    return column == int(value)


def _order(ordering: str) -> list[sa.ColumnElement]:
    descending = ordering.startswith("-")
    column = _ORDER_COLUMNS[ordering.lstrip("-")]
    tiebreak = Ticket.id.desc() if descending else Ticket.id.asc()
    primary = column.desc() if descending else column.asc()
    return [primary] if column is Ticket.id else [primary, tiebreak]


def filtered_query(query: sa.Select, f: TicketFilters, *, user: User) -> sa.Select:
    """Apply the filters and ordering to a select of tickets."""
    conditions: list[sa.ColumnElement[bool]] = []
    if f.status:
        conditions.append(Ticket.status.in_(f.status))
    if f.priority:
        conditions.append(Ticket.priority == f.priority)
    if f.category:
        conditions.append(
            Ticket.category.is_(None) if f.category == "none" else Ticket.category == f.category
        )
    if f.assigned_to:
        conditions.append(user_filter(Ticket.assigned_to_id, f.assigned_to, user))
    if f.created_by:
        conditions.append(user_filter(Ticket.created_by_id, f.created_by, user))
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            sa.or_(Ticket.title.ilike(pattern, escape="\\"), Ticket.description.ilike(pattern, escape="\\"))
        )
    if f.created_after:
        conditions.append(Ticket.created_at >= f.created_after)
    if f.created_before:
        conditions.append(Ticket.created_at < f.created_before)
    return query.where(*conditions).order_by(*_order(f.ordering))
