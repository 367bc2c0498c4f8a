"""auth change feed: users and api_tokens announce committed changes with NOTIFY (PostgreSQL only)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 01:10:00

Each worker LISTENs (app/auth/change_feed.py) and empties its token cache on every notice, so a revocation,
deactivation or role change reaches every process at once, whoever committed it.
"""

from alembic import op

from app.auth.change_feed import DROP, FUNCTION, TRIGGERS

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no LISTEN/NOTIFY: the embedded default keeps the cache for reads only
    op.execute(FUNCTION)
    for sql in TRIGGERS.values():
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for sql in DROP:
        op.execute(sql)
