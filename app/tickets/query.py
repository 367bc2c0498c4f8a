"""Turning list filters, an ordering and a keyset position into a SQL query over tickets."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.auth.models import STAFF_ROLES, User
from app.extensions import is_postgresql
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


@dataclass(frozen=True)
class TextPlan:
    """How q= reads its matches on PostgreSQL (listing chooses; see app/tickets/listing.py)."""

    kind: str = "filter"  # filter: the planner decides; gin: all matches from the index; walk: see below
    window: int = 0  # walk: at most this many rows of the list's ordering are tested
    wanted: int = 0  # walk: the matches the page needs (offset + page size + 1)
    longer: int = 0  # walk: the window of a second walk when this one finds too few (0: go to the index)

    def next(self) -> TextPlan:
        """What to read when this walk's window held too few matches: the longer walk, else the index."""
        if self.longer > self.window:
            return replace(self, window=self.longer, longer=0)
        return TextPlan("gin")


def _like(q: str) -> sa.ColumnElement[bool]:
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(Ticket.title.ilike(pattern, escape="\\"), Ticket.description.ilike(pattern, escape="\\"))


def _text_match(
    query: sa.Select, f: TicketFilters, others: list[sa.ColumnElement[bool]], plan: TextPlan
) -> sa.ColumnElement[bool]:
    """The q= condition, shaped by the plan (the others: the list's remaining conditions)."""

    def matches(vector: Any) -> sa.ColumnElement[bool]:
        return vector.bool_op("@@")(text_query(f.q or "", f.lang))

    if plan.kind == "gin":
        # A fence the planner cannot push the ordering through: the matches are read once and sorted.
        found = sa.select(Ticket.id).where(matches(Ticket.search_vector)).cte("text_matches")
        return Ticket.id.in_(sa.select(found.prefix_with("MATERIALIZED").c.id))
    if plan.kind == "walk":
        # The first rows of the list's own ordering, at most `window` of them, tested in that order; the
        # LIMIT keeps a subquery from being flattened, so its order is the one the outer LIMIT counts in.
        window = (
            query.with_only_columns(Ticket.id, Ticket.search_vector)
            .where(*others)
            .order_by(*_order(f.ordering))
            .limit(plan.window)
            .subquery("walk")
        )
        first = sa.select(window.c.id).where(matches(window.c.search_vector)).limit(plan.wanted)
        return Ticket.id.in_(first)
    return matches(Ticket.search_vector)


def _conditions(f: TicketFilters, user: User) -> list[sa.ColumnElement[bool]]:
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
    query: sa.Select,
    f: TicketFilters,
    *,
    user: User,
    after: sa.ColumnElement[bool] | None = None,
    plan: TextPlan = TextPlan(),
) -> sa.Select:
    """Apply the filters, a cursor's keyset condition (after) and the ordering to a select of tickets."""
    conditions = _conditions(f, user) + ([] if after is None else [after])
    if f.q:
        text = _text_match(query, f, conditions, plan) if is_postgresql() else _like(f.q)
        conditions.append(text)
    return query.where(*conditions).order_by(*_order(f.ordering))


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
