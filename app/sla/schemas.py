"""SLA target schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.sla.models import MAX_HOURS
from app.tickets.models import PRIORITIES

HOURS = validate.Range(min=0, min_inclusive=False, max=MAX_HOURS)


class SlaTargetSchema(Schema):
    priority = fields.String(dump_only=True, metadata={"enum": list(PRIORITIES)})
    first_response_hours = fields.Float(
        required=True,
        validate=HOURS,
        metadata={"description": "Calendar hours from creation to the first agent action (or resolution)."},
    )
    resolution_hours = fields.Float(
        required=True,
        validate=HOURS,
        metadata={"description": "Calendar hours from creation to the first resolution."},
    )
