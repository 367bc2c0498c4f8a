"""User administration: accounts, roles, deactivation and token revocation, guarding the last active admin."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from app.auth import service
from app.auth.models import ROLES, ApiToken, Role, User
from app.auth.passwords import hash_password, password_problem
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.timeutil import utcnow


def create_account(*, username: str, password: str, role: str, email: str | None = None) -> User:
    """Create an active user; the password is checked for strength and stored as an Argon2 hash."""
    username = username.strip()
    if not username:
        raise ValidationFailed("A username is required.", errors={"username": ["Required."]})
    user = service.create_user(username=username, password=password, role=role, email=email or None)
    db.session.commit()
    return user


def update_account(
    *, user: User, email: str | None, role: str, is_active: bool, password: str | None = None
) -> User:
    """Change a user's e-mail, role, active flag and (when given) password in one transaction.

    A new password revokes the user's API tokens and ends their admin sessions.
    """
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of {', '.join(ROLES)}.", errors={"role": ["Unknown role."]})
    if password and (problem := password_problem(password)):
        raise ValidationFailed(problem, errors={"password": [problem]})
    if user.role == Role.ADMIN and user.is_active and (role != Role.ADMIN or not is_active):
        _ensure_another_active_admin(user)
    user.email = email or None
    user.role = Role(role)
    user.is_active = is_active
    if password:
        user.password_hash = hash_password(password)
        service.revoke_credentials(user=user)
    db.session.commit()
    return user


def _ensure_another_active_admin(user: User) -> None:
    """Raise Conflict unless an active admin other than user would remain.

    All active admin rows are locked in id order, so two admins demoting each other at the same
    time serialise instead of both passing the check (PostgreSQL; SQLite serialises writes anyway).
    """
    query = (
        sa.select(User.id)
        .where(User.role == Role.ADMIN, User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    )
    admin_ids = set(db.session.scalars(query))
    if not admin_ids - {user.id}:
        db.session.rollback()
        raise Conflict(
            "The last active admin cannot be deactivated or demoted; promote another admin first.",
            errors={"role": ["Last active admin."]},
        )


def revoke_tokens(*, token_ids: Iterable[int]) -> int:
    """Revoke any users' tokens by id (already revoked ones are left alone); returns how many were revoked."""
    ids = [int(i) for i in token_ids]
    if not ids:
        return 0
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id.in_(ids), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()
    return getattr(result, "rowcount", 0) or 0  # a CursorResult for an UPDATE
