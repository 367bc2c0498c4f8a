"""Analytics entry points: rollups by default, ticket rows on request (exact) or where rollups cannot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.analytics import exact as exact_reports
from app.analytics import rollup_reports
from app.analytics.at_risk import at_risk as waiting_tickets
from app.analytics.backlog import BacklogMoved
from app.analytics.backlog import backlog as open_backlog
from app.analytics.dialect import tune_session
from app.analytics.filters import AnalyticsFilters
from app.analytics.reading import count_totals, exact_totals_query
from app.analytics.sketch import APPROXIMATE
from app.analytics.window import Window
from app.auth.models import User
from app.extensions import db
from app.timeutil import utcnow

EXACT = {"source": "tickets", "percentiles": "exact"}
ROLLUPS = {"source": "rollups", "percentiles": APPROXIMATE}
SLA_TARGETS = ("response_due", "resolution_due")


def _from_rows(exact: bool, filters: AnalyticsFilters) -> bool:
    # Rollups are kept per category and priority; an assignee filter needs the ticket rows.
    return exact or filters.assigned_to is not None


def _report(name: str, *, exact: bool, filters: AnalyticsFilters, **kwargs: Any) -> dict[str, Any]:
    tune_session()
    if _from_rows(exact, filters):
        return {**getattr(exact_reports, name)(filters=filters, **kwargs), **EXACT}
    return {**getattr(rollup_reports, name)(filters=filters, **kwargs), **ROLLUPS}


def trends(
    *, window: Window, filters: AnalyticsFilters, interval: str, user: User, exact: bool = False
) -> dict:
    """Tickets created in the window: total, per category and per period."""
    return _report("trends", exact=exact, window=window, filters=filters, interval=interval, user=user)


def mttr(*, window: Window, filters: AnalyticsFilters, user: User, exact: bool = False) -> dict:
    """Time to first resolution of the tickets resolved in the window."""
    return _report("mttr", exact=exact, window=window, filters=filters, user=user)


def first_response(*, window: Window, filters: AnalyticsFilters, user: User, exact: bool = False) -> dict:
    """Time to the first staff action of the tickets created in the window."""
    return _report("first_response", exact=exact, window=window, filters=filters, user=user)


def reopens(*, window: Window, filters: AnalyticsFilters, user: User, exact: bool = False) -> dict:
    """Tickets first resolved in the window and how many were reopened."""
    return _report("reopens", exact=exact, window=window, filters=filters, user=user)


def backlog(*, window: Window, filters: AnalyticsFilters, user: User, exact: bool = False) -> dict:
    """The open backlog: counts from the open-ticket rollup, ages exact (or all from the ticket rows)."""
    tune_session()
    if not _from_rows(exact, filters):
        try:
            found = open_backlog(window=window, filters=filters, user=user, now=utcnow())
            return {**found, "source": "rollups", "percentiles": "exact"}
        except BacklogMoved:
            pass  # rare: answer from the ticket rows, in one statement's snapshot
    return {**exact_reports.backlog(window=window, filters=filters, user=user), **EXACT}


def sla(*, window: Window, filters: AnalyticsFilters, user: User, exact: bool = False) -> dict:
    """SLA compliance of the targets due in the window (up to now), per priority and category."""
    tune_session()
    due_window = Window(window.start, min(window.end, utcnow()))
    cells = {}
    for target in SLA_TARGETS:
        if _from_rows(exact, filters):
            rows = db.session.execute(exact_totals_query(target, due_window, filters, user=user))
            cells[target] = rollup_reports.cells_from_rows(rows)
        else:
            cells[target] = count_totals(target, due_window, filters, user=user)
    meta = EXACT if _from_rows(exact, filters) else ROLLUPS
    return {"from": window.start, "to": window.end, **rollup_reports.sla(cells), "source": meta["source"]}


def at_risk(
    *, hours: float, filters: AnalyticsFilters, user: User, limit: int, exact: bool = False
) -> dict[str, Any]:
    """Tickets still waiting on a target due within `hours` (or overdue), soonest due first."""
    tune_session()
    now = utcnow()
    horizon = now + timedelta(hours=hours)
    found = waiting_tickets(
        now=now, horizon=horizon, filters=filters, user=user, limit=limit, exact=_from_rows(exact, filters)
    )
    return {"as_of": now, "hours": hours, **found}
