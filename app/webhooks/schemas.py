"""Webhook request and response schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.fields import UTCDateTime
from app.webhooks.models import DELIVERY_STATUSES, EVENTS

EVENT_LIST = fields.List(
    fields.String(validate=validate.OneOf(EVENTS)),
    validate=validate.Length(min=1),
    metadata={"description": "Events to receive: " + ", ".join(EVENTS) + "."},
)
SECRET = validate.Length(min=16, max=200)


class WebhookSchema(Schema):
    id = fields.Integer(dump_only=True)
    url = fields.String(dump_only=True)
    events = fields.List(fields.String(metadata={"enum": list(EVENTS)}), dump_only=True)
    description = fields.String(dump_only=True, allow_none=True)
    is_active = fields.Boolean(dump_only=True)
    consecutive_failures = fields.Integer(dump_only=True)
    disabled_reason = fields.String(dump_only=True, allow_none=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(
        dump_only=True, metadata={"description": "The signing secret; shown only in this answer."}
    )


class WebhookCreateSchema(Schema):
    url = fields.URL(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
        metadata={"description": "Receives POSTs; loopback/private/link-local hosts are refused."},
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS)), required=True, validate=validate.Length(min=1)
    )
    secret = fields.String(
        load_only=True,
        validate=SECRET,
        metadata={"description": "HMAC-SHA256 signing secret (16+ characters); generated when omitted."},
    )
    description = fields.String(validate=validate.Length(max=200))


class WebhookPatchSchema(Schema):
    url = fields.URL(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2000))
    events = fields.List(fields.String(validate=validate.OneOf(EVENTS)), validate=validate.Length(min=1))
    secret = fields.String(load_only=True, validate=SECRET)
    description = fields.String(validate=validate.Length(max=200))
    is_active = fields.Boolean(metadata={"description": "true re-enables a disabled endpoint."})


class DeliveryQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class DeliverySchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The body's id (unique per delivery)."})
    event = fields.String(dump_only=True, metadata={"enum": list(EVENTS)})
    status = fields.String(dump_only=True, metadata={"enum": list(DELIVERY_STATUSES)})
    attempts = fields.Integer(dump_only=True)
    next_attempt_at = UTCDateTime(dump_only=True, allow_none=True)
    last_status_code = fields.Integer(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    created_at = UTCDateTime(dump_only=True)
    delivered_at = UTCDateTime(dump_only=True, allow_none=True)
