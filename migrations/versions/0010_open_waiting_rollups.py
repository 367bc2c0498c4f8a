"""analytics_open and analytics_waiting: the backlog and the tickets waiting on SLA targets, pre-counted

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 07:40:00

analytics_open: open tickets per creation day, status, category, priority and assignee (the backlog report);
analytics_waiting: tickets still waiting on a target per target, due day, category and priority (the at-risk
total). The backfills are the SQL of app/analytics/backlog.rebuild_open and at_risk.rebuild_waiting as of this
revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


WAITING = {
    "first_response": ("first_response_due_at", "first_resolved_at IS NULL AND first_response_at IS NULL"),
    "resolution": ("resolution_due_at", "first_resolved_at IS NULL"),
}


def _day(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(date_trunc('day', timezone('UTC', {column})) AS DATE)"
    return f"date({column})"


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
    keys = f"{_day('created_at')}, status, coalesce(category, 'none'), priority, coalesce(assigned_to_id, 0)"
    op.execute(
        "INSERT INTO analytics_open (day, status, category, priority, assignee_id, tickets) "  # noqa: S608 - constants only
        f"SELECT {keys}, count(*) FROM tickets WHERE status IN ('OPEN', 'IN_PROGRESS') GROUP BY {keys}"
    )

    op.create_table(
        "analytics_waiting",
        sa.Column("target", sa.String(16), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("category", sa.String(16), primary_key=True),
        sa.Column("priority", sa.String(8), primary_key=True),
        sa.Column("tickets", sa.BigInteger(), nullable=False),
    )
    for target, (due, waiting) in WAITING.items():
        keys = f"{_day(due)}, coalesce(category, 'none'), priority"
        op.execute(
            "INSERT INTO analytics_waiting (target, day, category, priority, tickets) "  # noqa: S608 - constants only
            f"SELECT '{target}', {keys}, count(*) FROM tickets WHERE {due} IS NOT NULL AND {waiting} "
            f"GROUP BY {keys}"
        )


def downgrade() -> None:
    op.drop_table("analytics_waiting")
    op.drop_table("analytics_open")
