"""Rollups: which answer is which, exact=true for admins only, rebuild and migration backfill agree."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import numpy as np
import sqlalchemy as sa

from app.analytics.models import RollupBucket, RollupCount
from app.analytics.reading import split_window
from app.analytics.sketch import bucket_of, percentile
from app.analytics.window import Window
from app.extensions import db
from tests.helpers import run
from tests.helpers.migrations import legacy_database


def _rollup_rows(connection) -> list[tuple]:
    rows = []
    for model in (RollupCount, RollupBucket):
        table = model.__table__
        query = sa.select(table).where(table.c.tickets != 0).order_by(*table.primary_key.columns)
        rows += [tuple(str(v) for v in row) for row in connection.execute(query)]
    return rows


def test_exact_is_for_admins_and_every_answer_says_which_it_is(client, agent, admin, auth):
    assert client.get("/api/analytics/mttr/?exact=true", headers=auth(agent)).status_code == 403
    default = client.get("/api/analytics/mttr/", headers=auth(agent)).json
    assert (default["source"], default["percentiles"]) == ("rollups", "approximate, within 1%")
    exact = client.get("/api/analytics/mttr/?exact=true", headers=auth(admin)).json
    assert (exact["source"], exact["percentiles"]) == ("tickets", "exact")
    filtered = client.get("/api/analytics/first-response/?assigned_to=me", headers=auth(agent)).json
    assert filtered["source"] == "tickets"  # rollups are not kept per assignee


def test_rebuild_command_reproduces_the_rollups_kept_on_write(client, agent, admin, auth, runner):
    headers = auth(agent)
    for i, (priority, category) in enumerate([("HIGH", "bug"), ("LOW", None), ("URGENT", "billing")]):
        body = {"title": f"t{i}", "description": "d", "priority": priority, "category": category}
        ticket = client.post("/api/tickets/", json={k: v for k, v in body.items() if v}, headers=headers).json
        for status in ("IN_PROGRESS", "RESOLVED", "OPEN")[: i + 1]:
            client.post(f"/api/tickets/{ticket['id']}/transition/", json={"status": status}, headers=headers)
    client.patch(f"/api/tickets/{ticket['id']}/", json={"category": "bug"}, headers=headers)
    client.delete(f"/api/tickets/{ticket['id'] - 2}/", headers=auth(admin))
    kept = _rollup_rows(db.session.connection())
    assert kept
    result = runner.invoke(args=["analytics", "rebuild"])
    assert result.exit_code == 0 and "Rebuilt" in result.output
    db.session.expire_all()
    assert _rollup_rows(db.session.connection()) == kept


def test_migration_backfill_equals_the_rebuild(tmp_path):
    env, engine = legacy_database(tmp_path, "0003_milestones")
    with engine.connect() as conn:
        backfilled = _rollup_rows(conn)
    assert run(["flask", "analytics", "rebuild"], env).returncode == 0
    with engine.connect() as conn:
        assert _rollup_rows(conn) == backfilled
        assert conn.scalar(sa.text("SELECT count(*) FROM sla_targets")) == 4
    engine.dispose()
    assert any(row[0] == "resolved" for row in backfilled)


def test_percentiles_from_buckets_are_within_one_percent():
    rng = random.Random(3)
    values = [rng.lognormvariate(8, 2) for _ in range(20_000)] + [0.0] * 50
    histogram: dict[int, int] = {}
    for v in values:
        histogram[bucket_of(v)] = histogram.get(bucket_of(v), 0) + 1
    for p in (0.001, 0.25, 0.5, 0.9, 0.99, 1.0):
        exact = float(np.percentile(values, p * 100))
        assert abs(percentile(histogram, p) - exact) <= 0.01 * exact
    assert percentile({}, 0.5) is None


def test_a_window_reads_whole_months_and_the_fewest_day_rows():
    window = Window(datetime(2024, 1, 3, 12, tzinfo=UTC), datetime(2024, 3, 29, 8, tzinfo=UTC))
    split = split_window(window)
    assert [(e.start.day, e.end.day) for e in split.edges] == [(3, 4), (29, 29)]
    assert split.days == (date(2024, 1, 4), date(2024, 3, 29))
    assert split.bucket_spans == [
        ("month", date(2024, 1, 1), date(2024, 2, 1), 1),
        ("day", date(2024, 1, 1), date(2024, 1, 4), -1),
        ("month", date(2024, 2, 1), date(2024, 3, 1), 1),
        ("month", date(2024, 3, 1), date(2024, 4, 1), 1),
        ("day", date(2024, 3, 29), date(2024, 4, 1), -1),
    ]
    short = split_window(Window(datetime(2024, 1, 10, tzinfo=UTC), datetime(2024, 1, 12, tzinfo=UTC)))
    assert short.bucket_spans == [("day", date(2024, 1, 10), date(2024, 1, 12), 1)] and not short.edges
