"""users.session_generation: admin sessions end server-side (logout, password change)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 04:30:00

Each admin session stores the generation it started in and is valid only while the user's row still has it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
