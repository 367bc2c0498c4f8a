"""Property: after any sequence of ticket writes, the rollup reports equal the exact ones.

Counts and rates exactly, means to the millisecond, percentiles within 1%, for windows that cut days and
months anywhere, with and without filters, on whichever database the suite runs on (PostgreSQL or SQLite).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.analytics import service as analytics
from app.analytics.filters import AnalyticsFilters
from app.analytics.models import RollupBucket, RollupCount, RollupOpen, RollupWaiting
from app.analytics.window import INTERVALS, Window
from app.extensions import db
from app.tickets import service as tickets
from app.tickets.models import CATEGORIES, PRIORITIES, Ticket, TicketEvent
from app.tickets.workflow import TRANSITIONS
from app.timeutil import as_utc
from tests.analytics.agreement import assert_agrees

START = datetime(2024, 1, 30, 9, 0, tzinfo=UTC)
META = {"source": None, "percentiles": None}
REPORTS = ("trends", "mttr", "first_response", "reopens", "sla", "backlog")

categories = st.sampled_from((*CATEGORIES, None))
priorities = st.sampled_from(PRIORITIES)
pauses = st.integers(min_value=0, max_value=4 * 86400 * 1_000_000).map(lambda us: timedelta(microseconds=us))
operations = st.one_of(
    st.tuples(
        st.just("create"), priorities, categories, st.sampled_from(("OPEN", "OPEN", "RESOLVED", "CLOSED"))
    ),
    st.tuples(st.just("transition"), st.integers(0, 10_000), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("category"), st.integers(0, 10_000), categories),
    st.tuples(st.just("priority"), st.integers(0, 10_000), priorities),
    st.tuples(st.just("assign"), st.integers(0, 10_000)),
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
)
steps = st.lists(st.tuples(operations, pauses), min_size=1, max_size=30)
windows = st.tuples(st.integers(0, 120 * 24 * 3600), st.integers(1, 150 * 24 * 3600))
# At-risk horizons from long before the last write to a few days after (may fall anywhere in a day).
horizons = st.integers(-130 * 24 * 3600, 10 * 24 * 3600).map(lambda seconds: seconds / 3600)
filters = st.sampled_from(
    [AnalyticsFilters(), AnalyticsFilters(category="bug"), AnalyticsFilters(category="none", priority="HIGH")]
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _apply(op: tuple, users: dict, live: list[Ticket]) -> None:
    kind = op[0]
    if kind == "create":
        _, priority, category, status = op
        given = {"priority": priority, "status": status, "category": category}
        fields = {key: value for key, value in given.items() if value}
        live.append(tickets.create_ticket(user=users["agent"], title="t", description="d", **fields))
        db.session.commit()
        return
    if not live:
        return
    ticket = live[op[1] % len(live)]
    if kind == "transition":
        allowed = TRANSITIONS[ticket.status]
        target = allowed[op[2] % len(allowed)]
        by_requester = op[3] and target == "CLOSED"
        user = users["requester"] if by_requester else users["agent"]
        tickets.transition_ticket(user=user, ticket=ticket, status=target)
    elif kind == "category":
        tickets.update_ticket(user=users["agent"], ticket=ticket, category=op[2])
    elif kind == "priority":
        tickets.update_ticket(user=users["agent"], ticket=ticket, priority=op[2])
    elif kind == "assign":
        new = None if ticket.assigned_to_id else users["agent"].id
        tickets.assign_ticket(user=users["agent"], ticket=ticket, assignee_id=new)
    else:
        tickets.delete_ticket(user=users["admin"], ticket=ticket)
        live.remove(ticket)
    db.session.commit()


def _wipe() -> None:
    for model in (TicketEvent, Ticket, RollupCount, RollupBucket, RollupOpen, RollupWaiting):
        db.session.execute(sa.delete(model))
    db.session.commit()


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, window=windows, f=filters, interval=st.sampled_from(INTERVALS), hours=horizons)
def test_rollup_reports_equal_the_exact_ones(
    monkeypatch, agent, admin, requester, steps, window, f, interval, hours
):
    _wipe()
    clock = Clock()
    for module in ("tickets.service", "analytics.service", "analytics.exact"):
        monkeypatch.setattr(f"app.{module}.utcnow", clock)
    users, live = {"agent": agent, "admin": admin, "requester": requester}, []
    for op, pause in steps:
        clock.now += pause
        _apply(op, users, live)
    clock.now += timedelta(days=3)
    offset, length = window
    start = START + timedelta(seconds=offset, microseconds=offset % 997)
    for w in (Window(start, start + timedelta(seconds=length)), Window(START - timedelta(days=1), clock.now)):
        for name in REPORTS:
            kwargs = {"window": w, "filters": f, "user": admin}
            if name == "trends":
                kwargs["interval"] = interval
            approx = getattr(analytics, name)(**kwargs)
            exact = getattr(analytics, name)(**kwargs, exact=True)
            assert approx["source"] == "rollups" and exact["source"] == "tickets"
            assert_agrees(approx, exact, name)
            if name == "backlog":  # counts from the rollup, ages exact: the same answer to the millisecond
                assert {**approx, **META} == {**exact, **META}
    for horizon in (hours, *_around_due_times(live[:3], clock.now)):
        risk = {"hours": horizon, "filters": f, "user": admin, "limit": 5}
        assert analytics.at_risk(**risk) == analytics.at_risk(**risk, exact=True)


def _around_due_times(tickets: list[Ticket], now: datetime) -> list[float]:
    """Horizons (hours from now) a minute either side of these tickets' due times: inside a due day."""
    dues = [as_utc(d) for t in tickets for d in (t.first_response_due_at, t.resolution_due_at) if d]
    return [(due + timedelta(seconds=s) - now) / timedelta(hours=1) for due in dues for s in (-60, 60)]
