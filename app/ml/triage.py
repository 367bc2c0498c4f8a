"""Auto-triage: classify a ticket created without a category, inside its create transaction (logged)."""

from __future__ import annotations

import logging
import math

from flask import Flask

from app.auth.models import User
from app.ml.serving import model_cache
from app.tickets.models import CATEGORIES, Ticket
from app.tickets.signals import ticket_created

log = logging.getLogger(__name__)


def _writable(category: str, confidence: float) -> bool:
    """Whether the model's answer is one the ticket and the prediction log can store."""
    return category in CATEGORIES and math.isfinite(confidence)


def _auto_triage(app: Flask, *, ticket: Ticket, actor: User | None = None, **_: object) -> None:
    """Set a confident model category; a failing or unusable model is logged, the ticket created anyway.

    Everything that can fail because of the model (inference, an unknown class) happens before the session
    is touched, so the write needs no SAVEPOINT: what is left is the ticket service's own category write.
    """
    if ticket.category is not None or not app.config["ML_AUTO_TRIAGE"]:
        return
    model = model_cache(app).loaded
    if model is None:
        return
    from app.ml.service import apply_prediction, classify

    try:
        prediction = classify(model, title=ticket.title, description=ticket.description, explained=False)
    except Exception:
        log.exception("auto-triage failed for ticket %s", ticket.id)
        return
    if not _writable(prediction.category, prediction.confidence):
        log.error("auto-triage skipped ticket %s: unusable answer %r", ticket.id, prediction.category)
        return
    apply_prediction(ticket, prediction, overwrite=False, source="auto_triage")


def connect_auto_triage(app: Flask) -> None:
    """Subscribe to ticket_created for this app only."""
    ticket_created.connect(_auto_triage, sender=app, weak=False)
