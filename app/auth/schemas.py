"""Request and response schemas for users and tokens."""

from marshmallow import Schema, fields, validate

from app.fields import UTCDateTime


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True)
    role = fields.String(dump_only=True)
    is_active = fields.Boolean(dump_only=True)
    created_at = UTCDateTime(dump_only=True)


class UserRefSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)


class TokenCreateSchema(Schema):
    name = fields.String(
        load_default="api",
        validate=validate.Length(min=1, max=100),
        metadata={"description": "A label to recognise the token by."},
    )
    ttl_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=3650),
        metadata={
            "description": "Days until the token expires: default and maximum TOKEN_TTL_DAYS (90); "
            "longer is 422. When TOKEN_TTL_DAYS is 0 tokens never expire unless ttl_days is given."
        },
    )


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    last_used_at = UTCDateTime(dump_only=True, allow_none=True)
    expires_at = UTCDateTime(dump_only=True, allow_none=True)
    revoked_at = UTCDateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(
        dump_only=True, attribute="secret", metadata={"description": "The secret, shown only once."}
    )
