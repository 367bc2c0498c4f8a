"""The deletions table: one row per deleted object, with a JSON snapshot of what it was."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.extensions import Model
from app.timeutil import utcnow


class Deletion(Model):
    """Append-only: written in the deleting transaction, never updated."""

    __tablename__ = "deletions"
    __table_args__ = (
        sa.Index("ix_deletions_kind_object_id", "kind", "object_id"),
        sa.Index("ix_deletions_deleted_at", "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), comment="What was deleted, e.g. ticket.")
    object_id: Mapped[int] = mapped_column(comment="The deleted object's id (no foreign key: it is gone).")
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    deleted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    deleted_by: Mapped[User | None] = relationship(lazy="joined")
