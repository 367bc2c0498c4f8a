"""Logging predictions on tickets, turning agents' category changes into feedback, live performance."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask

from app.auth.models import User
from app.extensions import db
from app.ml.models import PredictionRecord
from app.tickets.models import Ticket
from app.tickets.signals import category_set
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.ml.service import Prediction

TOP_CLASSES = 3


def record_prediction(*, ticket_id: int, prediction: Prediction, source: str) -> None:
    """Add the prediction to the current transaction (the one that changes the ticket)."""
    top = list(prediction.probabilities.items())[:TOP_CLASSES]
    db.session.add(
        PredictionRecord(
            ticket_id=ticket_id,
            model_name=prediction.model_name,
            model_version=prediction.model_version,
            source=source,
            category=prediction.category,
            confidence=prediction.confidence,
            top_classes=[[c, round(p, 6)] for c, p in top],
            abstained=prediction.abstained,
            applied=prediction.applied,
            created_at=utcnow(),
        )
    )


def _on_category_set(
    app: Flask, *, ticket: Ticket, category: str | None, source: str, actor: User | None = None, **_: Any
) -> None:
    """A human setting or confirming the category judges the model's last applied answer on the ticket."""
    if source != "human":
        return
    last = db.session.scalar(
        sa.select(PredictionRecord)
        .where(PredictionRecord.ticket_id == ticket.id, PredictionRecord.applied.is_(True))
        .order_by(PredictionRecord.id.desc())
        .limit(1)
    )
    if last is None or last.feedback is not None:
        return
    last.feedback = "confirmed" if category == last.category else "overridden"
    last.feedback_category, last.feedback_at = category, utcnow()


def connect_feedback(app: Flask) -> None:
    """Subscribe to category_set for this app only."""
    category_set.connect(_on_category_set, sender=app, weak=False)


def _rates(row: Any) -> dict[str, Any]:
    judged = row.confirmed + row.overridden
    return {
        "predictions": row.total,
        "answered": row.answered,
        "applied": row.applied,
        "confirmed": row.confirmed,
        "overridden": row.overridden,
        "live_precision": row.confirmed / judged if judged else None,
        "coverage": row.answered / row.total if row.total else None,
        "abstain_rate": (row.total - row.answered) / row.total if row.total else None,
        "override_rate": row.overridden / row.applied if row.applied else None,
    }


def live_performance(*, days: int) -> list[dict[str, Any]]:
    """Per model version and predicted class, over the last `days` days: precision, coverage, overrides."""
    p = PredictionRecord
    count = sa.func.count
    query = (
        sa.select(
            p.model_version,
            p.category,
            count().label("total"),
            count().filter(p.abstained.is_(False)).label("answered"),
            count().filter(p.applied.is_(True)).label("applied"),
            count().filter(p.feedback == "confirmed").label("confirmed"),
            count().filter(p.feedback == "overridden").label("overridden"),
        )
        .where(p.created_at >= utcnow() - timedelta(days=days))
        .group_by(p.model_version, p.category)
    )
    versions: dict[str, dict[str, Any]] = {}
    for row in db.session.execute(query):
        entry = versions.setdefault(row.model_version, {"model_version": row.model_version, "classes": {}})
        entry["classes"][row.category] = _rates(row)
    for entry in versions.values():
        totals = {
            k: sum(c[k] for c in entry["classes"].values())
            for k in ("predictions", "answered", "applied", "confirmed", "overridden")
        }
        entry |= _rates(_Totals(**totals))
    return sorted(
        versions.values(),
        key=lambda e: int(e["model_version"]) if e["model_version"].isdigit() else 0,
        reverse=True,
    )


class _Totals:
    def __init__(
        self, *, predictions: int, answered: int, applied: int, confirmed: int, overridden: int
    ) -> None:
        self.total, self.answered, self.applied = predictions, answered, applied
        self.confirmed, self.overridden = confirmed, overridden
