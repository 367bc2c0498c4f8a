"""Analytics query arguments (window, filters) and response schemas, with each metric's definition."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate

from app.analytics.window import INTERVALS, MAX_DAYS
from app.auth.schemas import UserRefSchema
from app.fields import UTCDateTime, user_reference
from app.tickets.models import CATEGORIES, OPEN_STATUSES, PRIORITIES

CATEGORY_ENUM = [*CATEGORIES, None]


class DateOrDateTime(fields.Field):
    """An ISO 8601 date (YYYY-MM-DD, a whole UTC day) or datetime (naive means UTC)."""

    def _deserialize(self, value, attr, data, **kwargs) -> dt.date | dt.datetime:
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError as exc:
                raise ValidationError("Not a valid ISO 8601 date.") from exc
        return UTCDateTime()._deserialize(value, attr, data, **kwargs)


class AnalyticsQuerySchema(Schema):
    days = fields.Integer(
        strict=False,
        validate=validate.Range(min=1, max=MAX_DAYS),
        metadata={
            "description": f"Window of the last N days, [now - N days, now); 1..{MAX_DAYS}, "
            f"default 30 (backlog: {MAX_DAYS}). "
            "Cannot be combined with from/to."
        },
    )
    start = DateOrDateTime(
        data_key="from",
        metadata={
            "description": "Window start (inclusive), an ISO 8601 date (00:00 UTC) or datetime "
            "with optional offset "
            "(naive = UTC). Give together with `to`.",
            "type": "string",
        },
    )
    end = DateOrDateTime(
        data_key="to",
        metadata={
            "description": "Window end. A date is inclusive (covers that whole UTC day); "
            "a datetime is exclusive. "
            "Must not be before `from`; the window spans at most 3650 days.",
            "type": "string",
        },
    )
    category = fields.String(
        validate=validate.OneOf((*CATEGORIES, "none")),
        metadata={"description": "Only tickets of this category; 'none': uncategorised."},
    )
    priority = fields.String(
        validate=validate.OneOf(PRIORITIES), metadata={"description": "Only tickets of this priority."}
    )
    assigned_to = fields.String(
        validate=user_reference("me", "none"),
        metadata={
            "description": "Only tickets assigned to 'me', to nobody ('none') or to the user with this id."
        },
    )

    exact = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Admins only (others get 403): compute from the ticket rows instead of the "
            "rollups; exact percentiles, but slow on big windows (seconds at a million tickets)."
        },
    )


class TrendsQuerySchema(AnalyticsQuerySchema):
    interval = fields.String(
        load_default="day",
        validate=validate.OneOf(INTERVALS),
        metadata={"description": "Series period: day, week (ISO, starts Monday) or month; UTC calendar."},
    )


def _seconds(description: str) -> fields.Float:
    return fields.Float(
        dump_only=True,
        allow_none=True,
        metadata={"description": description + " In seconds (3 decimals); null when no tickets."},
    )


class WindowSchema(Schema):
    source = fields.String(
        dump_only=True,
        metadata={
            "enum": ["rollups", "tickets"],
            "description": "rollups: pre-aggregated per day, category and priority (counts, sums and means "
            "exact; the backlog's open tickets also per status and assignee); tickets: computed from the "
            "ticket rows (exact=true, an assigned_to filter).",
        },
    )
    percentiles = fields.String(
        dump_only=True,
        metadata={
            "enum": ["approximate, within 1%", "exact"],
            "description": "Whether median/p90 figures are exact or within 1% relative error (log buckets).",
        },
    )
    start = UTCDateTime(
        dump_only=True,
        data_key="from",
        attribute="from",
        metadata={"description": "Window start, inclusive (UTC)."},
    )
    end = UTCDateTime(
        dump_only=True,
        data_key="to",
        attribute="to",
        metadata={"description": "Window end, exclusive (UTC)."},
    )


def _category() -> fields.String:
    return fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"enum": CATEGORY_ENUM, "description": "null: uncategorised tickets."},
    )


class CategoryCountSchema(Schema):
    category = _category()
    count = fields.Integer(dump_only=True)


class PeriodSchema(Schema):
    period = fields.Date(
        dump_only=True, metadata={"description": "First day (UTC) of the day, week or month."}
    )
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        dump_only=True,
        metadata={
            "description": "Tickets created in the period (and the window) per category; every category and "
            "'none' (uncategorised) is present, zero included."
        },
    )


class TrendsSchema(WindowSchema):
    interval = fields.String(dump_only=True, metadata={"enum": list(INTERVALS)})
    total = fields.Integer(dump_only=True, metadata={"description": "Tickets created in the window."})
    by_category = fields.List(
        fields.Nested(CategoryCountSchema),
        dump_only=True,
        metadata={
            "description": "Tickets created in the window per current category, "
            "every category and null listed."
        },
    )
    series = fields.List(
        fields.Nested(PeriodSchema),
        dump_only=True,
        metadata={
            "description": "Every period overlapping the window, oldest first; "
            "the first and last may be partial."
        },
    )


class _ResolveFigures(Schema):
    resolved_count = fields.Integer(
        dump_only=True, metadata={"description": "Tickets whose resolved_at is in the window."}
    )
    mttr_seconds = _seconds("Mean time to resolve: first resolution minus created_at.")
    median_seconds = _seconds("Median (percentile_cont 0.5) time to resolve.")
    p90_seconds = _seconds("90th percentile (percentile_cont 0.9, linear interpolation) time to resolve.")


class MttrCategorySchema(_ResolveFigures):
    category = _category()


class MttrPrioritySchema(_ResolveFigures):
    priority = fields.String(dump_only=True, metadata={"enum": list(PRIORITIES)})


class MttrSchema(WindowSchema, _ResolveFigures):
    by_category = fields.List(fields.Nested(MttrCategorySchema), dump_only=True)
    by_priority = fields.List(fields.Nested(MttrPrioritySchema), dump_only=True)


class AssigneeCountSchema(Schema):
    assignee = fields.Nested(
        UserRefSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "null: unassigned (always listed)."},
    )
    count = fields.Integer(dump_only=True)


class StatusCountSchema(Schema):
    status = fields.String(dump_only=True, metadata={"enum": list(OPEN_STATUSES)})
    count = fields.Integer(dump_only=True)


class PriorityCountSchema(Schema):
    priority = fields.String(dump_only=True, metadata={"enum": list(PRIORITIES)})
    count = fields.Integer(dump_only=True)


class BacklogSchema(WindowSchema):
    as_of = UTCDateTime(dump_only=True, metadata={"description": "The instant 'open now' and ages refer to."})
    open_count = fields.Integer(
        dump_only=True,
        metadata={"description": "Tickets OPEN or IN_PROGRESS now that were created in the window."},
    )
    by_status = fields.List(fields.Nested(StatusCountSchema), dump_only=True)
    by_category = fields.List(fields.Nested(CategoryCountSchema), dump_only=True)
    by_priority = fields.List(fields.Nested(PriorityCountSchema), dump_only=True)
    by_assignee = fields.List(
        fields.Nested(AssigneeCountSchema),
        dump_only=True,
        metadata={
            "description": "Current assignees with open tickets, most loaded first, plus unassigned (null)."
        },
    )
    median_age_seconds = _seconds("Median age (as_of minus created_at) of those open tickets.")
    p90_age_seconds = _seconds("90th percentile age of those open tickets.")


class _ReopenFigures(Schema):
    resolved = fields.Integer(
        dump_only=True,
        metadata={
            "description": "Tickets whose FIRST resolution (status event to RESOLVED/CLOSED, "
            "or creation in that "
            "state) is in the window."
        },
    )
    reopened = fields.Integer(
        dump_only=True,
        metadata={
            "description": "Of those, tickets later moved from RESOLVED/CLOSED back to "
            "OPEN/IN_PROGRESS (up to now)."
        },
    )
    reopen_rate = fields.Float(
        dump_only=True,
        allow_none=True,
        metadata={"description": "reopened / resolved (4 decimals); null when nothing was resolved."},
    )


class ReopenCategorySchema(_ReopenFigures):
    category = _category()


class ReopensSchema(WindowSchema, _ReopenFigures):
    by_category = fields.List(fields.Nested(ReopenCategorySchema), dump_only=True)


class FirstResponseSchema(WindowSchema):
    created_count = fields.Integer(dump_only=True, metadata={"description": "Tickets created in the window."})
    responded_count = fields.Integer(
        dump_only=True,
        metadata={"description": "Of those, tickets with at least one agent action (up to now)."},
    )
    without_response = fields.Integer(
        dump_only=True, metadata={"description": "Tickets created in the window with no agent action yet."}
    )
    mean_seconds = _seconds("Mean time from created_at to the first agent action.")
    median_seconds = _seconds("Median time to the first agent action.")
    p90_seconds = _seconds("90th percentile time to the first agent action.")


class SlaQuerySchema(AnalyticsQuerySchema):
    pass


class ComplianceSchema(Schema):
    due = fields.Integer(dump_only=True, metadata={"description": "Targets due in the window (up to now)."})
    met = fields.Integer(dump_only=True, metadata={"description": "Settled by their due time."})
    breached = fields.Integer(dump_only=True, metadata={"description": "Settled late, or still waiting."})
    compliance_rate = fields.Float(
        dump_only=True,
        allow_none=True,
        metadata={"description": "met / due (4 decimals); null when none due."},
    )


class _SlaFigures(Schema):
    first_response = fields.Nested(ComplianceSchema, dump_only=True)
    resolution = fields.Nested(ComplianceSchema, dump_only=True)


class SlaPrioritySchema(_SlaFigures):
    priority = fields.String(dump_only=True, metadata={"enum": list(PRIORITIES)})


class SlaCategorySchema(_SlaFigures):
    category = _category()


class SlaReportSchema(WindowSchema, _SlaFigures):
    by_priority = fields.List(fields.Nested(SlaPrioritySchema), dump_only=True)
    by_category = fields.List(fields.Nested(SlaCategorySchema), dump_only=True)


class AtRiskQuerySchema(Schema):
    hours = fields.Float(
        load_default=4.0,
        validate=validate.Range(min=0, max=24 * 365),
        metadata={"description": "Horizon: targets due within this many hours from now, or already overdue."},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    category = AnalyticsQuerySchema._declared_fields["category"]
    priority = AnalyticsQuerySchema._declared_fields["priority"]
    assigned_to = AnalyticsQuerySchema._declared_fields["assigned_to"]


class AtRiskTicketSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(OPEN_STATUSES)})
    priority = fields.String(dump_only=True, metadata={"enum": list(PRIORITIES)})
    category = _category()
    assigned_to = fields.Nested(UserRefSchema, dump_only=True, allow_none=True)


class AtRiskItemSchema(Schema):
    ticket = fields.Nested(AtRiskTicketSchema, dump_only=True)
    target = fields.String(dump_only=True, metadata={"enum": ["first_response", "resolution"]})
    due_at = UTCDateTime(dump_only=True)
    overdue = fields.Boolean(dump_only=True, metadata={"description": "The due time has passed: breached."})


class AtRiskSchema(Schema):
    as_of = UTCDateTime(dump_only=True)
    hours = fields.Float(dump_only=True)
    total = fields.Integer(dump_only=True, metadata={"description": "All matching (ticket, target) pairs."})
    items = fields.List(
        fields.Nested(AtRiskItemSchema),
        dump_only=True,
        metadata={"description": "Soonest due first, up to limit."},
    )
