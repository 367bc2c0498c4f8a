"""Human-labelled tickets as training data, with a snapshot of what the data was."""

from __future__ import annotations

import hashlib
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
    """The data a model saw: newest ticket id and update, a digest of rows and labels, the query."""

    max_ticket_id: int | None
    max_updated_at: datetime | None
    digest: str
    query: str


def _query() -> sa.Select:
    return (
        sa.select(Ticket.id, Ticket.title, Ticket.description, Ticket.category, Ticket.updated_at)
        .where(Ticket.category_source == "human", Ticket.category.is_not(None))
        .order_by(Ticket.id)
    )


def frame_digest(frame: pd.DataFrame) -> str:
    """sha256 over every (id, label, text): any changed row or label changes it."""
    digest = hashlib.sha256()
    for ticket_id, category, text in zip(frame["id"], frame["category"], frame["text"], strict=True):
        digest.update(f"{ticket_id}\x1f{category}\x1f{text}\x1e".encode())
    return digest.hexdigest()


def load_labelled() -> tuple[pd.DataFrame, DataSnapshot]:
    """Tickets labelled by a human (never the model's own guesses) as columns id, text, category."""
    query = _query()
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
        digest=frame_digest(frame),
        query=" ".join(str(query.compile(compile_kwargs={"literal_binds": True})).split()),
    )
    return frame, snapshot


def class_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Samples per category, largest first."""
    return {str(k): int(v) for k, v in frame["category"].value_counts().items()}
