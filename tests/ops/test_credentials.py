"""Token lifetimes follow policy; new passwords and logouts end credentials; old hashes are upgraded."""

from __future__ import annotations

from argon2 import PasswordHasher

from app.auth import management
from app.auth.models import ApiToken
from app.auth.passwords import hash_password
from app.extensions import db
from tests.auth.test_auth import basic
from tests.factories import PASSWORD
from tests.helpers.forms import csrf_token, login

NEW_PASSWORD = "a brand new passphrase"


def test_a_token_longer_than_the_policy_is_refused(client, agent):
    response = client.post("/api/auth/tokens/", json={"ttl_days": 3650}, headers=basic("agent"))
    assert response.status_code == 422 and "ttl_days" in response.json["errors"]
    allowed = client.post("/api/auth/tokens/", json={"ttl_days": 90}, headers=basic("agent"))
    assert allowed.status_code == 201 and allowed.json["expires_at"] is not None


def test_policy_zero_means_tokens_never_expire(app, client, agent, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_TTL_DAYS", 0)
    default = client.post("/api/auth/tokens/", headers=basic("agent"))
    assert default.status_code == 201 and default.json["expires_at"] is None
    chosen = client.post("/api/auth/tokens/", json={"ttl_days": 3650}, headers=basic("agent"))
    assert chosen.status_code == 201 and chosen.json["expires_at"] is not None


def test_a_new_password_revokes_tokens_and_admin_sessions(app, admin, agent, auth):
    headers = auth(admin)
    browser = app.test_client()
    assert login(browser, "admin").status_code == 302
    assert browser.get("/admin/").status_code == 200
    management.update_account(user=admin, email=None, role="admin", is_active=True, password=NEW_PASSWORD)
    api = app.test_client()
    assert api.get("/api/users/me/", headers=headers).status_code == 401
    assert db.session.query(ApiToken).filter(ApiToken.revoked_at.is_(None)).count() == 0
    assert browser.get("/admin/").status_code == 302  # back to the login page
    assert api.get("/api/users/me/", headers=basic("admin", NEW_PASSWORD)).status_code == 200
    assert api.get("/api/users/me/", headers=auth(agent)).status_code == 200  # other users keep theirs


def test_logout_ends_the_session_for_a_copied_cookie_too(app, admin):
    browser = app.test_client()
    assert login(browser, "admin").status_code == 302
    cookie = browser.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/admin/").status_code == 200
    with app.app_context():
        token = csrf_token(browser.get("/admin/").get_data(as_text=True), logout=True)
        assert browser.post("/admin/logout/", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()  # the test's requests share one session; a served request starts afresh
    assert thief.get("/admin/").status_code == 302


def test_hashes_with_old_argon2_parameters_are_upgraded_at_login(client, make_user):
    old = PasswordHasher(time_cost=1, memory_cost=4096).hash(PASSWORD)
    user = make_user(username="legacy", password_hash=old)
    assert client.get("/api/users/me/", headers=basic("legacy")).status_code == 200
    db.session.refresh(user)
    assert user.password_hash != old
    assert PasswordHasher().check_needs_rehash(user.password_hash) == PasswordHasher().check_needs_rehash(
        hash_password(PASSWORD)
    )
    assert "m=8192" in user.password_hash  # TestConfig's memory cost
    assert client.get("/api/users/me/", headers=basic("legacy")).status_code == 200
