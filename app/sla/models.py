"""The SLA target of each priority (rows override DEFAULT_TARGETS)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.tickets.models import PRIORITIES
from app.timeutil import utcnow

# (first response hours, resolution hours), calendar hours: no business hours or holidays.
DEFAULT_TARGETS: dict[str, tuple[float, float]] = {
    "URGENT": (1, 8),
    "HIGH": (4, 24),
    "MEDIUM": (8, 72),
    "LOW": (24, 168),
}
MAX_HOURS = 24 * 365


class SlaTarget(Model):
    __tablename__ = "sla_targets"
    __table_args__ = (
        sa.CheckConstraint(f"priority IN {PRIORITIES}", name="priority"),
        sa.CheckConstraint("first_response_hours > 0 AND resolution_hours > 0", name="positive_hours"),
    )

    priority: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    first_response_hours: Mapped[float] = mapped_column(sa.Float)
    resolution_hours: Mapped[float] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
