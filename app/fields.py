"""Marshmallow fields shared by the API schemas."""

from marshmallow import fields

from app.timeutil import as_utc


class UTCDateTime(fields.DateTime):
    """An ISO 8601 datetime that is always rendered and read as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value), attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return as_utc(super()._deserialize(value, attr, data, **kwargs))
