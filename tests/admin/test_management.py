"""app.auth.management: the user-administration rules, independent of the web layer."""

from __future__ import annotations

import pytest

from app.auth import management
from app.errors import Conflict, ValidationFailed


def test_create_account_validates(make_user):
    with pytest.raises(ValidationFailed):
        management.create_account(username="   ", password="long enough password", role="agent")
    with pytest.raises(ValidationFailed):
        management.create_account(username="x", password="long enough password", role="boss")
    user = management.create_account(
        username=" frank ", password="long enough password", role="agent", email=""
    )
    assert (user.username, user.email, user.is_active) == ("frank", None, True)


def test_update_account_guards_the_last_active_admin(admin, agent):
    with pytest.raises(Conflict):
        management.update_account(user=admin, email=None, role="agent", is_active=True)
    with pytest.raises(Conflict):
        management.update_account(user=admin, email=None, role="admin", is_active=False)
    assert (admin.role, admin.is_active) == ("admin", True)
    management.update_account(user=agent, email="a@example.com", role="admin", is_active=True)
    management.update_account(user=admin, email=None, role="requester", is_active=True)
    assert admin.role == "requester"
    with pytest.raises(Conflict):
        management.update_account(user=agent, email=None, role="admin", is_active=False)


def test_update_account_rejects_unknown_roles_and_weak_passwords(agent):
    with pytest.raises(ValidationFailed):
        management.update_account(user=agent, email=None, role="root", is_active=True)
    with pytest.raises(ValidationFailed):
        management.update_account(user=agent, email=None, role="agent", is_active=True, password="short")


def test_revoke_tokens_counts_only_newly_revoked(agent, auth):
    auth(agent)
    auth(agent)
    from app.auth.models import ApiToken
    from app.extensions import db

    ids = list(db.session.scalars(db.select(ApiToken.id)))
    assert management.revoke_tokens(token_ids=ids[:1]) == 1
    assert management.revoke_tokens(token_ids=ids) == 1
    assert management.revoke_tokens(token_ids=[]) == 0


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, admin, make_user):
    """The active-admin rows are locked, so the second demotion waits and then sees it would leave none."""
    import threading

    import sqlalchemy as sa

    from app.auth.models import User
    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    other = make_user(role="admin", username="other-admin")
    other_id, outcome = other.id, {}

    def demote_other() -> None:
        with app.app_context():
            try:
                management.update_account(
                    user=db.session.get(User, other_id), email=None, role="agent", is_active=True
                )
                outcome["result"] = "demoted"
            except Conflict:
                outcome["result"] = "refused"

    # This transaction plays the first admin's demotion: it holds the admin rows while the other runs.
    db.session.scalars(sa.select(User.id).where(User.role == "admin").with_for_update()).all()
    thread = threading.Thread(target=demote_other)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive(), "the concurrent demotion must wait for the lock"
    admin.role = "agent"
    db.session.commit()
    thread.join(timeout=10)
    assert outcome["result"] == "refused"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == "admin")) == 1
