"""Turning list filters, an ordering and a keyset position into a SQL query over tickets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.auth.models import STAFF_ROLES, User
from app.tickets.models import PRIORITIES, Ticket
from app.tickets.search import text_query
from app.timeutil import as_utc

ORDERINGS = ("created_at", "updated_at", "priority", "status", "id")
_PRIORITY_RANK = sa.case({p: i for i, p in enumerate(PRIORITIES)}, value=Ticket.priority)
_ORDER_COLUMNS: dict[str, Any] = {
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
    lang: str = "english"
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None  # set by the export's settle window, not by clients
    ordering: str = "-created_at"

    @property
    def narrows(self) -> bool:
        """True when any filter (not the ordering or search language) is set."""
        values = (self.status, self.priority, self.category, self.assigned_to, self.created_by, self.q)
        dates = (self.created_after, self.created_before, self.updated_after, self.updated_before)
        return any(values) or any(d is not None for d in dates)


def visible_to(user: User) -> sa.Select:
    """Tickets the user may see: all for staff, their own for requesters."""
    query = sa.select(Ticket)
    if user.role not in STAFF_ROLES:
        query = query.where(Ticket.created_by_id == user.id)
    return query


def user_filter(
    column: sa.ColumnElement[Any] | InstrumentedAttribute[Any], value: str, user: User
) -> sa.ColumnElement[bool]:
    """column matches 'me' (the user), 'none' (NULL) or a user id: the one rule for user filters."""
    if value == "me":
        return column == user.id
    if value == "none":
        return column.is_(None)
    return column == int(value)


def _text_match(q: str, lang: str, dialect: str, few_matches: bool) -> sa.ColumnElement[bool]:
    if dialect == "postgresql":
        match = Ticket.search_vector.bool_op("@@")(text_query(q, lang))
        if not few_matches:
            return match
        # Read the few matches from the GIN index once (a fence the planner cannot push the ordering into),
        # rather than walk the ordering's index testing each row's tsvector until a page is found.
        matches = sa.select(Ticket.id).where(match).cte("text_matches").prefix_with("MATERIALIZED")
        return Ticket.id.in_(sa.select(matches.c.id))
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(Ticket.title.ilike(pattern, escape="\\"), Ticket.description.ilike(pattern, escape="\\"))


def _conditions(
    f: TicketFilters, user: User, dialect: str, few_matches: bool
) -> list[sa.ColumnElement[bool]]:
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
        conditions.append(_text_match(f.q, f.lang, dialect, few_matches))
    bounds = (
        (f.created_after, Ticket.created_at.__ge__),
        (f.created_before, Ticket.created_at.__lt__),
        (f.updated_after, Ticket.updated_at.__gt__),
        (f.updated_before, Ticket.updated_at.__lt__),
    )
    conditions.extend(compare(value) for value, compare in bounds if value is not None)
    return conditions


def _order(ordering: str) -> list[sa.ColumnElement]:
    descending = ordering.startswith("-")
    column = _ORDER_COLUMNS[ordering.lstrip("-")]
    tiebreak = Ticket.id.desc() if descending else Ticket.id.asc()
    primary = column.desc() if descending else column.asc()
    return [primary] if column is Ticket.id else [primary, tiebreak]


def filtered_query(
    query: sa.Select, f: TicketFilters, *, user: User, dialect: str = "", few_matches: bool = False
) -> sa.Select:
    """Apply the filters and ordering to a select of tickets (few_matches: q= is selective, see listing)."""
    return query.where(*_conditions(f, user, dialect, few_matches)).order_by(*_order(f.ordering))


def sort_key(ticket: Ticket, ordering: str) -> Any:
    """The ticket's value of the ordering's sort key, JSON-ready (the cursor stores it)."""
    name = ordering.lstrip("-")
    if name == "priority":
        return PRIORITIES.index(ticket.priority)
    value = getattr(ticket, name)
    return as_utc(value).isoformat() if isinstance(value, datetime) else value


def after_key(ordering: str, key: Any, last_id: int) -> sa.ColumnElement[bool]:
    """Rows strictly after (key, last_id) in the ordering: the keyset condition of a cursor page."""
    name, descending = ordering.lstrip("-"), ordering.startswith("-")
    column = _ORDER_COLUMNS[name]
    if name in ("created_at", "updated_at"):
        key = as_utc(datetime.fromisoformat(key))
    if name == "id":
        return Ticket.id < last_id if descending else Ticket.id > last_id
    # Written as a range plus a tiebreak so the index on the sort column bounds the scan.
    if descending:
        return sa.and_(column <= key, sa.or_(column < key, Ticket.id < last_id))
    return sa.and_(column >= key, sa.or_(column > key, Ticket.id > last_id))
