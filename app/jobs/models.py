"""The jobs table: one row per background job, what was asked, how far it got and how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.extensions import Model
from app.timeutil import utcnow

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED)
ACTIVE = (QUEUED, RUNNING)


class Job(Model):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES}", name="status"),
        sa.Index("ix_jobs_status_heartbeat_at", "status", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    # Set while an exclusive job is queued or running (e.g. "train"): the unique index allows one at a time.
    active_key: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    requested_by: Mapped[User | None] = relationship()
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    progress: Mapped[str | None] = mapped_column(sa.String(500))
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def url(self) -> str:
        """Where the job can be read."""
        return f"/api/ml/jobs/{self.id}/"

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"
