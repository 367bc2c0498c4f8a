"""Re-triage: classify open uncategorised tickets again with the champion, in bounded batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.extensions import db, is_postgresql
from app.ml.serving import model_cache
from app.tickets.models import OPEN_STATUSES, Ticket


@dataclass(frozen=True)
class RetriageResult:
    model_version: str
    examined: int
    applied: int


def _batch(after_id: int, size: int) -> list[Ticket]:
    query = (
        sa.select(Ticket)
        .where(Ticket.id > after_id, Ticket.status.in_(OPEN_STATUSES), Ticket.category.is_(None))
        .order_by(Ticket.id)
        .limit(size)
    )
    if is_postgresql():
        # A ticket an agent is editing right now is left alone (and its human category with it).
        query = query.with_for_update(of=Ticket, skip_locked=True)
    return list(db.session.scalars(query).unique())


def retriage(*, progress: Callable[[str], None] = lambda _: None) -> RetriageResult:
    """Classify open tickets without a category (never a human-labelled one) with the current champion."""
    from app.ml.service import apply_prediction, classify

    cache = model_cache(current_app)
    cache.refresh(wait=True)
    model = cache.current()
    size, limit = current_app.config["ML_RETRIAGE_BATCH"], current_app.config["ML_RETRIAGE_MAX"]
    examined = applied = last_id = 0
    while examined < limit and (batch := _batch(last_id, min(size, limit - examined))):
        for ticket in batch:
            prediction = classify(model, title=ticket.title, description=ticket.description, explained=False)
            applied += apply_prediction(ticket, prediction, overwrite=False, source="retriage")
        examined, last_id = examined + len(batch), batch[-1].id
        db.session.commit()  # one transaction per batch keeps locks and memory bounded
        progress(f"{examined} tickets examined, {applied} categorised by version {model.version}")
    return RetriageResult(model_version=model.version, examined=examined, applied=applied)
