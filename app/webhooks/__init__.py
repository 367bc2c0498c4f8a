"""Webhooks: endpoints admins register, an outbox fed by ticket and model signals, signed jobs."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Feed the outbox from this app's signals and make the webhook jobs known to the queue."""
    from app.webhooks import tasks  # noqa: F401 - registers the tasks and the periodic sweep
    from app.webhooks.outbox import connect_outbox

    connect_outbox(app)
