"""User and API token tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model, enum_column_type
from app.timeutil import utcnow


class Role(StrEnum):
    """What a user may do: requesters file tickets, agents work them, admins also manage the service."""

    REQUESTER = "requester"
    AGENT = "agent"
    ADMIN = "admin"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)
STAFF_ROLES: tuple[str, ...] = (Role.AGENT.value, Role.ADMIN.value)


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column_type(Role, name="role", length=16), default=Role.REQUESTER)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Admin sessions carry the generation they started in; bumping it ends them all (logout, new password).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_staff(self) -> bool:
        """Agents and admins work tickets; requesters only file them."""
        return self.role in STAFF_ROLES

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class ApiToken(Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens")
