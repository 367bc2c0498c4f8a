"""The prediction log: every model answer shown or applied to a ticket, and the agents' feedback on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.timeutil import utcnow

PREDICTION_SOURCES = ("ml_predict", "auto_triage", "retriage")
FEEDBACK = ("confirmed", "overridden")


class PredictionRecord(Model):
    """One classification of a ticket, written in the transaction of the ticket change it caused."""

    __tablename__ = "ml_predictions"
    __table_args__ = (
        sa.CheckConstraint(f"source IN {PREDICTION_SOURCES}", name="source"),
        sa.CheckConstraint(f"feedback IN {FEEDBACK}", name="feedback"),
        sa.Index("ix_ml_predictions_ticket_id_id", "ticket_id", "id"),
        sa.Index("ix_ml_predictions_created_at_model_version", "created_at", "model_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    model_name: Mapped[str] = mapped_column(sa.String(100))
    model_version: Mapped[str] = mapped_column(sa.String(20))
    source: Mapped[str] = mapped_column(sa.String(16))
    category: Mapped[str] = mapped_column(sa.String(16), comment="The top class, answered or not.")
    confidence: Mapped[float] = mapped_column(sa.Float)
    top_classes: Mapped[list[Any]] = mapped_column(
        sa.JSON, comment="[[class, probability], ...], best first."
    )
    abstained: Mapped[bool] = mapped_column(sa.Boolean)
    applied: Mapped[bool] = mapped_column(sa.Boolean)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    feedback: Mapped[str | None] = mapped_column(sa.String(10))
    feedback_category: Mapped[str | None] = mapped_column(sa.String(16))
    feedback_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
