"""Every ticket write is conditional on the version it read, on PostgreSQL and SQLite alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.errors import PreconditionFailed
from app.extensions import db
from app.tickets import service
from app.tickets.models import Ticket


@pytest.fixture(params=["app database", "sqlite file"])
def engine(request, app, tmp_path):
    """The suite's database (PostgreSQL in CI) and a SQLite file, each with the app's tables."""
    if request.param == "app database":
        yield db.engine
        return
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'two.db'}")
    db.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _ticket_in(engine, make_user) -> int:
    user = make_user(role="agent")
    with Session(engine) as s:
        if engine is not db.engine:
            s.execute(
                sa.text(
                    "INSERT INTO users (id, username, password_hash, role, is_active, created_at) "
                    "VALUES (:id, 'u', 'x', 'agent', 1, CURRENT_TIMESTAMP)"
                ),
                {"id": user.id},
            )
        ticket = Ticket(title="t", description="d", created_by_id=user.id)
        s.add(ticket)
        s.commit()
        return ticket.id


def test_a_write_based_on_a_stale_read_from_another_connection_fails(engine, make_user):
    ticket_id = _ticket_in(engine, make_user)
    first, second = Session(engine), Session(engine)
    try:
        stale, fresh = first.get(Ticket, ticket_id), second.get(Ticket, ticket_id)
        assert stale is not None and fresh is not None
        fresh.title = "second"
        second.commit()
        stale.title = "first"
        with pytest.raises(StaleDataError):
            first.commit()
        first.rollback()
        assert first.get(Ticket, ticket_id).title == "second"
        assert first.get(Ticket, ticket_id).version == 2
    finally:
        first.close()
        second.close()


def test_a_model_category_over_a_change_made_meanwhile_is_refused(make_ticket):
    ticket = make_ticket()
    read = service.get_ticket(user=ticket.created_by, ticket_id=ticket.id)
    version = read.version
    with Session(db.engine) as other:
        other.execute(
            sa.update(Ticket).where(Ticket.id == ticket.id).values(category="billing", version=version + 1)
        )
        other.commit()
    with pytest.raises(PreconditionFailed):
        service.set_category(ticket=read, category="bug", source="model", actor=None)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).category == "billing"


def test_a_locked_ticket_cannot_be_locked_by_a_second_connection(app, make_ticket, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL feature; SQLite serialises writers by locking the file")
    admin = make_user(role="admin")
    ticket = make_ticket()
    service.get_ticket(user=admin, ticket_id=ticket.id, for_update=True)
    with db.engine.connect() as other, pytest.raises(sa.exc.OperationalError):
        other.execute(sa.text("SELECT id FROM tickets WHERE id = :id FOR UPDATE NOWAIT"), {"id": ticket.id})
    db.session.rollback()
