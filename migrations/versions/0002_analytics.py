"""analytics indexes: windows on created_at/resolved_at, open backlog, resolution/reopen/action events

Revision ID: 0002_analytics
Revises: 0001_initial
Create Date: 2026-11-26 19:00:00

Partial indexes (PostgreSQL and SQLite both support them). The predicates are the same text that
app/analytics/indexes.py renders, so PostgreSQL can match the analytics queries to them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_analytics"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

OPEN = "status IN ('OPEN', 'IN_PROGRESS')"
RESOLUTION = (
    "kind IN ('created', 'status') AND to_value IN ('RESOLVED', 'CLOSED') "
    "AND (from_value IS NULL OR from_value IN ('OPEN', 'IN_PROGRESS'))"
)
REOPEN = "kind = 'status' AND from_value IN ('RESOLVED', 'CLOSED') AND to_value IN ('OPEN', 'IN_PROGRESS')"
ACTION = "kind IN ('assignment', 'status')"

INDEXES = (
    (
        "ix_tickets_created_at_category",
        "tickets",
        ["created_at", "category", "priority", "assigned_to_id", "id"],
        None,
    ),
    ("ix_tickets_id_attributes", "tickets", ["id", "category", "priority", "assigned_to_id"], None),
    (
        "ix_tickets_resolved_at_category",
        "tickets",
        ["resolved_at", "category", "priority", "created_at", "id"],
        None,
    ),
    (
        "ix_tickets_open_created_at",
        "tickets",
        ["created_at", "status", "category", "priority", "assigned_to_id"],
        OPEN,
    ),
    ("ix_ticket_events_resolution_ticket", "ticket_events", ["ticket_id", "created_at"], RESOLUTION),
    (
        "ix_ticket_events_resolution_created_at",
        "ticket_events",
        ["created_at", "ticket_id", "id"],
        RESOLUTION,
    ),
    ("ix_ticket_events_reopen_ticket", "ticket_events", ["ticket_id", "created_at"], REOPEN),
    ("ix_ticket_events_action_created_at", "ticket_events", ["created_at", "ticket_id", "actor_id"], ACTION),
)


def upgrade():
    for name, table, columns, where in INDEXES:
        predicate = sa.text(where) if where else None
        op.create_index(
            name, table, columns, unique=False, postgresql_where=predicate, sqlite_where=predicate
        )


def downgrade():
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
