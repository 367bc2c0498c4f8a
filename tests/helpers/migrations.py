"""A SQLite database at an old revision, holding tickets written before the later migrations existed."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from devtools.processes import command_env, run

LEGACY_ROWS = """
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


def legacy_database(
    tmp_path: Path, revision: str, rows: str = LEGACY_ROWS
) -> tuple[dict[str, str], sa.Engine]:
    """Upgrade a scratch SQLite database to revision, add rows (SQL statements), then upgrade it to head."""
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    env = command_env(DATABASE_URL=url)
    assert run(["flask", "db", "upgrade", revision], env).returncode == 0
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in filter(str.strip, rows.split(";")):
            conn.execute(sa.text(statement))
    upgraded = run(["flask", "db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr
    return env, engine
