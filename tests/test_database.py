"""Reads without a transaction, writes in one, pings only when idle, 503 when the database cannot serve."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app, database
from app.auth.models import ApiToken, User
from app.config import TestConfig
from app.extensions import db
from tests.helpers import free_port
from tests.helpers.database import executed, other_connection


def test_reading_a_ticket_runs_without_a_transaction_and_still_records_the_token_use(
    client, postgres_only, agent, auth, make_ticket
):
    ticket_id = make_ticket(created_by=agent).id
    headers = auth(agent)
    db.session.commit()
    with executed() as seen:
        response = client.get(f"/api/tickets/{ticket_id}/", headers=headers)
    assert response.status_code == 200 and response.json["id"] == ticket_id
    assert any("FROM tickets" in statement for statement, _ in seen)
    assert all(autocommit for _, autocommit in seen), [(s[:60], a) for s, a in seen]
    assert any(statement.startswith("UPDATE api_tokens") for statement, _ in seen)
    db.session.remove()
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None  # the one write, committed


def test_writes_still_run_in_one_transaction(client, postgres_only, agent, auth):
    headers = auth(agent)
    with executed() as seen:
        response = client.post(
            "/api/tickets/", json={"title": "Printer", "description": "Jammed"}, headers=headers
        )
    assert response.status_code == 201
    assert any(statement.startswith("INSERT INTO tickets") for statement, _ in seen)
    assert not any(autocommit for _, autocommit in seen), seen


def test_reads_see_only_committed_changes_and_never_wait_for_a_writer(
    client, postgres_only, agent, auth, make_ticket
):
    ticket_id = make_ticket(created_by=agent, title="Original title").id
    headers = auth(agent)
    db.session.commit()
    url = f"/api/tickets/{ticket_id}/"
    with other_connection() as writer:
        writer.execute(sa.text("SET lock_timeout = '2s'"))
        writer.execute(sa.text("UPDATE tickets SET title = 'Changed' WHERE id = :id"), {"id": ticket_id})
        started = time.monotonic()
        during = client.get(url, headers=headers)
        assert time.monotonic() - started < 1.5  # the writer's row lock does not hold the read up
        assert during.json["title"] == "Original title"
        writer.commit()
    db.session.remove()
    assert client.get(url, headers=headers).json["title"] == "Changed"


def test_a_read_only_view_may_not_write_several_rows(app: Flask, make_user):
    with app.test_request_context("/api/tickets/1/", method="GET"):
        db.session.add_all([User(username=f"u{i}", role="agent", password_hash="x") for i in range(2)])
        with pytest.raises(RuntimeError, match="read_only view flushed 2 rows"):
            db.session.flush()
        db.session.rollback()


def _pooled_backend_pids() -> list[int]:
    """The server process of every connection in the app's pool (checked out together, then returned)."""
    connections = [db.engine.connect() for _ in range(db.engine.pool.checkedin() or 1)]
    pids = [conn.scalar(sa.text("SELECT pg_backend_pid()")) for conn in connections]
    for conn in connections:
        conn.close()
    return pids


def test_a_connection_the_server_closed_while_idle_is_replaced_before_a_request_uses_it(
    client, postgres_only, agent, auth
):
    headers = auth(agent)
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    db.session.remove()
    pids = _pooled_backend_pids()
    _terminate(pids)
    time.sleep(database.PING_AFTER_IDLE_SECONDS + 0.1)
    response = client.get("/api/tickets/", headers=headers)
    assert response.status_code == 200, response.json
    db.session.remove()
    assert not set(_pooled_backend_pids()) & set(pids)


