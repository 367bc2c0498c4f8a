"""Auto-triage: classify a ticket created without a category, inside its create transaction (logged)."""

from __future__ import annotations

import logging

from flask import Flask

from app.auth.models import User
from app.extensions import db
from app.ml.serving import model_cache
from app.tickets.models import Ticket
from app.tickets.signals import ticket_created

log = logging.getLogger(__name__)


def _auto_triage(app: Flask, *, ticket: Ticket, actor: User | None = None, **_: object) -> None:
    """Set a confident model category; any failure is logged and the ticket is created regardless."""
    if ticket.category is not None or not app.config["ML_AUTO_TRIAGE"]:
        return
    model = model_cache(app).loaded
    if model is None:
        return
    from app.ml.service import apply_prediction, classify

    try:
        prediction = classify(model, title=ticket.title, description=ticket.description)
        with db.session.begin_nested():  # a failure here must not take the ticket's own rows with it
            apply_prediction(ticket, prediction, overwrite=False, source="auto_triage")
    except Exception:
        log.exception("auto-triage failed for ticket %s", ticket.id)


def connect_auto_triage(app: Flask) -> None:
    """Subscribe to ticket_created for this app only."""
    ticket_created.connect(_auto_triage, sender=app, weak=False)
