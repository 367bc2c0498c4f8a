"""Ticket and TicketEvent tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.extensions import Model
from app.timeutil import utcnow

STATUSES = ("OPEN", "IN_PROGRESS", "RESOLVED", "CLOSED")
OPEN_STATUSES = ("OPEN", "IN_PROGRESS")
DONE_STATUSES = ("RESOLVED", "CLOSED")
PRIORITIES = ("LOW", "MEDIUM", "HIGH", "URGENT")
CATEGORIES = ("billing", "bug", "account", "feature", "other")
CATEGORY_SOURCES = ("human", "model")
_OPEN = sa.text("status IN ('OPEN', 'IN_PROGRESS')")
_RESOLUTION = sa.text(
    "kind IN ('created', 'status') AND to_value IN ('RESOLVED', 'CLOSED') "
    "AND (from_value IS NULL OR from_value IN ('OPEN', 'IN_PROGRESS'))"
)
_REOPEN = sa.text(
    "kind = 'status' AND from_value IN ('RESOLVED', 'CLOSED') AND to_value IN ('OPEN', 'IN_PROGRESS')"
)
_AWAITING_RESPONSE = sa.text("first_response_at IS NULL AND first_resolved_at IS NULL")
_AWAITING_RESOLUTION = sa.text("first_resolved_at IS NULL")


def _partial(name: str, *columns: str, where: sa.TextClause) -> sa.Index:
    # Queries spell their constants inline (app/tickets/milestones.in_literals) so PostgreSQL matches these.
    return sa.Index(name, *columns, postgresql_where=where, sqlite_where=where)


EVENT_KINDS = ("created", "status", "assignment", "category", "priority", "edited")


class Ticket(Model):
    __tablename__ = "tickets"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES}", name="status"),
        sa.CheckConstraint(f"priority IN {PRIORITIES}", name="priority"),
        sa.CheckConstraint(f"category IN {CATEGORIES}", name="category"),
        sa.CheckConstraint(f"category_source IN {CATEGORY_SOURCES}", name="category_source"),
        sa.Index("ix_tickets_status_created_at", "status", "created_at"),
        sa.Index("ix_tickets_category_created_at", "category", "created_at"),
        sa.Index("ix_tickets_assigned_to_created_at", "assigned_to_id", "created_at"),
        sa.Index("ix_tickets_created_by_created_at", "created_by_id", "created_at"),
        sa.Index("ix_tickets_created_at", "created_at"),
        sa.Index("ix_tickets_updated_at", "updated_at"),
        sa.Index("ix_tickets_resolved_at", "resolved_at"),
        # Covering indexes for the reports (index-only range scans over each window column).
        sa.Index(
            "ix_tickets_created_at_milestones",
            "created_at",
            "category",
            "priority",
            "assigned_to_id",
            "first_response_at",
        ),
        sa.Index(
            "ix_tickets_resolved_at_milestones",
            "resolved_at",
            "category",
            "priority",
            "assigned_to_id",
            "created_at",
            "first_resolved_at",
        ),
        sa.Index(
            "ix_tickets_first_resolved_at",
            "first_resolved_at",
            "category",
            "priority",
            "assigned_to_id",
            "reopened_at",
        ),
        _partial(
            "ix_tickets_open_created_at",
            "created_at",
            "status",
            "category",
            "priority",
            "assigned_to_id",
            where=_OPEN,
        ),
        # SLA reports (window on the due time) and the at-risk list (tickets still waiting).
        sa.Index(
            "ix_tickets_first_response_due_at",
            "first_response_due_at",
            "category",
            "priority",
            "first_response_at",
            "first_resolved_at",
        ),
        sa.Index(
            "ix_tickets_resolution_due_at", "resolution_due_at", "category", "priority", "first_resolved_at"
        ),
        _partial("ix_tickets_awaiting_response", "first_response_due_at", where=_AWAITING_RESPONSE),
        _partial("ix_tickets_awaiting_resolution", "resolution_due_at", where=_AWAITING_RESOLUTION),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="OPEN")
    priority: Mapped[str] = mapped_column(sa.String(8), default="MEDIUM")
    category: Mapped[str | None] = mapped_column(sa.String(16))
    category_source: Mapped[str | None] = mapped_column(sa.String(8))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Milestones (see app/tickets/milestones.py): set once by the service, never cleared.
    first_resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    reopened_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # SLA due times under the targets in force when the ticket was created (app/sla); never moved.
    first_response_due_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolution_due_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined", innerjoin=True)
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<Ticket {self.id} {self.status}>"


class TicketEvent(Model):
    """Append-only history: one row per change, written in the change's transaction."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {EVENT_KINDS}", name="kind"),
        sa.Index("ix_ticket_events_ticket_id_created_at", "ticket_id", "created_at"),
        sa.Index("ix_ticket_events_kind_created_at", "kind", "created_at"),
        # Recomputing milestones from the events (backfill_milestones) probes these per ticket.
        _partial("ix_ticket_events_resolution_ticket", "ticket_id", "created_at", where=_RESOLUTION),
        _partial("ix_ticket_events_reopen_ticket", "ticket_id", "created_at", where=_REOPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    from_value: Mapped[str | None] = mapped_column(sa.String(200))
    to_value: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str | None] = mapped_column(sa.String(8), comment="For category events: human or model.")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")
