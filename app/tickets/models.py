"""Ticket and TicketEvent tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.extensions import Model
from app.tickets.search import SEARCH_DOCUMENT
from app.timeutil import utcnow

STATUSES = ("OPEN", "IN_PROGRESS", "RESOLVED", "CLOSED")
OPEN_STATUSES = ("OPEN", "IN_PROGRESS")
DONE_STATUSES = ("RESOLVED", "CLOSED")
PRIORITIES = ("LOW", "MEDIUM", "HIGH", "URGENT")
CATEGORIES = ("billing", "bug", "account", "feature", "other")
CATEGORY_SOURCES = ("human", "model")
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
        sa.Index("ix_tickets_search_vector", "search_vector", postgresql_using="gin"),
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
    # Full-text document kept by the database (app/tickets/search.py); never loaded with the row.
    search_vector: Mapped[str | None] = mapped_column(
        sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
        sa.Computed(SEARCH_DOCUMENT, persisted=True),
        deferred=True,
    )

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
