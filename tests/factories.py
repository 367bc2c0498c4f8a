"""factory_boy factories for users and tickets, persisted through the Flask-SQLAlchemy session."""

import functools

import factory
from factory.alchemy import SQLAlchemyModelFactory
from flask import current_app

from app.auth.models import User
from app.auth.passwords import hash_password
from app.extensions import db
from app.tickets.models import Ticket
from app.timeutil import utcnow

PASSWORD = "correct horse battery staple"


@functools.cache
def _hash_for(time_cost: int, memory_cost: int) -> str:
    return hash_password(PASSWORD)


def _password_hash() -> str:
    """PASSWORD's Argon2 hash, computed once per cost setting rather than once per user."""
    cfg = current_app.config
    return _hash_for(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"])


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(_Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = "requester"
    is_active = True
    password_hash = factory.LazyFunction(_password_hash)


class TicketFactory(_Base):
    class Meta:
        model = Ticket

    title = factory.Sequence(lambda n: f"Ticket number {n}")
    description = "Something does not work as expected."
    status = "OPEN"
    priority = "MEDIUM"
    created_by = factory.SubFactory(UserFactory)
    created_at = factory.LazyFunction(utcnow)
    updated_at = factory.LazyAttribute(lambda t: t.created_at)
