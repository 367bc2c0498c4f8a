"""MTTR (first resolution, resolved_at in the window) and reopens (first resolution in the window)."""

from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2024, 3, 4, tzinfo=UTC)
WINDOW = {"from": "2024-03-04", "to": "2024-03-05"}  # [03-04 00:00, 03-06 00:00)
END = T0 + timedelta(days=2)
H = timedelta(hours=1)


def _s(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


@pytest.fixture
def resolved_tickets(add_ticket, agent):
    def status(at, old, new):
        return (at, "status", old, new, agent)

    # A: resolved after 3600 s.
    add_ticket(
        T0,
        category="billing",
        priority="HIGH",
        status="RESOLVED",
        resolved_at=T0 + H,
        events=[status(T0 + H, "OPEN", "RESOLVED")],
    )
    # B: first resolved after 7200 s, reopened, resolved again: TTR counts the first resolution.
    add_ticket(
        T0,
        category="billing",
        priority="LOW",
        status="CLOSED",
        resolved_at=T0 + _s(20000),
        events=[
            status(T0 + _s(7200), "IN_PROGRESS", "RESOLVED"),
            status(T0 + _s(10000), "RESOLVED", "OPEN"),
            status(T0 + _s(20000), "OPEN", "CLOSED"),
        ],
    )
    # C: created CLOSED: TTR 0.
    add_ticket(T0 + _s(100), initial="CLOSED", resolved_at=T0 + _s(100), actor=agent)
    # F: created the day before, resolved at 01:00: 90000 s.
    add_ticket(
        T0 - timedelta(days=1),
        category="bug",
        priority="HIGH",
        status="RESOLVED",
        resolved_at=T0 + H,
        events=[status(T0 + H, "OPEN", "RESOLVED")],
    )
    # D: resolved just before the window.
    add_ticket(
        T0 - timedelta(days=2),
        category="bug",
        status="RESOLVED",
        resolved_at=T0 - _s(1),
        events=[status(T0 - _s(1), "OPEN", "RESOLVED")],
    )
    # G: resolved exactly at the exclusive end.
    add_ticket(
        T0, category="bug", status="RESOLVED", resolved_at=END, events=[status(END, "OPEN", "RESOLVED")]
    )
    # E: still open.
    add_ticket(T0, category="bug")
    # H: first resolved before the window (a day after creation), reopened and resolved again inside it.
    add_ticket(
        T0 - timedelta(days=2),
        category="account",
        priority="URGENT",
        status="RESOLVED",
        resolved_at=T0 + H,
        events=[
            status(T0 - timedelta(days=1), "OPEN", "RESOLVED"),
            status(T0, "RESOLVED", "IN_PROGRESS"),
            status(T0 + H, "IN_PROGRESS", "RESOLVED"),
        ],
    )
    # I: first resolved in the window, reopened after it: open now (no resolved_at), counted by reopens only.
    add_ticket(
        T0,
        category="account",
        status="OPEN",
        events=[status(T0 + _s(600), "OPEN", "RESOLVED"), status(END + H, "RESOLVED", "OPEN")],
    )


def _figures(count, mean, median, p90):
    return {"resolved_count": count, "mttr_seconds": mean, "median_seconds": median, "p90_seconds": p90}


NOTHING = _figures(0, None, None, None)


def test_mttr_uses_the_first_resolution_of_tickets_resolved_in_the_window(get, resolved_tickets):
    body = get("mttr", **WINDOW)
    # Durations A 3600, B 7200, C 0, F 90000, H 86400 -> sorted 0, 3600, 7200, 86400, 90000: mean 37440,
    # median 7200; p90: position 0.9 * 4 = 3.6 -> 86400 + 0.6 * 3600 = 88560.
    assert {
        k: body[k] for k in ("resolved_count", "mttr_seconds", "median_seconds", "p90_seconds")
    } == _figures(5, 37440.0, 7200.0, 88560.0)
    by_category = {item.pop("category"): item for item in body["by_category"]}
    assert list(by_category) == ["billing", "bug", "account", "feature", "other", None]
    # billing: 3600, 7200 -> p90 position 0.9 -> 3600 + 0.9 * 3600 = 6840.
    assert by_category["billing"] == _figures(2, 5400.0, 5400.0, 6840.0)
    assert by_category["bug"] == _figures(1, 90000.0, 90000.0, 90000.0)
    assert by_category["account"] == _figures(1, 86400.0, 86400.0, 86400.0)
    assert by_category[None] == _figures(1, 0.0, 0.0, 0.0)
    assert by_category["feature"] == by_category["other"] == NOTHING
    by_priority = {item.pop("priority"): item for item in body["by_priority"]}
    # HIGH: 3600, 90000 -> p90 3600 + 0.9 * 86400 = 81360.
    assert by_priority == {
        "LOW": _figures(1, 7200.0, 7200.0, 7200.0),
        "MEDIUM": _figures(1, 0.0, 0.0, 0.0),
        "HIGH": _figures(2, 46800.0, 46800.0, 81360.0),
        "URGENT": _figures(1, 86400.0, 86400.0, 86400.0),
    }


def test_mttr_filters(get, resolved_tickets):
    assert get("mttr", **WINDOW, category="none")["resolved_count"] == 1
    body = get("mttr", **WINDOW, priority="HIGH", category="bug")
    assert (body["resolved_count"], body["median_seconds"]) == (1, 90000.0)


def test_mttr_of_an_empty_window_is_null(get, resolved_tickets):
    body = get("mttr", **{"from": "2024-04-01", "to": "2024-04-30"})
    assert {
        k: body[k] for k in ("resolved_count", "mttr_seconds", "median_seconds", "p90_seconds")
    } == NOTHING
    assert all(item["resolved_count"] == 0 and item["p90_seconds"] is None for item in body["by_priority"])


def test_mttr_keeps_fractions_of_seconds(get, add_ticket, agent):
    start = T0 + timedelta(microseconds=250_000)
    add_ticket(
        start,
        status="RESOLVED",
        resolved_at=T0 + _s(10),
        events=[(T0 + _s(10), "status", "OPEN", "RESOLVED", agent)],
    )
    assert get("mttr", **WINDOW)["mttr_seconds"] == 9.75


def test_reopens_count_tickets_first_resolved_in_the_window(get, resolved_tickets):
    body = get("reopens", **WINDOW)
    # First resolutions in the window: A, B, C, F, I (H's was before it, D before, G at the end).
    # Reopened afterwards: B (inside the window) and I (after the window).
    assert (body["resolved"], body["reopened"], body["reopen_rate"]) == (5, 2, 0.4)
    by_category = {item.pop("category"): item for item in body["by_category"]}
    assert by_category == {
        "billing": {"resolved": 2, "reopened": 1, "reopen_rate": 0.5},
        "bug": {"resolved": 1, "reopened": 0, "reopen_rate": 0.0},
        "account": {"resolved": 1, "reopened": 1, "reopen_rate": 1.0},
        "feature": {"resolved": 0, "reopened": 0, "reopen_rate": None},
        "other": {"resolved": 0, "reopened": 0, "reopen_rate": None},
        None: {"resolved": 1, "reopened": 0, "reopen_rate": 0.0},
    }


def test_reopens_filters_and_empty_window(get, resolved_tickets):
    body = get("reopens", **WINDOW, priority="LOW")
    assert (body["resolved"], body["reopened"]) == (1, 1)
    body = get("reopens", **{"from": "2024-04-01", "to": "2024-04-30"})
    assert (body["resolved"], body["reopened"], body["reopen_rate"]) == (0, 0, None)
