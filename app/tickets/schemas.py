"""Ticket request, query and response schemas."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates, validates_schema

from app.auth.schemas import UserRefSchema
from app.fields import ID_RANGE, UTCDateTime, user_reference
from app.pagination import MAX_OFFSET_RECORDS
from app.tickets.milestones import response_settled_at, sla_state
from app.tickets.models import CATEGORIES, EVENT_KINDS, PRIORITIES, STATUSES
from app.tickets.query import ORDERINGS
from app.tickets.search import LANGUAGES as SEARCH_LANGUAGES
from app.timeutil import as_utc, utcnow

SLA_STATE = {
    "type": "string",
    "nullable": True,
    "enum": ["met", "breached", "pending", None],
    "description": "met: settled by the due time; breached: settled late, or still waiting past it; "
    "pending: still waiting, not yet due; null: the ticket has no target.",
}
TITLE = validate.Length(min=1, max=200)
DESCRIPTION = validate.Length(min=1, max=20_000)


class TicketSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    priority = fields.String(dump_only=True, metadata={"enum": list(PRIORITIES)})
    category = fields.String(dump_only=True, allow_none=True, metadata={"enum": list(CATEGORIES)})
    category_source = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Who set the category: human or model."}
    )
    created_by = fields.Nested(UserRefSchema, dump_only=True)
    assigned_to = fields.Nested(UserRefSchema, dump_only=True, allow_none=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)
    resolved_at = UTCDateTime(dump_only=True, allow_none=True)
    version = fields.Integer(
        dump_only=True, metadata={"description": "Increases with every change; the ETag derives from it."}
    )
    first_response_due_at = UTCDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "First response due (SLA target at creation)."},
    )
    resolution_due_at = UTCDateTime(
        dump_only=True, allow_none=True, metadata={"description": "Resolution due (SLA target at creation)."}
    )
    first_response_sla = fields.Method("_response_sla", dump_only=True, metadata=SLA_STATE)
    resolution_sla = fields.Method("_resolution_sla", dump_only=True, metadata=SLA_STATE)

    def _response_sla(self, ticket) -> str | None:
        return sla_state(as_utc(ticket.first_response_due_at), as_utc(response_settled_at(ticket)), utcnow())

    def _resolution_sla(self, ticket) -> str | None:
        return sla_state(as_utc(ticket.resolution_due_at), as_utc(ticket.first_resolved_at), utcnow())


class _TextFields(Schema):
    @validates("title", "description")
    def _not_blank(self, value: str, data_key: str) -> None:
        if not value.strip():
            raise ValidationError("Must not be blank.")


class TicketCreateSchema(_TextFields):
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(required=True, validate=DESCRIPTION)
    priority = fields.String(validate=validate.OneOf(PRIORITIES), metadata={"default": "MEDIUM"})
    category = fields.String(
        allow_none=True,
        validate=validate.OneOf(CATEGORIES),
        metadata={"description": "Agents and admins only; a human label."},
    )
    status = fields.String(
        validate=validate.OneOf(STATUSES), metadata={"description": "Agents and admins only; default OPEN."}
    )
    assigned_to = fields.Integer(
        allow_none=True, validate=ID_RANGE, metadata={"description": "Agents and admins only."}
    )


class TicketUpdateSchema(_TextFields):
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(required=True, validate=DESCRIPTION)
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    category = fields.String(
        allow_none=True,
        validate=validate.OneOf(CATEGORIES),
        metadata={"description": "Agents and admins only; a human label."},
    )


class TicketPatchSchema(TicketUpdateSchema):
    """PATCH body: any subset of the PUT fields (used with partial=True)."""


class AssignSchema(Schema):
    assigned_to = fields.Integer(
        required=True,
        allow_none=True,
        validate=ID_RANGE,
        metadata={"description": "An active agent's or admin's id, or null."},
    )


class TransitionSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class TicketQuerySchema(Schema):
    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)),
        metadata={"description": "Repeat to match any of several statuses."},
    )
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    category = fields.String(
        validate=validate.OneOf((*CATEGORIES, "none")),
        metadata={"description": "'none' selects uncategorised tickets."},
    )
    assigned_to = fields.String(
        validate=user_reference("me", "none"), metadata={"description": "'me', 'none' or a user id."}
    )
    created_by = fields.String(validate=user_reference("me"), metadata={"description": "'me' or a user id."})
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "Full-text search in title and description (PostgreSQL: websearch syntax, e.g. "
            '`refund -duplicate`, `"exact phrase"`, `invoice or receipt`; words are stemmed in `lang`); '
            "a case-insensitive substring match on SQLite. Results keep the list's ordering."
        },
    )
    lang = fields.String(
        validate=validate.OneOf(SEARCH_LANGUAGES),
        metadata={"description": "Language of q's words; default SEARCH_LANGUAGE (english)."},
    )
    created_after = UTCDateTime(metadata={"description": "Inclusive lower bound on created_at."})
    created_before = UTCDateTime(metadata={"description": "Exclusive upper bound on created_at."})
    updated_after = UTCDateTime(
        metadata={
            "description": "Exclusive lower bound on updated_at; orders by updated_at (the default and only "
            "ordering allowed with it). With cursor= this is an incremental export: a ticket changed "
            "during the export appears again later, none is skipped."
        }
    )
    ordering = fields.String(
        validate=validate.OneOf([*ORDERINGS, *(f"-{o}" for o in ORDERINGS)]),
        metadata={
            "description": "One of " + ", ".join(ORDERINGS) + ", each with an optional '-'; default "
            "-created_at. Ties are broken by id in the same direction."
        },
    )
    cursor = fields.String(
        metadata={
            "description": "Cursor mode: empty for the first page, then the next_cursor of the previous page "
            "(X-Pagination, or the Link rel=next URL). Works at any depth; 400 if altered or reused with "
            "other filters."
        }
    )
    page = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": f"Offset mode page (default 1), up to {MAX_OFFSET_RECORDS:,} records deep."},
    )
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    count = fields.Boolean(
        load_default=False,
        metadata={"description": "Count every match for X-Pagination's total (costly on large lists)."},
    )

    @validates_schema
    def _one_mode(self, data: dict[str, Any], **_: Any) -> None:
        if "cursor" in data and "page" in data:
            raise ValidationError("Use either page or cursor, not both.", "page")
        if data.get("updated_after") and data.get("ordering", "updated_at") != "updated_at":
            raise ValidationError("updated_after lists are ordered by updated_at.", "ordering")

    @post_load
    def _default_ordering(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data.setdefault("ordering", "updated_at" if data.get("updated_after") else "-created_at")
        return data


class TicketEventSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(EVENT_KINDS)})
    from_value = fields.String(dump_only=True, allow_none=True)
    to_value = fields.String(dump_only=True, allow_none=True)
    source = fields.String(dump_only=True, allow_none=True)
    actor = fields.Nested(UserRefSchema, dump_only=True, allow_none=True)
    created_at = UTCDateTime(dump_only=True)