def _drop_pooled_connections_unpinged(monkeypatch) -> None:
    """Close every pooled connection from the server side, as a restart or a proxy would, inside the window
    in which a just-used connection is not pinged again."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 60.0)
    db.session.remove()
    pids = _pooled_backend_pids()
    _terminate(pids)


def _terminate(pids: list[int]) -> None:
    """End these server processes and wait (bounded) until they are gone: terminating only signals them."""
    with other_connection() as admin:
        for pid in pids:
            assert admin.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):
            admin.execute(sa.text("SELECT pg_stat_clear_snapshot()"))  # else it keeps its first view
            alive = admin.scalar(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"), {"p": pids}
            )
            if not alive:
                return
            time.sleep(0.02)
    raise AssertionError(f"server processes {pids} still alive")


@pytest.mark.parametrize("cached_token", [True, False], ids=["token-cached", "token-checked"])
@pytest.mark.parametrize("path", ["/api/tickets/", "/api/tickets/{id}/", "/api/tickets/{id}/events/"])
def test_a_read_whose_connection_died_unpinged_is_run_again_on_a_new_one(
    app, client, postgres_only, agent, auth, make_ticket, monkeypatch, path, cached_token
):
    headers = auth(agent)
    url = path.format(id=make_ticket(title="Printer jams on page two").id)
    assert client.get(url, headers=headers).status_code == 200
    _drop_pooled_connections_unpinged(monkeypatch)
    if not cached_token:
        app.extensions["token_cache"].clear()
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.json
    assert client.get(url, headers=headers).status_code == 200


def test_a_read_that_loses_its_connection_again_is_a_503_after_one_more_run(
    client, postgres_only, agent, auth, monkeypatch
):
    headers = auth(agent)
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    runs: list[int] = []

    def kill_own_backend(conn, cursor, *_):
        runs.append(cursor.connection.info.backend_pid)
        _terminate([cursor.connection.info.backend_pid])

    sa.event.listen(db.engine, "before_cursor_execute", kill_own_backend)
    try:
        response = client.get("/api/tickets/", headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", kill_own_backend)
    assert response.status_code == 503, response.json
    assert response.headers["Retry-After"] == "5"
    assert len(runs) == 2


def test_a_write_whose_connection_died_unpinged_is_a_503_and_writes_nothing(
    client, postgres_only, agent, auth, monkeypatch
):
    headers = auth(agent)
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    before = db.session.scalar(sa.text("SELECT count(*) FROM tickets"))
    _drop_pooled_connections_unpinged(monkeypatch)
    body = {"title": "VPN drops every hour", "description": "Since the update.", "category": "bug"}
    response = client.post("/api/tickets/", json=body, headers=headers)
    assert response.status_code == 503, response.json
    assert response.headers["Retry-After"] == "5"
    db.session.remove()
    assert db.session.scalar(sa.text("SELECT count(*) FROM tickets")) == before
    assert client.post("/api/tickets/", json=body, headers=headers).status_code == 201


def test_a_connection_used_a_moment_ago_is_not_pinged_again(client, postgres_only, agent, auth, monkeypatch):
    headers = auth(agent)
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    db.session.remove()
    pings: list[object] = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn))
    for _ in range(3):
        assert client.get("/api/tickets/", headers=headers).status_code == 200
        db.session.remove()
    assert pings == []
    time.sleep(database.PING_AFTER_IDLE_SECONDS + 0.1)
    assert client.get("/api/tickets/", headers=headers).status_code == 200
    assert len(pings) == 1


def test_an_unreachable_database_is_a_503_with_retry_after(monkeypatch, tmp_path):
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone?connect_timeout=2"
    monkeypatch.setenv("TEST_DATABASE_URL", nowhere)
    app = create_app(TestConfig(MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}"))
    response = app.test_client().get("/api/tickets/", headers={"Authorization": "Bearer tia_anything"})
    assert response.status_code == 503
    assert response.json == {
        "code": 503,
        "status": "Service Unavailable",
        "message": "The database is unavailable; retry shortly.",
    }
    assert response.headers["Retry-After"] == "5"


def test_a_request_finding_every_pooled_connection_busy_is_a_503(app, postgres_only, tmp_path):
    config = TestConfig(MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}")
    config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2}
    busy = create_app(config)
    with busy.app_context():
        held = db.engine.connect()  # another request's connection, for as long as this test runs
        try:
            response = busy.test_client().get("/api/tickets/", headers={"Authorization": "Bearer tia_x"})
        finally:
            held.close()
        db.engine.dispose()
    assert response.status_code == 503
    assert response.json["message"] == "The service is busy; retry shortly."
    assert response.headers["Retry-After"] == "5"
