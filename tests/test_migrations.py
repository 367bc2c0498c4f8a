"""Migration 0003 backfills the ticket milestones from existing event histories."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers import command_env, run

ROWS = """
INSERT INTO users (id, username, password_hash, role, is_active, created_at) VALUES
  (1, 'req', 'x', 'requester', 1, '2024-01-01 00:00:00'), (2, 'ag', 'x', 'agent', 1, '2024-01-01 00:00:00');
INSERT INTO tickets (id, title, description, status, priority, created_by_id,
                     created_at, updated_at, resolved_at)
  VALUES (1, 't', 'd', 'RESOLVED', 'LOW', 1, '2024-01-01 10:00:00', '2024-01-04 10:00:00',
          '2024-01-04 10:00:00'),
         (2, 't', 'd', 'OPEN', 'LOW', 1, '2024-01-02 10:00:00', '2024-01-02 10:00:00', NULL);
INSERT INTO ticket_events (ticket_id, actor_id, kind, from_value, to_value, created_at) VALUES
  (1, 1, 'created', NULL, 'OPEN', '2024-01-01 10:00:00'),
  (1, 2, 'assignment', NULL, '2', '2024-01-01 11:00:00'),
  (1, 2, 'status', 'OPEN', 'RESOLVED', '2024-01-02 10:00:00'),
  (1, 1, 'status', 'RESOLVED', 'OPEN', '2024-01-03 10:00:00'),
  (1, 2, 'status', 'OPEN', 'RESOLVED', '2024-01-04 10:00:00'),
  (2, 1, 'created', NULL, 'OPEN', '2024-01-02 10:00:00');
"""


def test_upgrade_to_0003_backfills_milestones_and_downgrade_reverses(tmp_path):
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    env = command_env(DATABASE_URL=url)
    assert run(["flask", "db", "upgrade", "0002_analytics"], env).returncode == 0
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in filter(str.strip, ROWS.split(";")):
            conn.execute(sa.text(statement))
    done = run(["flask", "db", "upgrade"], env)
    assert done.returncode == 0, done.stderr
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
