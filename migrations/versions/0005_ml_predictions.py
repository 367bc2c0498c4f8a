"""ml_predictions: the log of model answers on tickets and the agents' feedback on them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 04:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ml_predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("model_version", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column(
            "category", sa.String(length=16), nullable=False, comment="The top class, answered or not."
        ),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column(
            "top_classes", sa.JSON(), nullable=False, comment="[[class, probability], ...], best first."
        ),
        sa.Column("abstained", sa.Boolean(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feedback", sa.String(length=10), nullable=True),
        sa.Column("feedback_category", sa.String(length=16), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "source IN ('ml_predict', 'auto_triage', 'retriage')", name=op.f("ck_ml_predictions_source")
        ),
        sa.CheckConstraint(
            "feedback IN ('confirmed', 'overridden')", name=op.f("ck_ml_predictions_feedback")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ml_predictions_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml_predictions")),
    )
    op.create_index("ix_ml_predictions_ticket_id_id", "ml_predictions", ["ticket_id", "id"])
    op.create_index(
        "ix_ml_predictions_created_at_model_version", "ml_predictions", ["created_at", "model_version"]
    )


def downgrade() -> None:
    op.drop_index("ix_ml_predictions_created_at_model_version", table_name="ml_predictions")
    op.drop_index("ix_ml_predictions_ticket_id_id", table_name="ml_predictions")
    op.drop_table("ml_predictions")
