"""Migration 0010 creates analytics_open and analytics_waiting from the tickets; downgrading drops them."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers import run
from tests.helpers.migrations import legacy_database

ROWS = """
INSERT INTO users (id, username, password_hash, role, is_active, created_at) VALUES
  (1, 'req', 'x', 'requester', 1, '2024-01-01 00:00:00'), (2, 'ag', 'x', 'agent', 1, '2024-01-01 00:00:00');
INSERT INTO tickets (id, title, description, status, priority, category, created_by_id, assigned_to_id,
                     created_at, updated_at, first_response_at, first_resolved_at, resolved_at,
                     first_response_due_at, resolution_due_at)
  VALUES (1, 't', 'd', 'OPEN', 'LOW', NULL, 1, NULL, '2024-01-01 10:00:00', '2024-01-01 10:00:00',
          NULL, NULL, NULL, '2024-01-02 10:00:00', '2024-01-08 10:00:00'),
         (2, 't', 'd', 'OPEN', 'LOW', NULL, 1, NULL, '2024-01-01 23:00:00', '2024-01-01 23:00:00',
          NULL, NULL, NULL, NULL, NULL),
         (3, 't', 'd', 'IN_PROGRESS', 'HIGH', 'bug', 1, 2, '2024-01-02 10:00:00', '2024-01-02 10:00:00',
          '2024-01-02 11:00:00', NULL, NULL, '2024-01-02 14:00:00', '2024-01-03 10:00:00'),
         (4, 't', 'd', 'RESOLVED', 'HIGH', 'bug', 1, 2, '2024-01-02 11:00:00', '2024-01-02 11:00:00',
          '2024-01-02 12:00:00', '2024-01-02 12:00:00', '2024-01-02 12:00:00', '2024-01-02 15:00:00',
          '2024-01-03 11:00:00');
"""


def test_upgrade_to_0010_backfills_the_open_and_waiting_rollups_and_downgrade_drops_them(tmp_path):
    env, engine = legacy_database(tmp_path, "0009", ROWS)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM analytics_open ORDER BY day, status")).all()
        waiting = conn.execute(sa.text("SELECT * FROM analytics_waiting ORDER BY target, day")).all()
    assert [tuple(row) for row in rows] == [
        ("2024-01-01", "OPEN", "none", "LOW", 0, 2),
        ("2024-01-02", "IN_PROGRESS", "bug", "HIGH", 2, 1),
    ]
    assert [tuple(row) for row in waiting] == [
        ("first_response", "2024-01-02", "none", "LOW", 1),
        ("resolution", "2024-01-03", "bug", "HIGH", 1),
        ("resolution", "2024-01-08", "none", "LOW", 1),
    ]
    down = run(["flask", "db", "downgrade", "0009"], env)
    assert down.returncode == 0, down.stderr
    with engine.connect() as conn:
        assert not {"analytics_open", "analytics_waiting"} & set(sa.inspect(conn).get_table_names())
    engine.dispose()
