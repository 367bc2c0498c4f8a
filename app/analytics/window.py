"""The reporting window [from, to) and the calendar periods (day, week, month) that tile it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.errors import ValidationFailed
from app.timeutil import utcnow

DEFAULT_DAYS = 30
MAX_DAYS = 3650
INTERVALS = ("day", "week", "month")
# Periods reach up to a month past the window's ends; keeping windows inside these bounds keeps that
# arithmetic inside the range of datetime (year 1 to 9999).
EARLIEST, LATEST = datetime(2, 1, 1, tzinfo=UTC), datetime(9998, 12, 31, tzinfo=UTC)
OUT_OF_RANGE = f"Must lie between {EARLIEST.date()} and {LATEST.date()}."


@dataclass(frozen=True)
class Window:
    """A half-open UTC interval: start <= instant < end."""

    start: datetime
    end: datetime


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def resolve_window(
    args: dict[str, Any], *, now: datetime | None = None, default_days: int = DEFAULT_DAYS
) -> Window:
    """Turn validated `days` or `from`/`to` query arguments into a Window (422 on a bad combination)."""
    now = now or utcnow()
    days, start, end = args.get("days"), args.get("start"), args.get("end")
    if days is not None and (start is not None or end is not None):
        raise ValidationFailed(
            "Give either days or from/to, not both.", errors={"days": ["Cannot be combined with from/to."]}
        )
    if (start is None) != (end is None):
        missing = "to" if end is None else "from"
        raise ValidationFailed("from and to must be given together.", errors={missing: ["Missing."]})
    if start is None:
        return Window(start=now - timedelta(days=days or default_days), end=now)
    assert end is not None  # noqa: S101 - from and to come together (checked above)
    start_at = _midnight(start) if not isinstance(start, datetime) else start
    if not EARLIEST <= start_at <= LATEST:
        raise ValidationFailed("from is out of range.", errors={"from": [OUT_OF_RANGE]})
    # A plain date `to` is inclusive: the window runs to the end of that whole (UTC) day.
    end_at = _midnight(end) if not isinstance(end, datetime) else end
    if not EARLIEST <= end_at <= LATEST:
        raise ValidationFailed("to is out of range.", errors={"to": [OUT_OF_RANGE]})
    end_at += timedelta(days=0 if isinstance(end, datetime) else 1)
    # Compared as given: a date `to` stands for its whole day, so from may fall on that same day.
    if start_at > end_at or (not isinstance(end, datetime) and start_at.date() > end):
        raise ValidationFailed("from must not be after to.", errors={"from": ["After to."]})
    if end_at - start_at > timedelta(days=MAX_DAYS):
        raise ValidationFailed(
            f"The window may span at most {MAX_DAYS} days.",
            errors={"to": [f"More than {MAX_DAYS} days after from."]},
        )
    return Window(start=start_at, end=end_at)


def period_start(instant: datetime, interval: str) -> date:
    """The first day of the UTC day, ISO week (Monday) or month containing instant."""
    day = instant.astimezone(UTC).date()
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _next_period(day: date, interval: str) -> date:
    if interval == "week":
        return day + timedelta(days=7)
    if interval == "month":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day + timedelta(days=1)


def periods(window: Window, interval: str) -> list[date]:
    """Every period that overlaps the window, oldest first (empty for an empty window)."""
    if window.end <= window.start:
        return []
    current, last = (
        period_start(window.start, interval),
        period_start(window.end - timedelta(microseconds=1), interval),
    )
    found = []
    while current <= last:
        found.append(current)
        current = _next_period(current, interval)
    return found
