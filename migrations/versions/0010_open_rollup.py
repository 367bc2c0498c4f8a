"""analytics_open: the open tickets per creation day, status, category, priority and assignee

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 07:40:00

The backlog report reads it instead of every open ticket. The backfill is the SQL of
app/analytics/backlog.rebuild_open as of this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _day() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "CAST(date_trunc('day', timezone('UTC', created_at)) AS DATE)"
    return "date(created_at)"


def upgrade() -> None:
    op.create_table(
        "analytics_open",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("status", sa.String(16), primary_key=True),
        sa.Column("category", sa.String(16), primary_key=True),
        sa.Column("priority", sa.String(8), primary_key=True),
        sa.Column("assignee_id", sa.Integer(), primary_key=True, comment="0: unassigned."),
        sa.Column("tickets", sa.BigInteger(), nullable=False),
    )
    keys = f"{_day()}, status, coalesce(category, 'none'), priority, coalesce(assigned_to_id, 0)"
    op.execute(
        "INSERT INTO analytics_open (day, status, category, priority, assignee_id, tickets) "  # noqa: S608 - constants only
        f"SELECT {keys}, count(*) FROM tickets WHERE status IN ('OPEN', 'IN_PROGRESS') GROUP BY {keys}"
    )


def downgrade() -> None:
    op.drop_table("analytics_open")
