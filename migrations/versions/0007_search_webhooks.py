"""full-text search document on tickets (generated tsvector + GIN), webhook endpoints, outbox and deliveries

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 04:30:00

The search document is a generated column (app/tickets/search.py renders it per dialect): on PostgreSQL
a stored tsvector of title (weight A) and description (weight B) stemmed in English and Italian, with a GIN
index; on SQLite a stored text copy nothing queries (SQLite searches with LIKE), so models and schema agree.
Adding the column rewrites the tickets table on PostgreSQL (about a minute per million tickets).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.tickets.search import SEARCH_DOCUMENT

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNDISPATCHED = sa.text("dispatched_at IS NULL")


def upgrade():
    search_type = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
    column = sa.Column(
        "search_vector", search_type, sa.Computed(SEARCH_DOCUMENT, persisted=True), nullable=True
    )
    # SQLite cannot ALTER TABLE ADD a stored generated column: batch mode rebuilds the table there.
    with op.batch_alter_table("tickets", recreate="auto") as batch:
        batch.add_column(column)
    op.create_index("ix_tickets_search_vector", "tickets", ["search_vector"], postgresql_using="gin")

    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
    )
    op.create_index(
        "ix_webhook_outbox_undispatched",
        "webhook_outbox",
        ["id"],
        postgresql_where=UNDISPATCHED,
        sqlite_where=UNDISPATCHED,
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name=op.f("ck_webhook_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["webhook_outbox.id"],
            name=op.f("fk_webhook_deliveries_outbox_id_webhook_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint_id_created_at", "webhook_deliveries", ["endpoint_id", "created_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_status_next_attempt_at", "webhook_deliveries", ["status", "next_attempt_at"]
    )


def downgrade():
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_outbox")
    op.drop_table("webhook_endpoints")
    op.drop_index("ix_tickets_search_vector", table_name="tickets")
    with op.batch_alter_table("tickets", recreate="auto") as batch:
        batch.drop_column("search_vector")
