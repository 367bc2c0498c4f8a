"""Migration 0003 backfills the ticket milestones from existing event histories."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers import run
from tests.helpers.migrations import legacy_database


def test_upgrade_to_0003_backfills_milestones_and_downgrade_reverses(tmp_path):
    env, engine = legacy_database(tmp_path, "0002_analytics")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, first_resolved_at, first_response_at, reopened_at FROM tickets ORDER BY id")
        ).all()
    assert [tuple(str(v)[:19] if v else None for v in row[1:]) for row in rows] == [
        ("2024-01-02 10:00:00", "2024-01-01 11:00:00", "2024-01-03 10:00:00"),
        (None, None, None),
    ]
    down = run(["flask", "db", "downgrade", "0002_analytics"], env)
    assert down.returncode == 0, down.stderr
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("tickets")}
    assert "first_resolved_at" not in columns
    engine.dispose()
