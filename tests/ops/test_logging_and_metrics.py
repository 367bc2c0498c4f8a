"""Request ids, one JSON log line per request with no secrets in any line, and /metrics for admins."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from app import config as app_config
from app import create_app
from app.auth import service as auth_service
from app.extensions import db
from app.metrics import record_prediction, record_training
from app.ml.serving import model_cache
from app.request_log import HANDLER_NAME
from tests.auth.test_auth import basic
from tests.factories import UserFactory

MLFLOW_SECRET = "hunter2-mlflow"
REDIS_SECRET = "redis-pass-42"
WRONG_PASSWORD = "guess-password-xyz"


def test_request_ids_are_echoed_when_sane_and_generated_otherwise(client):
    assert (
        client.get("/health/live", headers={"X-Request-ID": "abc-123.x"}).headers["X-Request-ID"]
        == "abc-123.x"
    )
    for bad in ("x" * 200, "two words", "<script>"):
        generated = client.get("/health/live", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert generated != bad and len(generated) == 32
    assert len(client.get("/no/such/path").headers["X-Request-ID"]) == 32


@pytest.fixture
def logged_app(app):
    """A production-style app (JSON logs) whose log lines land in a string buffer."""
    config = app_config.TestConfig()
    config.LOG_FORMAT = "json"
    config.MLFLOW_TRACKING_URI = f"http://mlbot:{MLFLOW_SECRET}@127.0.0.1:9/"
    config.REDIS_URL = f"redis://:{REDIS_SECRET}@127.0.0.1:6379/2"
    config.AUTH_FAILURE_LIMIT_PER_USERNAME = "2/15 minutes"
    instance = create_app(config)
    instance.add_url_rule("/boom", "boom", lambda: 1 // 0)
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME)
    buffer = io.StringIO()
    handler.setStream(buffer)  # type: ignore[attr-defined]
    try:
        with instance.app_context():
            db.create_all()
            yield instance, buffer
            if db.engine.dialect.name == "postgresql":  # sqlite:// engines are torn down with their app
                db.engine.dispose()
    finally:
        handler.setStream(sys.stderr)  # type: ignore[attr-defined]


def test_log_lines_carry_request_ids_and_never_a_credential(logged_app):
    instance, buffer = logged_app
    user = UserFactory.create(username="logme", role="agent")
    _, token = auth_service.issue_token(user=user, name="log-test")
    client = instance.test_client()
    client.get("/api/users/me/", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"})
    client.get("/api/tickets/1/", headers={"Authorization": f"Bearer {token}"})
    for _ in range(3):
        client.get("/api/users/me/", headers=basic("logme", WRONG_PASSWORD))
    client.get("/boom")
    model_cache(instance).refresh()  # MLflow is unreachable: a WARNING with the (redacted) URI
    text = buffer.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines and all(line["request_id"] for line in lines)
    for secret in (WRONG_PASSWORD, token, MLFLOW_SECRET, REDIS_SECRET):
        assert secret not in text
    access = [line for line in lines if line["logger"] == "app.access"]
    first = access[0]
    assert first["request_id"] == "req-42" and first["method"] == "GET" and first["status"] == 200
    assert first["path"] == "/api/users/me/" and first["user_id"] == user.id and first["duration_ms"] >= 0
    assert access[1]["path"] == "/api/tickets/<int:ticket_id>/" and access[1]["status"] == 404
    warnings = [line for line in lines if line["level"] in ("WARNING", "ERROR")]
    messages = " | ".join(line["message"] for line in warnings)
    assert "failed password check (basic) for username 'logme'" in messages
    assert "throttled auth-fail-username" in messages
    assert any(line.get("status") == 429 and line["level"] == "WARNING" for line in access)
    assert any(line.get("status") == 500 and line["level"] == "WARNING" for line in access)
    assert "model refresh failed" in messages and "http://***@127.0.0.1:9/" in messages


def test_metrics_are_for_admin_tokens_and_allowed_addresses(app, client, admin, agent, auth, monkeypatch):
    client.get("/api/users/me/", headers=auth(agent))
    record_prediction("applied")
    record_training("promoted")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=basic("admin")).status_code == 401
    assert client.get("/metrics", headers=auth(agent)).status_code == 403
    response = client.get("/metrics", headers=auth(admin))
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'http_requests_total{endpoint="/api/users/me/",method="GET",status="200"}' in text
    assert "http_request_duration_seconds_bucket{" in text
    assert 'ml_predictions_total{outcome="applied"}' in text
    assert 'ml_training_runs_total{result="promoted"}' in text
    assert "ml_model_version" in text
    monkeypatch.setitem(app.config, "METRICS_ALLOW_IPS", ["10.9.0.0/16"])
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.1.2"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.8.1.2"}).status_code == 401
