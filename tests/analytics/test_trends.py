"""Trends: tickets created in [from, to), per category and per zero-filled day/week/month."""

from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
ZERO = {"billing": 0, "bug": 0, "account": 0, "feature": 0, "other": 0, "none": 0}


def _counts(**nonzero):
    return {**ZERO, **nonzero}


@pytest.fixture
def week_of_tickets(add_ticket, agent):
    add_ticket(T0, category="billing")  # exactly at from: inside
    add_ticket(T0 + timedelta(hours=5), category="billing", priority="HIGH", assigned_to_id=agent.id)
    add_ticket(T0 + timedelta(days=1, hours=3), category=None)
    add_ticket(
        T0 + timedelta(days=3, hours=23, minutes=59, seconds=59), category="bug"
    )  # last second of 03-07
    add_ticket(T0 + timedelta(days=4), category="bug")  # 03-08 00:00: outside to=2024-03-07
    add_ticket(T0 - timedelta(microseconds=1), category="other")  # just before from: outside


def test_counts_created_tickets_per_category_with_a_whole_day_inclusive_to(get, week_of_tickets):
    body = get("trends", **{"from": "2024-03-04", "to": "2024-03-07"})
    assert body["from"] == "2024-03-04T00:00:00+00:00"
    assert body["to"] == "2024-03-08T00:00:00+00:00"
    assert body["total"] == 4
    assert body["by_category"] == [
        {"category": "billing", "count": 2},
        {"category": "bug", "count": 1},
        {"category": "account", "count": 0},
        {"category": "feature", "count": 0},
        {"category": "other", "count": 0},
        {"category": None, "count": 1},
    ]
    assert body["series"] == [
        {"period": "2024-03-04", "counts": _counts(billing=2)},
        {"period": "2024-03-05", "counts": _counts(none=1)},
        {"period": "2024-03-06", "counts": ZERO},
        {"period": "2024-03-07", "counts": _counts(bug=1)},
    ]


def test_a_datetime_to_is_exclusive(get, week_of_tickets):
    body = get("trends", **{"from": "2024-03-04T00:00:00Z", "to": "2024-03-04T05:00:00Z"})
    assert body["total"] == 1
    assert (
        get("trends", **{"from": "2024-03-04T00:00:00Z", "to": "2024-03-04T05:00:00.000001Z"})["total"] == 2
    )


def test_offsets_are_converted_to_utc(get, week_of_tickets):
    body = get("trends", **{"from": "2024-03-04T07:00:00+02:00", "to": "2024-03-05T05:00:00+02:00"})
    assert body["from"] == "2024-03-04T05:00:00+00:00"
    assert body["to"] == "2024-03-05T03:00:00+00:00"
    assert body["total"] == 1  # only the 05:00 UTC ticket; the 03-05 03:00 one is at the exclusive end
    assert [p["period"] for p in body["series"]] == ["2024-03-04", "2024-03-05"]


def test_days_window_ends_now(get, add_ticket, frozen_now):
    add_ticket(frozen_now - timedelta(days=7))  # exactly at from: inside
    add_ticket(frozen_now - timedelta(days=7, seconds=1))
    add_ticket(frozen_now - timedelta(seconds=1))
    body = get("trends", days=7)
    assert body["total"] == 2
    assert len(body["series"]) == 8  # 03 .. 10 June: the first and the last day are partial


def test_weekly_series_starts_on_monday_and_is_zero_filled(get, add_ticket):
    add_ticket(datetime(2024, 3, 3, 23, 0, tzinfo=UTC), category="account")  # Sunday
    add_ticket(datetime(2024, 3, 4, 0, 0, tzinfo=UTC), category="account")  # Monday
    add_ticket(datetime(2024, 3, 24, 12, 0, tzinfo=UTC), category="feature")  # Sunday
    body = get("trends", interval="week", **{"from": "2024-02-28", "to": "2024-03-25"})
    assert body["series"] == [
        {"period": "2024-02-26", "counts": _counts(account=1)},
        {"period": "2024-03-04", "counts": _counts(account=1)},
        {"period": "2024-03-11", "counts": ZERO},
        {"period": "2024-03-18", "counts": _counts(feature=1)},
        {"period": "2024-03-25", "counts": ZERO},
    ]


def test_monthly_series_crosses_a_year_and_is_zero_filled(get, add_ticket):
    add_ticket(datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC), category="bug")
    add_ticket(datetime(2024, 2, 29, 8, 0, tzinfo=UTC))
    body = get("trends", interval="month", **{"from": "2023-11-15", "to": "2024-03-01"})
    assert body["series"] == [
        {"period": "2023-11-01", "counts": ZERO},
        {"period": "2023-12-01", "counts": _counts(bug=1)},
        {"period": "2024-01-01", "counts": ZERO},
        {"period": "2024-02-01", "counts": _counts(none=1)},
        {"period": "2024-03-01", "counts": ZERO},
    ]


def test_empty_window(get):
    body = get("trends", **{"from": "2024-03-04T10:00:00Z", "to": "2024-03-04T10:00:00Z"})
    assert body["total"] == 0 and body["series"] == []
    assert all(item["count"] == 0 for item in body["by_category"])


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({"category": "billing"}, 2),
        ({"category": "none"}, 1),
        ({"priority": "HIGH"}, 1),
        ({"assigned_to": "me"}, 1),
        ({"assigned_to": "none"}, 3),
        ({"category": "bug", "priority": "HIGH"}, 0),
    ],
)
def test_filters(get, week_of_tickets, params, total):
    assert get("trends", **{"from": "2024-03-04", "to": "2024-03-07"}, **params)["total"] == total


def test_assigned_to_a_user_id(get, week_of_tickets, agent, admin):
    window = {"from": "2024-03-04", "to": "2024-03-07"}
    assert get("trends", **window, assigned_to=str(agent.id))["total"] == 1
    assert get("trends", **window, assigned_to=str(admin.id))["total"] == 0
