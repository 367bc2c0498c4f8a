"""The admin home page: the numbers an admin looks at first, from SQL counts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_admin import AdminIndexView, expose

from app.admin.auth import AdminAccess
from app.extensions import db
from app.tickets.models import OPEN_STATUSES, Ticket
from app.timeutil import utcnow

log = logging.getLogger(__name__)

# Other packages add cards with app.extensions.setdefault(CARDS_EXTENSION, []).append(fn),
# fn() -> (label, value); e.g. the ML package's current production model version.
CARDS_EXTENSION = "admin_dashboard_cards"
RECENT_DAYS = 7


@dataclass(frozen=True)
class DashboardStats:
    open_by_status: dict[str, int]
    unassigned_open: int
    created_recently: int

    @property
    def open_total(self) -> int:
        return sum(self.open_by_status.values())


def dashboard_stats() -> DashboardStats:
    """Open tickets per status, open unassigned tickets and tickets created in the last 7 days."""
    is_open = Ticket.status.in_(OPEN_STATUSES)
    rows = db.session.execute(
        sa.select(Ticket.status, sa.func.count()).where(is_open).group_by(Ticket.status)
    ).all()
    counts = dict.fromkeys(OPEN_STATUSES, 0) | {status: count for status, count in rows}
    unassigned = db.session.scalar(
        sa.select(sa.func.count()).select_from(Ticket).where(is_open, Ticket.assigned_to_id.is_(None))
    )
    since = utcnow() - timedelta(days=RECENT_DAYS)
    recent = db.session.scalar(
        sa.select(sa.func.count()).select_from(Ticket).where(Ticket.created_at >= since)
    )
    return DashboardStats(
        open_by_status=counts, unassigned_open=unassigned or 0, created_recently=recent or 0
    )


def _extra_card(card: Callable[[], tuple[str, Any]]) -> tuple[str, Any]:
    # A failing contributor (e.g. an unreachable model registry) must not take the dashboard down.
    try:
        label, value = card()
    except Exception:
        log.exception("admin dashboard card %r failed", card)
        return getattr(card, "label", "Unavailable card"), "unavailable"
    return label, value


def dashboard_cards(stats: DashboardStats) -> list[tuple[str, Any]]:
    """The headline cards: built-in counts, then any registered by other packages."""
    cards: list[tuple[str, Any]] = [
        ("Open tickets", stats.open_total),
        ("Unassigned open tickets", stats.unassigned_open),
        (f"Created in the last {RECENT_DAYS} days", stats.created_recently),
    ]
    cards += [_extra_card(card) for card in current_app.extensions.get(CARDS_EXTENSION, [])]
    return cards


class DashboardView(AdminAccess, AdminIndexView):
    """/admin/: the dashboard, admins only."""

    @expose("/")
    def index(self) -> str:
        stats = dashboard_stats()
        return self.render("admin_ui/dashboard.html", stats=stats, cards=dashboard_cards(stats))
