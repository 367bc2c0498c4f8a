"""Listing tickets: offset pages near the top, keyset cursors for any depth, counts only when asked."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.auth.models import STAFF_ROLES, User
from app.extensions import db, is_postgresql
from app.pagination import Page, check_offset, decode_cursor, encode_cursor, query_fingerprint
from app.tickets.models import Ticket
from app.tickets.query import TextPlan, TicketFilters, after_key, filtered_query, sort_key, visible_to
from app.tickets.search import estimated_matches
from app.timeutil import utcnow

# Below this many rows an exact count is as cheap as reading the planner's estimate.
EXACT_COUNT_BELOW = 10_000


def _estimated_total() -> int | None:
    """The planner's row estimate for tickets (PostgreSQL), None when it has none worth using."""
    if not is_postgresql():
        return None
    estimate = db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'tickets'::regclass"))
    return int(estimate) if estimate is not None and estimate >= EXACT_COUNT_BELOW else None


def _total(query: sa.Select, *, user: User, filters: TicketFilters, count: bool) -> tuple[int | None, bool]:
    """(total, is_estimate): exact with count=true, estimated for an unfiltered staff list, else None."""
    unfiltered = not filters.narrows and user.role in STAFF_ROLES
    if not count and not unfiltered:
        return None, False
    if not count and (estimate := _estimated_total()) is not None:
        return estimate, True
    subquery = query.order_by(None).with_only_columns(Ticket.id).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(subquery)) or 0, False


def _text_plan(filters: TicketFilters, wanted: int) -> TextPlan:
    """How q= should find a page's matches, from the planner's estimate of the share of tickets that match.

    Walking the list's ordering finds `wanted` matches in about wanted / share rows: a few hundred for common
    words. When that is more than SEARCH_WALK_ROWS, the matches are few: read them all from the GIN index and
    sort. The walk itself stops after SEARCH_WALK_ROWS rows (the estimate can be far too high for words that
    rarely go together, and an unbounded walk then reads the whole table); see _rows for what follows.
    """
    if not filters.q or not is_postgresql():
        return TextPlan()
    window = current_app.config["SEARCH_WALK_ROWS"]
    matching, every = estimated_matches(q=filters.q, lang=filters.lang)
    if matching * window <= every * wanted:
        return TextPlan("gin")
    # A walked row costs about a quarter of a match read from the index and sorted (100,000 tickets: 10,000
    # rows walked in ~10 ms, 8,675 matches read and sorted in 22-43 ms). So when the newest rows lack a word
    # that older ones often hold (a renamed product, last season's campaign), a walk of up to four times the
    # estimated matches is still the cheaper read; capped at ten windows, as the estimate can be far too high.
    longer = min(int(4 * matching), 10 * window)
    return TextPlan("walk", window=window, wanted=wanted, longer=longer if longer >= 2 * window else 0)


def _rows(
    query_for: Callable[[TextPlan], sa.Select], filters: TicketFilters, limit: int, offset: int = 0
) -> list[Ticket]:
    """A page's rows (limit of them from offset) with q= read the way _text_plan chooses."""
    plan = _text_plan(filters, offset + limit)
    rows = _fetch(query_for(plan), limit, offset)
    while plan.kind == "walk" and len(rows) < limit:  # the window held too few matches: walk on, or the index
        plan = plan.next()
        rows = _fetch(query_for(plan), limit, offset)
    return rows


def _settled(filters: TicketFilters) -> TicketFilters:
    """An export leaves out the last seconds, whose transactions may not have committed yet."""
    if filters.updated_after is None:
        return filters
    settle = timedelta(seconds=current_app.config["EXPORT_SETTLE_SECONDS"])
    return dataclasses.replace(filters, updated_before=utcnow() - settle)


def _fetch(query: sa.Select, limit: int, offset: int = 0) -> list[Ticket]:
    return list(db.session.scalars(query.limit(limit).offset(offset)).unique())


def list_tickets(
    *,
    user: User,
    filters: TicketFilters,
    page_size: int,
    page: int | None = None,
    cursor: str | None = None,
    count: bool = False,
) -> Page:
    """One page of the tickets the user may see: an offset page, or a cursor page when cursor is not None."""
    filters = _settled(filters)

    def query_for(plan: TextPlan, after: sa.ColumnElement[bool] | None = None) -> sa.Select:
        return filtered_query(visible_to(user), filters, user=user, after=after, plan=plan)

    total, estimated = _total(query_for(TextPlan()), user=user, filters=filters, count=count)
    if cursor is None:
        number = page or 1
        check_offset(page=number, page_size=page_size)
        rows = _rows(query_for, filters, page_size + 1, (number - 1) * page_size)
        return Page(rows[:page_size], page_size, number, len(rows) > page_size, None, total, estimated)
    fingerprint = query_fingerprint(_cursor_scope(filters, user))
    after = None
    if cursor:
        key, last_id = decode_cursor(cursor, fingerprint=fingerprint)
        after = after_key(filters.ordering, key, last_id)
    rows = _rows(lambda plan: query_for(plan, after), filters, page_size + 1)
    items, more = rows[:page_size], len(rows) > page_size
    next_cursor = None
    if more:
        last = items[-1]
        next_cursor = encode_cursor(
            fingerprint=fingerprint, key=sort_key(last, filters.ordering), last_id=last.id
        )
    return Page(items, page_size, None, more, next_cursor, total, estimated)


def _cursor_scope(filters: TicketFilters, user: User) -> dict[str, Any]:
    # The export's moving settle bound is not part of the query's identity.
    scope = dataclasses.asdict(dataclasses.replace(filters, updated_before=None))
    return {**scope, "user": user.id}
