"""Analytics endpoints for agents and admins: thin MethodViews over app.analytics.service."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.analytics import service
from app.analytics.filters import AnalyticsFilters
from app.analytics.schemas import (
    AnalyticsQuerySchema,
    BacklogSchema,
    FirstResponseSchema,
    MttrSchema,
    ReopensSchema,
    TrendsQuerySchema,
    TrendsSchema,
)
from app.analytics.window import DEFAULT_DAYS, MAX_DAYS, resolve_window
from app.auth.current import auth_required, current_user

blp = Blueprint(
    "analytics",
    __name__,
    url_prefix="/api/analytics",
    description="Ticket KPIs computed in the database (agents and admins)",
)

WINDOW = (
    " Window: `days=N` means [now - N days, now) (default 30); or `from` and `to` together, inclusive "
    "start and exclusive end, except that a plain date `to` includes that whole UTC day. Instants in the "
    "answer are UTC. Filters `category`, `priority` and `assigned_to` apply to the tickets' current "
    "values."
)


def _scope(args: dict[str, Any], default_days: int = DEFAULT_DAYS) -> dict[str, Any]:
    filters = AnalyticsFilters(
        category=args.get("category"), priority=args.get("priority"), assigned_to=args.get("assigned_to")
    )
    return {
        "window": resolve_window(args, default_days=default_days),
        "filters": filters,
        "user": current_user(),
    }


@blp.route("/trends/")
class Trends(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(TrendsQuerySchema, location="query")
    @blp.response(200, TrendsSchema)
    @blp.doc(
        description="Tickets created in the window (created_at in [from, to)), in total, per category "
        "(uncategorised as null) and per day/week/month; every period is present and "
        "zero-filled, series counts are keyed by category with 'none' for uncategorised." + WINDOW
    )
    def get(self, args):
        """Ticket volume over time"""
        return service.trends(**_scope(args), interval=args["interval"])


@blp.route("/mttr/")
class Mttr(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(AnalyticsQuerySchema, location="query")
    @blp.response(200, MttrSchema)
    @blp.doc(
        description="Time to resolve of the tickets whose resolved_at is in the window: the ticket's FIRST "
        "resolution (earliest status event to RESOLVED or CLOSED, or its creation in that "
        "state: 0 s) minus created_at, so a reopened ticket counts from its first fix. Mean, "
        "median and p90 (percentile_cont, linear interpolation), overall, per category and per "
        "priority; figures are null when nothing was resolved." + WINDOW
    )
    def get(self, args):
        """Mean, median and p90 time to resolve"""
        return service.mttr(**_scope(args))


@blp.route("/backlog/")
class Backlog(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(AnalyticsQuerySchema, location="query")
    @blp.response(200, BacklogSchema)
    @blp.doc(
        description="Tickets open now (OPEN or IN_PROGRESS at as_of) that were created in the window; "
        "without days or from/to the window is the last 3650 days, i.e. the whole backlog: "
        "counts by status, category, priority and "
        "assignee (unassigned included), and the median and p90 age (as_of minus created_at)." + WINDOW
    )
    def get(self, args):
        """The open backlog and its age"""
        return service.backlog(**_scope(args, default_days=MAX_DAYS))


@blp.route("/reopens/")
class Reopens(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(AnalyticsQuerySchema, location="query")
    @blp.response(200, ReopensSchema)
    @blp.doc(
        description="Tickets whose first resolution (from events) is in the window, and how many of them "
        "were reopened afterwards (a status event from RESOLVED/CLOSED to OPEN/IN_PROGRESS, at "
        "any time up to now), overall and per category: {resolved, reopened, reopen_rate}." + WINDOW
    )
    def get(self, args):
        """Reopen rate of resolved tickets"""
        return service.reopens(**_scope(args))


@blp.route("/first-response/")
class FirstResponse(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(AnalyticsQuerySchema, location="query")
    @blp.response(200, FirstResponseSchema)
    @blp.doc(
        description="For tickets created in the window: time from created_at to the first agent action, "
        "an assignment or status change by an agent or admin, at any time up "
        "to now. Mean, median and p90 over the tickets with a response, and the count "
        "without one." + WINDOW
    )
    def get(self, args):
        """Time to first agent response"""
        return service.first_response(**_scope(args))
