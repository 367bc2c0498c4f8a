"""Marshmallow fields and validators shared by the API schemas."""

from __future__ import annotations

from collections.abc import Callable

from marshmallow import ValidationError, fields, validate

from app.timeutil import as_utc

# Primary keys are 32-bit INTEGER columns: a larger id can only be "not found", never a database error.
MAX_ID = 2**31 - 1
ID_RANGE = validate.Range(min=1, max=MAX_ID)


def is_id(value: str) -> bool:
    """True for a decimal id in 1..MAX_ID (str.isdigit alone accepts digits like '²' that int() refuses)."""
    return value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID


class UTCDateTime(fields.DateTime):
    """An ISO 8601 datetime that is always rendered and read as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value), attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            return as_utc(parsed)
        except OverflowError as exc:  # e.g. 0001-01-01T00:00+01:00 is before the first UTC instant
            raise ValidationError("Outside the range of representable UTC datetimes.") from exc


def user_reference(*words: str) -> Callable[[str], None]:
    """Validate a query value that is one of `words` (e.g. 'me', 'none') or a user id."""

    def check(value: str) -> None:
        if value in words:
            return
        if not is_id(value):
            raise ValidationError(f"Must be {', '.join(repr(w) for w in words)} or a user id.")

    return check
