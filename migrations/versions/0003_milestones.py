"""ticket milestones: first_resolved_at, first_response_at, reopened_at, backfilled from the events

Revision ID: 0003_milestones
Revises: 0002_analytics
Create Date: 2026-11-26 19:20:00

The analytics used to derive these from ticket_events on every request; keeping them on the ticket row
(written by the ticket service with each event) turns those reports into index-only scans of tickets.
The backfill below is the SQL twin of app/tickets/milestones.py as of this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_milestones"
down_revision = "0002_analytics"
branch_labels = None
depends_on = None

COLUMNS = ("first_resolved_at", "first_response_at", "reopened_at")
BACKFILL = """
UPDATE tickets SET
  first_resolved_at = (SELECT min(e.created_at) FROM ticket_events e WHERE e.ticket_id = tickets.id
      AND e.kind IN ('created', 'status') AND e.to_value IN ('RESOLVED', 'CLOSED')
      AND (e.from_value IS NULL OR e.from_value IN ('OPEN', 'IN_PROGRESS'))),
  first_response_at = (SELECT min(e.created_at) FROM ticket_events e WHERE e.ticket_id = tickets.id
      AND e.kind IN ('assignment', 'status')
      AND e.actor_id IN (SELECT id FROM users WHERE role IN ('agent', 'admin'))),
  reopened_at = (SELECT min(e.created_at) FROM ticket_events e WHERE e.ticket_id = tickets.id
      AND e.kind = 'status' AND e.from_value IN ('RESOLVED', 'CLOSED')
      AND e.to_value IN ('OPEN', 'IN_PROGRESS'))
"""
# Replaced: event-side indexes the reports no longer read, and ticket indexes without the milestones.
OLD_INDEXES = (
    (
        "ix_ticket_events_action_created_at",
        "ticket_events",
        ["created_at", "ticket_id", "actor_id"],
        "kind IN ('assignment', 'status')",
    ),
    (
        "ix_ticket_events_resolution_created_at",
        "ticket_events",
        ["created_at", "ticket_id", "id"],
        "kind IN ('created', 'status') AND to_value IN ('RESOLVED', 'CLOSED') "
        "AND (from_value IS NULL OR from_value IN ('OPEN', 'IN_PROGRESS'))",
    ),
    ("ix_tickets_id_attributes", "tickets", ["id", "category", "priority", "assigned_to_id"], None),
    (
        "ix_tickets_created_at_category",
        "tickets",
        ["created_at", "category", "priority", "assigned_to_id", "id"],
        None,
    ),
    (
        "ix_tickets_resolved_at_category",
        "tickets",
        ["resolved_at", "category", "priority", "created_at", "id"],
        None,
    ),
)
NEW_INDEXES = (
    (
        "ix_tickets_created_at_milestones",
        "tickets",
        ["created_at", "category", "priority", "assigned_to_id", "first_response_at"],
    ),
    (
        "ix_tickets_resolved_at_milestones",
        "tickets",
        ["resolved_at", "category", "priority", "assigned_to_id", "created_at", "first_resolved_at"],
    ),
    (
        "ix_tickets_first_resolved_at",
        "tickets",
        ["first_resolved_at", "category", "priority", "assigned_to_id", "reopened_at"],
    ),
)


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.execute(BACKFILL)
    for name, table, _, _ in OLD_INDEXES:
        op.drop_index(name, table_name=table)
    for name, table, columns in NEW_INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _ in NEW_INDEXES:
        op.drop_index(name, table_name=table)
    for name, table, columns, where in OLD_INDEXES:
        predicate = sa.text(where) if where else None
        op.create_index(
            name, table, columns, unique=False, postgresql_where=predicate, sqlite_where=predicate
        )
    with op.batch_alter_table("tickets") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
