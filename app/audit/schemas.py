"""Deletion audit query and response schemas."""

from marshmallow import Schema, fields, validate

from app.auth.schemas import UserRefSchema
from app.fields import ID_RANGE, UTCDateTime


class DeletionQuerySchema(Schema):
    kind = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "e.g. ticket"})
    object_id = fields.Integer(validate=ID_RANGE, metadata={"description": "The deleted object's id."})


class DeletionSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    object_id = fields.Integer(dump_only=True)
    deleted_by = fields.Nested(UserRefSchema, dump_only=True, allow_none=True)
    deleted_at = UTCDateTime(dump_only=True)
    snapshot = fields.Dict(
        dump_only=True,
        metadata={"description": "The object as it was when deleted; for tickets, its columns and `events`."},
    )
