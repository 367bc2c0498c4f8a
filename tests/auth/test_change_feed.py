"""While a worker's change feed listens, writes reuse token checks too, and every committed change reaches it.

A second app on the same database stands for another gunicorn worker; its cache keeps checks for a minute, so
a refusal within a second can only come from the feed. Changes are committed on plain connections: a commit by
one of this process's app sessions would empty every cache in the process directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.auth import service as auth_service
from app.config import TestConfig
from app.extensions import db
from tests.helpers import command_env, run, scratch_postgres
from tests.helpers.database import executed, other_connection

NEW = {"title": "Badge reader offline", "description": "Door 3 rejects every badge since this morning."}


@pytest.fixture
def worker(app, postgres_only, tmp_path) -> Iterator[Flask]:
    """Another worker's app: token checks cached for 60 s, with its change feed."""
    other = create_app(
        TestConfig(
            MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}",
            AUTH_CACHE_SECONDS="60",
            AUTH_CHANGE_FEED="true",
        )
    )
    feed = other.extensions["token_cache"].feed
    feed.retry_seconds = 0.5
    yield other
    feed.stop()
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def bearer(agent) -> tuple[int, dict[str, str]]:
    token, secret = auth_service.issue_token(user=agent, name="feed")
    return token.id, {"Authorization": f"Bearer {secret}"}


def _within(seconds: float, check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def _listening(worker: Flask) -> bool:
    cache = worker.extensions["token_cache"]
    return _within(5, cache.covers_writes)


def _token_lookups(worker: Flask, call: Callable[[], object]) -> int:
    with worker.app_context(), executed() as seen:
        call()
    return sum("FROM api_tokens" in statement for statement, _ in seen)


def _sql(statement: str, **params: object) -> None:
    with other_connection() as conn:
        conn.execute(sa.text(statement), params)
        conn.commit()


def test_writes_reuse_the_token_check_while_the_feed_listens(worker, bearer):
    _, headers = bearer
    client = worker.test_client()
    assert _listening(worker)
    assert client.post("/api/tickets/", json=NEW, headers=headers).status_code == 201
    assert _token_lookups(worker, lambda: client.post("/api/tickets/", json=NEW, headers=headers)) == 0


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE api_tokens SET revoked_at = now() WHERE id = :token",
        "UPDATE api_tokens SET expires_at = now() WHERE id = :token",
        "DELETE FROM api_tokens WHERE id = :token",
        "UPDATE users SET is_active = false WHERE id = (SELECT user_id FROM api_tokens WHERE id = :token)",
    ],
    ids=["revoked", "expired", "deleted", "user-deactivated"],
)
def test_a_change_committed_by_any_sql_client_refuses_the_token_within_a_second(worker, bearer, change):
    token_id, headers = bearer
    client = worker.test_client()
    assert _listening(worker)
    assert client.post("/api/tickets/", json=NEW, headers=headers).status_code == 201
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    _sql(change, token=token_id)
    assert _within(1, lambda: client.post("/api/tickets/", json=NEW, headers=headers).status_code == 401)
    assert client.get("/api/tickets/", headers=headers).status_code == 401


def test_a_role_change_committed_elsewhere_applies_to_the_next_write(worker, agent, bearer):
    _, headers = bearer
    client = worker.test_client()
    labelled = {**NEW, "category": "bug"}
    assert _listening(worker)
    assert client.post("/api/tickets/", json=labelled, headers=headers).status_code == 201
    _sql("UPDATE users SET role = 'requester' WHERE id = :user", user=agent.id)
    assert _within(1, lambda: client.post("/api/tickets/", json=labelled, headers=headers).status_code == 403)


def test_the_last_use_touch_is_not_announced(worker, bearer):
    token_id, headers = bearer
    client = worker.test_client()
    assert _listening(worker)
    assert client.post("/api/tickets/", json=NEW, headers=headers).status_code == 201
    _sql("UPDATE api_tokens SET last_used_at = now() WHERE id = :token", token=token_id)
    time.sleep(0.3)
    assert _token_lookups(worker, lambda: client.post("/api/tickets/", json=NEW, headers=headers)) == 0


def test_while_the_feed_is_cut_writes_check_the_database_until_it_listens_again(worker, bearer):
    token_id, headers = bearer
    client = worker.test_client()
    feed = worker.extensions["token_cache"].feed
    feed.retry_seconds = 2.0
    assert _listening(worker)
    assert client.post("/api/tickets/", json=NEW, headers=headers).status_code == 201
    _sql("SELECT pg_terminate_backend(:pid)", pid=feed.backend_pid)
    assert _within(2, lambda: not feed.live)
    assert _token_lookups(worker, lambda: client.post("/api/tickets/", json=NEW, headers=headers)) == 1
    _sql("UPDATE api_tokens SET revoked_at = now() WHERE id = :token", token=token_id)  # nobody listens
    assert client.post("/api/tickets/", json=NEW, headers=headers).status_code == 401
    assert _within(5, lambda: feed.live)
    assert client.get("/api/tickets/", headers=headers).status_code == 401  # the cache was emptied meanwhile


def test_without_postgresql_or_with_the_feed_off_writes_always_check(app):
    cache = app.extensions["token_cache"]
    assert cache.feed is None
    assert not cache.covers_writes()


def test_migration_0011_adds_the_triggers_and_its_downgrade_drops_them(app, postgres_only, tmp_path):
    triggers = sa.text("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%auth_changed' ORDER BY tgname")
    with scratch_postgres(app.config["SQLALCHEMY_DATABASE_URI"]) as url:
        env = command_env(DATABASE_URL=url, MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}")
        engine = sa.create_engine(url)
        try:
            for step, expected in (
                ("upgrade", ["api_tokens_auth_changed", "users_auth_changed"]),
                ("downgrade", []),
            ):
                done = run(["flask", "db", step, "0011" if step == "upgrade" else "0010"], env)
                assert done.returncode == 0, done.stderr
                with engine.connect() as conn:
                    assert list(conn.scalars(triggers)) == expected
        finally:
            engine.dispose()
