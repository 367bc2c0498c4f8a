"""HTTP Basic, Bearer tokens, token lifecycle and the current user."""

import base64
from datetime import timedelta

import pytest

from app.auth.models import ApiToken
from app.auth.service import hash_token
from app.extensions import db
from app.timeutil import utcnow
from tests.factories import PASSWORD


def basic(username, password=PASSWORD):
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer tia_not-a-real-token"},
        {"Authorization": "Token abc"},
        basic("agent", "wrong password here"),
        basic("nobody"),
    ],
)
def test_missing_or_bad_credentials_are_401_with_challenge(client, agent, headers):
    r = client.get("/api/users/me/", headers=headers)
    assert r.status_code == 401
    assert r.json["code"] == 401 and r.json["message"]
    assert "Basic" in r.headers["WWW-Authenticate"] and "Bearer" in r.headers["WWW-Authenticate"]


def test_basic_auth_works_for_people(client, agent):
    r = client.get("/api/users/me/", headers=basic("agent"))
    assert r.status_code == 200
    assert r.json["username"] == "agent" and r.json["role"] == "agent"
    assert "password_hash" not in r.json


def test_token_is_issued_once_with_basic_and_then_authenticates(client, agent):
    r = client.post("/api/auth/tokens/", json={"name": "laptop"}, headers=basic("agent"))
    assert r.status_code == 201
    secret = r.json["token"]
    assert secret.startswith("tia_") and r.json["name"] == "laptop" and r.json["expires_at"]
    stored = db.session.get(ApiToken, r.json["id"])
    assert stored.token_hash == hash_token(secret) and secret not in stored.token_hash
    me = client.get("/api/users/me/", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json["username"] == "agent"
    listed = client.get("/api/auth/tokens/", headers={"Authorization": f"Bearer {secret}"}).json
    assert [t["name"] for t in listed] == ["laptop"] and "token" not in listed[0]
    assert listed[0]["last_used_at"] is not None


def test_token_issuance_requires_basic(client, agent, auth):
    r = client.post("/api/auth/tokens/", json={"name": "x"}, headers=auth(agent))
    assert r.status_code == 401


def test_token_body_is_optional_and_validated(client, agent):
    assert client.post("/api/auth/tokens/", headers=basic("agent")).status_code == 201
    r = client.post("/api/auth/tokens/", json={"name": "", "ttl_days": 0}, headers=basic("agent"))
    assert r.status_code == 422 and set(r.json["errors"]["json"]) == {"name", "ttl_days"}


def test_revoked_token_stops_working(client, agent):
    secret = client.post("/api/auth/tokens/", headers=basic("agent")).json["token"]
    token_id = client.get("/api/auth/tokens/", headers=basic("agent")).json[0]["id"]
    h = {"Authorization": f"Bearer {secret}"}
    assert client.delete(f"/api/auth/tokens/{token_id}/", headers=h).status_code == 204
    assert client.get("/api/users/me/", headers=h).status_code == 401
    assert client.get("/api/auth/tokens/", headers=basic("agent")).json[0]["revoked_at"] is not None


def test_cannot_revoke_someone_elses_token(client, agent, admin):
    client.post("/api/auth/tokens/", headers=basic("agent"))
    token_id = client.get("/api/auth/tokens/", headers=basic("agent")).json[0]["id"]
    assert client.delete(f"/api/auth/tokens/{token_id}/", headers=basic("admin")).status_code == 404


def test_expired_token_is_rejected(client, agent):
    secret = client.post("/api/auth/tokens/", headers=basic("agent")).json["token"]
    token = db.session.query(ApiToken).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/users/me/", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_inactive_user_cannot_use_basic(client, make_user):
    make_user(username="gone", role="agent", is_active=False)
    assert client.get("/api/users/me/", headers=basic("gone")).status_code == 401


def test_passwords_are_argon2_hashes(agent):
    assert agent.password_hash.startswith("$argon2id$")
