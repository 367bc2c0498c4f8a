"""Ticket and TicketEvent tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.extensions import Model, enum_column_type
from app.tickets.search import SEARCH_DOCUMENT
from app.timeutil import utcnow


class Status(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class Priority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"


class Category(StrEnum):
    BILLING = "billing"
    BUG = "bug"
    ACCOUNT = "account"
    FEATURE = "feature"
    OTHER = "other"


class CategorySource(StrEnum):
    """Who set a ticket's category: a person, or the classifier."""

    HUMAN = "human"
    MODEL = "model"


class EventKind(StrEnum):
    CREATED = "created"
    STATUS = "status"
    ASSIGNMENT = "assignment"
    CATEGORY = "category"
    PRIORITY = "priority"
    EDITED = "edited"


# Plain value lists for validators, forms and reports, in the enums' order.
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
OPEN_STATUSES: tuple[str, ...] = (Status.OPEN.value, Status.IN_PROGRESS.value)
DONE_STATUSES: tuple[str, ...] = (Status.RESOLVED.value, Status.CLOSED.value)
PRIORITIES: tuple[str, ...] = tuple(p.value for p in Priority)
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
CATEGORY_SOURCES: tuple[str, ...] = tuple(s.value for s in CategorySource)
EVENT_KINDS: tuple[str, ...] = tuple(k.value for k in EventKind)
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


class Ticket(Model):
    __tablename__ = "tickets"
    __table_args__ = (
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
        sa.Index("ix_tickets_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[Status] = mapped_column(
        enum_column_type(Status, name="status", length=16), default=Status.OPEN
    )
    priority: Mapped[Priority] = mapped_column(
        enum_column_type(Priority, name="priority", length=8), default=Priority.MEDIUM
    )
    category: Mapped[Category | None] = mapped_column(enum_column_type(Category, name="category", length=16))
    category_source: Mapped[CategorySource | None] = mapped_column(
        enum_column_type(CategorySource, name="category_source", length=8)
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Milestones (see app/tickets/milestones.py): set once by the service, never cleared.
    first_resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    reopened_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Bumped by every ORM update, which is conditional on it (UPDATE ... WHERE version = :read): see the
    # mapper arguments below. The ETag derives from it; bulk loads get 1 from the server default.
    version: Mapped[int] = mapped_column(sa.Integer, server_default=sa.text("1"))

    __mapper_args__ = {"version_id_col": version}
    # SLA due times under the targets in force when the ticket was created (app/sla); never moved.
    first_response_due_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolution_due_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
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
        sa.Index("ix_ticket_events_ticket_id_created_at", "ticket_id", "created_at"),
        sa.Index("ix_ticket_events_kind_created_at", "kind", "created_at"),
        # Recomputing milestones from the events (backfill_milestones) probes these per ticket.
        _partial("ix_ticket_events_resolution_ticket", "ticket_id", "created_at", where=_RESOLUTION),
        _partial("ix_ticket_events_reopen_ticket", "ticket_id", "created_at", where=_REOPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[EventKind] = mapped_column(enum_column_type(EventKind, name="kind", length=16))
    from_value: Mapped[str | None] = mapped_column(sa.String(200))
    to_value: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str | None] = mapped_column(sa.String(8), comment="For category events: human or model.")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")
