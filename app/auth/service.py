"""User and token operations; each write is one transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app

from app.auth.models import ROLES, ApiToken, User
from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.auth.token_cache import TokenCache
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.timeutil import as_utc, utcnow

TOKEN_PREFIX = "tia_"  # noqa: S105 - a public prefix that marks our tokens, not a secret
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are high-entropy, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(*, username: str, password: str, role: str, email: str | None = None) -> User:
    """Add a user with an Argon2-hashed password (flushed; the caller commits)."""
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of {', '.join(ROLES)}.")
    if problem := password_problem(password):
        raise ValidationFailed(problem, errors={"password": [problem]})
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(f"User {username!r} already exists.")
    user = User(username=username, email=email, role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-only-burns-time")


def authenticate_password(*, username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        # Spend the same time as a real check so timing does not reveal which usernames exist.
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        # The only moment the plain password is at hand: upgrade hashes made with older Argon2 costs.
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def end_sessions(*, user: User) -> None:
    """End every admin session of the user (each carries the generation it started in)."""
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(session_generation=User.session_generation + 1)
    )
    db.session.commit()
    db.session.refresh(user)


def revoke_credentials(*, user: User) -> None:
    """Revoke all the user's API tokens and end their admin sessions, in the caller's transaction."""
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    user.session_generation = (user.session_generation or 0) + 1


def authenticate_token(token: str, *, cache: TokenCache | None = None) -> User | None:
    """The active owner of a valid, unexpired, unrevoked token, or None; from the cache when one is given."""
    token_hash = hash_token(token)
    if cache is not None and (cached := cache.user(token_hash)) is not None:
        return cached
    generation = cache.generation if cache is not None else 0
    query = sa.select(ApiToken, User).join(User, ApiToken.user_id == User.id)
    row = db.session.execute(query.where(ApiToken.token_hash == token_hash)).first()
    if row is None:
        return None
    api_token, user = row
    now = utcnow()
    if api_token.revoked_at is not None or not user.is_active:
        return None
    if api_token.expires_at is not None and as_utc(api_token.expires_at) <= now:
        return None
    if cache is not None:
        cache.remember(token_hash, user, api_token.expires_at, generation=generation)
    last = as_utc(api_token.last_used_at)
    if last is None or now - last > LAST_USED_RESOLUTION:
        api_token.last_used_at = now
        db.session.commit()
    return user


def issue_token(*, user: User, name: str, ttl_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for user; the secret is returned once and only its hash is stored.

    The lifetime defaults to TOKEN_TTL_DAYS and may not exceed it (0 means tokens never expire).
    """
    policy = current_app.config["TOKEN_TTL_DAYS"]
    if ttl_days is not None and policy and ttl_days > policy:
        message = f"ttl_days may be at most {policy} (TOKEN_TTL_DAYS)."
        raise ValidationFailed(message, errors={"ttl_days": [message]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = ttl_days if ttl_days is not None else policy
    expires = utcnow() + timedelta(days=days) if days else None
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret), expires_at=expires)
    db.session.add(token)
    db.session.commit()
    return token, secret


def list_tokens(*, user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    query = sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(db.session.scalars(query))


def revoke_token(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(f"Token {token_id} not found.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token
