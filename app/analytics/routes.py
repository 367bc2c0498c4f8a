"""Analytics endpoints for agents and admins: thin MethodViews over app.analytics.service."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.analytics import service
from app.analytics.filters import AnalyticsFilters
from app.analytics.schemas import (
    AnalyticsQuerySchema,
    AtRiskQuerySchema,
    AtRiskSchema,
    BacklogSchema,
    FirstResponseSchema,
    MttrSchema,
    ReopensSchema,
    SlaReportSchema,
    TrendsQuerySchema,
    TrendsSchema,
)
from app.analytics.window import DEFAULT_DAYS, MAX_DAYS, resolve_window
from app.auth.current import auth_required, current_user
from app.errors import Forbidden

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


EXACTNESS = (
    " Figures come from rollups maintained on every ticket write: counts, rates and means are exact, "
    "median/p90 are within 1% relative error (`percentiles` says which). `exact=true` (admins) computes from "
    "the ticket rows instead, slow on big windows; an `assigned_to` filter always does."
)


def _filters(args: dict[str, Any]) -> AnalyticsFilters:
    return AnalyticsFilters(
        category=args.get("category"), priority=args.get("priority"), assigned_to=args.get("assigned_to")
    )


def _scope(args: dict[str, Any], default_days: int = DEFAULT_DAYS) -> dict[str, Any]:
    user = current_user()
    if args.get("exact") and user.role != "admin":
        raise Forbidden("Only admins may ask for exact=true (it reads every ticket row of the window).")
    return {
        "window": resolve_window(args, default_days=default_days),
        "filters": _filters(args),
        "user": user,
        "exact": bool(args.get("exact")),
    }


@blp.route("/trends/")
class Trends(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(TrendsQuerySchema, location="query")
    @blp.response(200, TrendsSchema)
    @blp.doc(
        description="Tickets created in the window (created_at in [from, to)), in total, per category "
        "(uncategorised as null) and per day/week/month; every period is present and "
        "zero-filled, series counts are keyed by category with 'none' for uncategorised." + WINDOW + EXACTNESS
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
        "median and p90 (percentile_cont definition, linear interpolation), overall, per category and per "
        "priority; figures are null when nothing was resolved." + WINDOW + EXACTNESS
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
        "any time up to now), overall and per category: {resolved, reopened, reopen_rate}."
        + WINDOW
        + EXACTNESS
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
        "without one." + WINDOW + EXACTNESS
    )
    def get(self, args):
        """Time to first agent response"""
        return service.first_response(**_scope(args))


@blp.route("/sla/")
class Sla(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(AnalyticsQuerySchema, location="query")
    @blp.response(200, SlaReportSchema)
    @blp.doc(
        description="SLA compliance of the targets (first response, resolution) whose due time is in the "
        "window, up to now: due, met (settled by the due time), breached (settled late or still waiting) "
        "and met/due, overall, per priority and per category. A ticket keeps the targets in force when it "
        "was created; a first response is settled by the first agent action or an earlier resolution; "
        "resolution by the first resolution. Calendar hours, no business hours or holidays."
        + WINDOW
        + EXACTNESS
    )
    def get(self, args):
        """SLA compliance per priority and category"""
        return service.sla(**_scope(args))


@blp.route("/sla/at-risk/")
class AtRisk(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(AtRiskQuerySchema, location="query")
    @blp.response(200, AtRiskSchema)
    @blp.doc(
        description="Tickets still waiting on a target (first response, or resolution) that is due within "
        "`hours` from now or already overdue, soonest due first, one item per ticket and target; `total` "
        "counts them all, `items` lists up to `limit`. Filters apply to the tickets' current values."
    )
    def get(self, args):
        """Open tickets about to breach (or breached) their SLA"""
        return service.at_risk(
            hours=args["hours"], filters=_filters(args), user=current_user(), limit=args["limit"]
        )
