"""Failed password checks are throttled per username and per address; costly endpoints per user."""

from __future__ import annotations

import uuid

import pytest
import redis
import sqlalchemy as sa

from app import config as app_config
from app import create_app
from app.auth.models import User
from app.extensions import db
from tests.auth.test_auth import basic
from tests.factories import PASSWORD, UserFactory
from tests.helpers.forms import csrf_token

WRONG = "not the password at all"
REDIS_URL = "redis://127.0.0.1:6379/2"


@pytest.fixture
def limits(app, monkeypatch):
    """Small limits for a test: 3 failures per username, 6 per address, 2 predictions per user."""
    monkeypatch.setitem(app.config, "AUTH_FAILURE_LIMIT_PER_USERNAME", "3/15 minutes")
    monkeypatch.setitem(app.config, "AUTH_FAILURE_LIMIT_PER_ADDRESS", "6/15 minutes")
    monkeypatch.setitem(app.config, "RATELIMIT_PREDICT", "2/minute")


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_basic_auth_failures_lock_the_username_with_429_and_retry_after(client, agent, auth, limits):
    for _ in range(3):
        assert client.get("/api/users/me/", headers=basic("agent", WRONG)).status_code == 401
    refused = client.get("/api/users/me/", headers=basic("agent"))  # even the right password now waits
    assert refused.status_code == 429
    assert refused.json["code"] == 429 and "retry" in refused.json["message"].lower()
    assert 1 <= int(refused.headers["Retry-After"]) <= 900
    # Bearer traffic of the same user and other users from elsewhere are not affected.
    assert client.get("/api/users/me/", headers=auth(agent)).status_code == 200
    other = client.get("/api/users/me/", headers=basic("requester"), **_from("10.0.0.9"))
    assert other.status_code == 401  # no such user: refused as unknown, not throttled


def test_failures_are_counted_per_address_across_usernames(client, make_user, limits):
    make_user(username="victim")
    for i in range(6):
        response = client.get("/api/users/me/", headers=basic(f"guess{i}", WRONG), **_from("10.1.1.1"))
        assert response.status_code == 401
    assert client.get("/api/users/me/", headers=basic("victim"), **_from("10.1.1.1")).status_code == 429
    assert client.get("/api/users/me/", headers=basic("victim"), **_from("10.2.2.2")).status_code == 200


def test_a_success_clears_the_username_counter(client, agent, limits):
    for _ in range(2):
        client.get("/api/users/me/", headers=basic("agent", WRONG))
    assert client.get("/api/users/me/", headers=basic("agent")).status_code == 200
    for _ in range(2):
        client.get("/api/users/me/", headers=basic("agent", WRONG))
    assert client.get("/api/users/me/", headers=basic("agent")).status_code == 200


def test_token_creation_is_throttled(client, agent, limits):
    for _ in range(3):
        assert client.post("/api/auth/tokens/", headers=basic("agent", WRONG)).status_code == 401
    response = client.post("/api/auth/tokens/", headers=basic("agent"))
    assert response.status_code == 429 and "Retry-After" in response.headers


def _admin_login(client, username, password):
    token = csrf_token(client.get("/admin/login/").get_data(as_text=True))
    return client.post(
        "/admin/login/", data={"username": username, "password": password, "csrf_token": token}
    )


def test_admin_login_is_throttled(app, admin, limits):
    client = app.test_client()
    with app.app_context():
        for _ in range(3):
            assert _admin_login(client, "admin", WRONG).status_code == 200
        refused = _admin_login(client, "admin", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many requests" in refused.get_data(as_text=True)


def test_free_text_prediction_is_limited_per_user_with_ratelimit_headers(
    app, client, agent, requester, auth, limits, monkeypatch
):
    # A registered model no test trains: the worker finds no champion and answers 503 (the call still counts).
    monkeypatch.setitem(app.config, "MODEL_NAME", "never-trained")
    body = {"title": "Charged twice", "description": "Two payments on my card."}
    headers = auth(agent)
    first = client.post("/api/ml/predict/", json=body, headers=headers)
    assert first.status_code == 503  # no model loaded; the call still counts
    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    assert first.headers["RateLimit"].startswith("limit=2, remaining=1, reset=")
    assert first.headers["RateLimit-Policy"] == "2;w=60"
    client.post("/api/ml/predict/", json=body, headers=headers)
    third = client.post("/api/ml/predict/", json=body, headers=headers)
    assert third.status_code == 429 and third.json["code"] == 429 and int(third.headers["Retry-After"]) >= 1
    assert client.post("/api/ml/predict/", json=body, headers=auth(requester)).status_code == 503
    assert client.get("/api/tickets/", headers=headers).status_code == 200


def _redis_app(prefix: str, storage: str = REDIS_URL):
    config = app_config.TestConfig()
    config.RATELIMIT_STORAGE_URI = storage
    config.RATELIMIT_KEY_PREFIX = prefix
    config.AUTH_FAILURE_LIMIT_PER_USERNAME = "4/15 minutes"
    instance = create_app(config)
    with instance.app_context():
        db.create_all()  # a no-op on the shared PostgreSQL test database; needed for sqlite:// in memory
    return instance


def test_limits_hold_across_two_app_instances_on_redis(app, agent):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    first, second = _redis_app(prefix), _redis_app(prefix)
    try:
        for number in range(4):
            instance = (first, second)[number % 2]
            with instance.app_context():
                response = instance.test_client().get("/api/users/me/", headers=basic("agent", WRONG))
            assert response.status_code == 401
        for instance in (first, second):
            with instance.app_context():
                assert instance.test_client().get("/api/users/me/", headers=basic("agent")).status_code == 429
    finally:
        connection = redis.Redis.from_url(REDIS_URL)
        keys = list(connection.scan_iter(f"*{prefix}*", count=1000))
        if keys:
            connection.delete(*keys)
        for instance in (first, second):
            with instance.app_context():
                if db.engine.dialect.name == "postgresql":  # sqlite:// engines are torn down with their app
                    db.engine.dispose()


def test_a_storage_outage_lets_password_checks_through(app, agent):
    broken = _redis_app(f"down-{uuid.uuid4().hex[:8]}", storage="redis://127.0.0.1:1/0")
    with broken.app_context():
        if db.session.scalar(sa.select(User.id).where(User.username == "agent")) is None:
            UserFactory.create(username="agent", role="agent")  # sqlite:// is a fresh database per app
        client = broken.test_client()
        assert client.get("/api/users/me/", headers=basic("agent")).status_code == 200
        assert client.get("/api/users/me/", headers=basic("agent", WRONG)).status_code == 401
        if db.engine.dialect.name == "postgresql":  # sqlite:// engines are torn down with their app
            db.engine.dispose()
