"""Backlog (open now, created in the window) and first response (first agent action)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

H = timedelta(hours=1)
T0 = datetime(2024, 3, 4, tzinfo=UTC)
WINDOW = {"from": "2024-03-04", "to": "2024-03-04"}


@pytest.fixture
def open_tickets(add_ticket, agent, frozen_now):
    add_ticket(frozen_now - 2 * H, category="billing", priority="HIGH")
    add_ticket(
        frozen_now - 4 * H, status="IN_PROGRESS", category="bug", priority="LOW", assigned_to_id=agent.id
    )
    add_ticket(frozen_now - 10 * H, priority="HIGH", assigned_to_id=agent.id)
    add_ticket(frozen_now - 5 * H, status="RESOLVED", resolved_at=frozen_now - H, category="bug")
    add_ticket(frozen_now - timedelta(days=40), category="other")


def test_backlog_counts_open_tickets_and_their_ages(get, open_tickets, agent):
    body = get("backlog", days=30)
    assert body["as_of"] == "2024-06-10T12:00:00+00:00"
    assert body["open_count"] == 3
    assert body["by_status"] == [{"status": "OPEN", "count": 2}, {"status": "IN_PROGRESS", "count": 1}]
    assert {i["category"]: i["count"] for i in body["by_category"]} == {
        "billing": 1,
        "bug": 1,
        "account": 0,
        "feature": 0,
        "other": 0,
        None: 1,
    }
    assert body["by_priority"] == [
        {"priority": "LOW", "count": 1},
        {"priority": "MEDIUM", "count": 0},
        {"priority": "HIGH", "count": 2},
        {"priority": "URGENT", "count": 0},
    ]
    assert body["by_assignee"] == [
        {"assignee": {"id": agent.id, "username": "agent"}, "count": 2},
        {"assignee": None, "count": 1},
    ]
    # Ages 7200, 14400, 36000: median 14400; p90 position 1.8 -> 14400 + 0.8 * 21600 = 31680.
    assert (body["median_age_seconds"], body["p90_age_seconds"]) == (14400.0, 31680.0)


def test_backlog_without_a_window_is_the_whole_backlog(get, open_tickets):
    assert get("backlog")["open_count"] == 4
    assert get("backlog", days=30)["open_count"] == 3


def test_backlog_window_selects_by_creation(get, open_tickets):
    body = get("backlog", days=60)
    assert body["open_count"] == 4
    # Ages 7200, 14400, 36000, 3456000: p90 position 2.7 -> 36000 + 0.7 * (3456000 - 36000) = 2430000.
    assert body["p90_age_seconds"] == 2430000.0


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"assigned_to": "me"}, 2),
        ({"assigned_to": "none"}, 1),
        ({"category": "none"}, 1),
        ({"priority": "HIGH"}, 2),
        ({"category": "feature"}, 0),
    ],
)
def test_backlog_filters(get, open_tickets, params, count):
    assert get("backlog", days=30, **params)["open_count"] == count


def test_empty_backlog_lists_unassigned_and_null_ages(get, frozen_now):
    body = get("backlog")
    assert body["open_count"] == 0 and body["by_assignee"] == [{"assignee": None, "count": 0}]
    assert body["median_age_seconds"] is None and body["p90_age_seconds"] is None


@pytest.fixture
def responses(add_ticket, agent, admin, requester):
    # P: assigned by an agent after 600 s (a later status change does not matter).
    add_ticket(
        T0,
        events=[
            (T0 + 600 * timedelta(seconds=1), "assignment", None, str(agent.id), agent),
            (T0 + 900 * timedelta(seconds=1), "status", "OPEN", "IN_PROGRESS", agent),
        ],
    )
    # Q: the requester closing it is no response; the admin's assignment 3600 s after creation is.
    q = T0 + timedelta(seconds=1000)
    add_ticket(
        q,
        category="bug",
        events=[
            (q + timedelta(seconds=500), "status", "OPEN", "CLOSED", requester),
            (q + H, "assignment", None, str(admin.id), admin),
        ],
    )
    # R: only a model categorisation (no actor): no response.
    r = T0 + timedelta(seconds=2000)
    add_ticket(r, events=[(r + H, "category", None, "bug", None)])
    # S: an agent edited and re-prioritised it, but neither is an action: no response.
    s = T0 + timedelta(seconds=3000)
    add_ticket(s, events=[(s + H, "edited", None, "title", agent), (s + H, "priority", "LOW", "HIGH", agent)])
    # Created before the window, answered inside it: not counted.
    add_ticket(T0 - H, events=[(T0 + H, "assignment", None, str(agent.id), agent)])


def test_first_response_times(get, responses):
    body = get("first-response", **WINDOW)
    # Responses 600 and 3600 s: mean = median 2100; p90 position 0.9 -> 600 + 0.9 * 3000 = 3300.
    assert {k: v for k, v in body.items() if k not in ("from", "to", "source", "percentiles")} == {
        "created_count": 4,
        "responded_count": 2,
        "without_response": 2,
        "mean_seconds": 2100.0,
        "median_seconds": 2100.0,
        "p90_seconds": 3300.0,
    }


def test_first_response_filters_and_empty_window(get, responses):
    body = get("first-response", **WINDOW, category="bug")
    assert (body["created_count"], body["responded_count"], body["median_seconds"]) == (1, 1, 3600.0)
    body = get("first-response", **{"from": "2024-04-01", "to": "2024-04-02"})
    assert (body["created_count"], body["without_response"], body["mean_seconds"]) == (0, 0, None)


def test_backlog_falls_back_to_the_ticket_rows_when_the_backlog_moves_between_reads(
    client, auth, agent, open_tickets, monkeypatch
):
    # As if tickets were resolved between the per-day counts and the rank reads: more counted than found.
    from app.analytics import backlog

    counted = backlog._grouped

    def inflated(*args, by_day):
        found = counted(*args, by_day=by_day)
        return Counter({key: n + 5 for key, n in found.items()}) if by_day else found

    monkeypatch.setattr(backlog, "_grouped", inflated)
    response = client.get("/api/analytics/backlog/", query_string={"days": 30}, headers=auth(agent))
    assert response.status_code == 200
    body = response.get_json()
    assert body["source"] == "tickets" and body["open_count"] == 3
    assert body["median_age_seconds"] == 4 * 3600
