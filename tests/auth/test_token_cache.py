"""Read-only requests reuse a token's check for AUTH_CACHE_SECONDS; changes made here apply at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import service as auth_service
from app.auth.models import ApiToken
from app.auth.token_cache import TokenCache
from app.extensions import db
from app.timeutil import utcnow
from tests.helpers.database import executed, other_connection

NEW = {"title": "Printer", "description": "It jams."}


def _token_lookups(seen) -> list[str]:
    return [statement for statement, _ in seen if "FROM api_tokens" in statement]


@pytest.fixture
def bearer(agent):
    token, secret = auth_service.issue_token(user=agent, name="cached")
    return token.id, {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def short_cache(app, monkeypatch) -> float:
    """A cache that forgets after 0.3 s, so a test can wait it out."""
    monkeypatch.setitem(app.extensions, "token_cache", TokenCache(0.3))
    return 0.3


def test_reads_reuse_the_token_check_and_writes_do_not(client, postgres_only, agent, bearer, make_ticket):
    ticket_id = make_ticket(created_by=agent).id
    _, headers = bearer
    assert client.get(f"/api/tickets/{ticket_id}/", headers=headers).status_code == 200  # checks, records use
    with executed() as seen:
        assert client.get(f"/api/tickets/{ticket_id}/", headers=headers).status_code == 200
        assert client.get("/api/tickets/", headers=headers).json[0]["id"] == ticket_id
    assert _token_lookups(seen) == []
    with executed() as seen:
        assert client.post("/api/tickets/", json=NEW, headers=headers).status_code == 201
    assert len(_token_lookups(seen)) == 1


def test_a_token_revoked_here_is_refused_at_once(client, bearer):
    token_id, headers = bearer
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    assert client.delete(f"/api/auth/tokens/{token_id}/", headers=headers).status_code == 204
    assert client.get("/api/tickets/", headers=headers).status_code == 401


def test_a_user_deactivated_or_demoted_here_is_refused_at_once(client, agent, requester, bearer, make_ticket):
    make_ticket(created_by=requester)
    _, headers = bearer
    assert len(client.get("/api/tickets/", headers=headers).json) == 1
    agent.role = "requester"  # a requester sees only their own tickets
    db.session.commit()
    assert client.get("/api/tickets/", headers=headers).json == []
    agent.is_active = False
    db.session.commit()
    assert client.get("/api/tickets/", headers=headers).status_code == 401


def test_revoking_all_of_a_users_credentials_here_is_seen_at_once(client, agent, bearer):
    _, headers = bearer
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    auth_service.revoke_credentials(user=agent)  # one bulk UPDATE of the tokens
    db.session.commit()
    assert client.get("/api/tickets/", headers=headers).status_code == 401


def test_a_revocation_committed_while_a_read_checks_the_token_is_not_undone_by_it(
    app, client, agent, bearer, monkeypatch
):
    token_id, headers = bearer
    remember = TokenCache.remember

    def revoke_meanwhile(self, *args, **kwargs):
        # Another request thread revokes the token after this read found it valid, before it is cached.
        def revoke() -> None:
            with app.app_context():
                db.session.get(ApiToken, token_id).revoked_at = utcnow()
                db.session.commit()

        thread = threading.Thread(target=revoke)
        thread.start()
        thread.join(timeout=10)
        remember(self, *args, **kwargs)

    monkeypatch.setattr(TokenCache, "remember", revoke_meanwhile)
    assert client.get("/api/tickets/", headers=headers).status_code == 200  # it was valid when checked
    monkeypatch.setattr(TokenCache, "remember", remember)
    assert client.get("/api/tickets/", headers=headers).status_code == 401


def test_a_revocation_by_another_process_reaches_reads_within_the_cache_time(
    client, postgres_only, bearer, short_cache
):
    token_id, headers = bearer
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    with other_connection() as conn:  # another worker, or the CLI
        conn.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=sa.func.now()))
        conn.commit()
    assert client.get("/api/tickets/", headers=headers).status_code == 200  # within the cache time
    assert client.post("/api/tickets/", json=NEW, headers=headers).status_code == 401  # writes always check
    time.sleep(short_cache + 0.05)
    assert client.get("/api/tickets/", headers=headers).status_code == 401


def test_a_token_expiring_within_the_cache_time_is_refused_when_it_expires(client, agent):
    token, secret = auth_service.issue_token(user=agent, name="short")
    token.expires_at = utcnow() + timedelta(seconds=0.3)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    time.sleep(0.35)
    assert client.get("/api/tickets/", headers=headers).status_code == 401


def test_a_cache_time_of_zero_checks_every_request(client, postgres_only, app, bearer, monkeypatch):
    monkeypatch.setitem(app.extensions, "token_cache", TokenCache(0))
    _, headers = bearer
    client.get("/api/tickets/", headers=headers)
    with executed() as seen:
        client.get("/api/tickets/", headers=headers)
    assert len(_token_lookups(seen)) == 1
