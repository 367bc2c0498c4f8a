"""Auto-triage: classify a new ticket without a category before its INSERT; log the answer after it."""

from __future__ import annotations

import logging
import math

from flask import Flask

from app.extensions import db
from app.ml.serving import model_cache
from app.tickets.models import CATEGORIES, Category, CategorySource, Ticket
from app.tickets.signals import ticket_created, ticket_creating

log = logging.getLogger(__name__)

PENDING = "ml_auto_triage_pending"  # session.info: {id(ticket): (ticket, prediction)} until it is inserted


def _writable(category: str, confidence: float) -> bool:
    """Whether the model's answer is one the ticket and the prediction log can store."""
    return category in CATEGORIES and math.isfinite(confidence)


def _classify_new(app: Flask, *, ticket: Ticket, **_: object) -> None:
    """Set a confident model category on a new ticket; a failing or unusable model is logged, nothing set.

    It runs before the ticket's INSERT (which then carries the category: no UPDATE follows) and touches
    the session only through the ticket's own fields, so a model failure leaves nothing half-written.
    """
    if ticket.category is not None or not app.config["ML_AUTO_TRIAGE"]:
        return
    model = model_cache(app).loaded
    if model is None:
        return
    from app.ml.service import classify

    try:
        prediction = classify(model, title=ticket.title, description=ticket.description, explained=False)
    except Exception:
        log.exception("auto-triage failed for a new ticket titled %r", ticket.title[:80])
        return
    if not _writable(prediction.category, prediction.confidence):
        log.error("auto-triage skipped a new ticket: unusable answer %r", prediction.category)
        return
    if not prediction.abstained:
        ticket.category, ticket.category_source = Category(prediction.category), CategorySource.MODEL
    db.session.info.setdefault(PENDING, {})[id(ticket)] = (ticket, prediction)


def _log_new(app: Flask, *, ticket: Ticket, **_: object) -> None:
    """Log the new ticket's prediction (applied or abstained) now that it has an id."""
    _, prediction = db.session.info.get(PENDING, {}).pop(id(ticket), (None, None))
    if prediction is None:
        return
    from app.ml.service import apply_prediction

    # The category is already on the row, so this only logs the prediction and counts it.
    apply_prediction(ticket, prediction, overwrite=False, source="auto_triage")


def connect_auto_triage(app: Flask) -> None:
    """Subscribe to the new-ticket signals of this app only."""
    ticket_creating.connect(_classify_new, sender=app, weak=False)
    ticket_created.connect(_log_new, sender=app, weak=False)
