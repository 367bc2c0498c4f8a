"""Human-labelled tickets as training data, with a snapshot of what the data was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from app.extensions import db
from app.ml.pipeline import ticket_text
from app.tickets.models import Ticket
from app.timeutil import as_utc


@dataclass(frozen=True)
class DataSnapshot:
    """Identifies the data a model saw: the newest ticket id and update time among the samples."""

    max_ticket_id: int | None
    max_updated_at: datetime | None


def load_labelled() -> tuple[pd.DataFrame, DataSnapshot]:
    """Tickets labelled by a human (never the model's own guesses) as columns id, text, category."""
    query = (
        sa.select(Ticket.id, Ticket.title, Ticket.description, Ticket.category, Ticket.updated_at)
        .where(Ticket.category_source == "human", Ticket.category.is_not(None))
        .order_by(Ticket.id)
    )
    rows = db.session.execute(query).all()
    frame = pd.DataFrame(
        {
            "id": [r.id for r in rows],
            "text": [ticket_text(r.title, r.description) for r in rows],
            "category": [r.category for r in rows],
        }
    )
    snapshot = DataSnapshot(
        max_ticket_id=max((r.id for r in rows), default=None),
        max_updated_at=max((as_utc(r.updated_at) for r in rows), default=None),
    )
    return frame, snapshot


def class_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Samples per category, largest first."""
    return {str(k): int(v) for k, v in frame["category"].value_counts().items()}
