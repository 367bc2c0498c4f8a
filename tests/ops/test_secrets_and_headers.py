"""No credentials in answers; security headers; production refuses weak secrets."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import API_SETTINGS, Config, ConfigError
from app.ml import registry
from app.ml.serving import model_cache

SECRET_URI = "http://mlbot:hunter2-secret@127.0.0.1:9/"


def test_registry_errors_do_not_reveal_the_tracking_uri_credentials(app, monkeypatch):
    monkeypatch.setitem(app.config, "MLFLOW_TRACKING_URI", SECRET_URI)
    with pytest.raises(registry.RegistryUnavailable) as caught, registry.guard("checking the alias"):
        raise ConnectionError(f"cannot reach {SECRET_URI}api/2.0 (password hunter2-secret)")
    message = str(caught.value)
    assert "hunter2-secret" not in message and "mlbot" not in message
    assert "http://***@127.0.0.1:9/" in message


def test_readiness_says_only_ok_or_degraded(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MLFLOW_TRACKING_URI", SECRET_URI)
    cache = model_cache(app)
    cache.last_error = f"RegistryUnavailable: MLflow ({SECRET_URI}) failed"
    try:
        response = client.get("/health/ready")
    finally:
        cache.last_error = None
    assert response.status_code == 200
    assert response.json == {
        "status": "degraded",
        "components": {"database": {"status": "ok"}, "model": {"status": "degraded"}},
    }
    assert "hunter2" not in response.get_data(as_text=True)


def test_nosniff_everywhere_and_frame_protection_on_browser_pages(client, admin, auth):
    api = client.get("/api/users/me/", headers=auth(admin))
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/no/such/page").headers["X-Content-Type-Options"] == "nosniff"
    for path in ("/admin/login/", "/api/docs/"):
        page = client.get(path)
        assert page.status_code == 200
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert (
            page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
        )
    assert "Strict-Transport-Security" not in api.headers  # only in production


def test_swagger_ui_does_not_persist_credentials(client):
    assert API_SETTINGS["OPENAPI_SWAGGER_UI_CONFIG"]["persistAuthorization"] is False
    assert '"persistAuthorization": true' not in client.get("/api/docs/").get_data(as_text=True)


def _production(monkeypatch, secret: str) -> Config:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secret)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    return Config()


def test_production_refuses_a_short_secret_key(monkeypatch):
    with pytest.raises(ConfigError, match="32 bytes"):
        create_app(_production(monkeypatch, "s" * 31))


def test_production_sends_hsts(monkeypatch):
    app = create_app(_production(monkeypatch, "s" * 32))
    response = app.test_client().get("/health/live")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
