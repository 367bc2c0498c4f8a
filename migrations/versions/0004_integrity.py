"""integrity: ticket version counter, idempotency keys, deletion audit

Revision ID: 0004
Revises: 0003_milestones
Create Date: 2026-11-30 04:30:00

tickets.version makes every ORM update conditional (UPDATE ... WHERE version = :read) and feeds the ETag;
idempotency_keys keeps the first answer to a POST with an Idempotency-Key; deletions keeps a snapshot of
every deleted ticket (and its events) with who deleted it and when.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003_milestones"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column(
            "fingerprint", sa.String(length=64), nullable=False, comment="sha256 of method, path and body."
        ),
        sa.Column(
            "status_code", sa.Integer(), nullable=True, comment="NULL while the first request is running."
        ),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_idempotency_keys_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_keys"),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_id_key"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], unique=False)
    op.create_table(
        "deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False, comment="What was deleted, e.g. ticket."),
        sa.Column(
            "object_id",
            sa.Integer(),
            nullable=False,
            comment="The deleted object's id (no foreign key: it is gone).",
        ),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["deleted_by_id"], ["users.id"], name="fk_deletions_deleted_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_deletions"),
    )
    op.create_index("ix_deletions_kind_object_id", "deletions", ["kind", "object_id"], unique=False)
    op.create_index("ix_deletions_deleted_at", "deletions", ["deleted_at"], unique=False)


def downgrade():
    op.drop_index("ix_deletions_deleted_at", table_name="deletions")
    op.drop_index("ix_deletions_kind_object_id", table_name="deletions")
    op.drop_table("deletions")
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("version")
