"""SLA targets per priority, and the due times each new ticket gets from them."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Give each new ticket of this app its due times."""
    from app.sla.service import stamp_due_times
    from app.tickets.signals import ticket_creating

    ticket_creating.connect(stamp_due_times, sender=app, weak=False)
