"""/health/ready when the database is gone: 503, and still only ok/degraded per component."""

from __future__ import annotations

from app import create_app
from app.config import TestConfig
from tests.helpers import free_port


def test_readiness_is_503_when_the_database_cannot_be_reached(monkeypatch, tmp_path):
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone?connect_timeout=2"
    monkeypatch.setenv("TEST_DATABASE_URL", nowhere)
    app = create_app(TestConfig(MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}"))
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["components"]["database"] == {"status": "degraded"}
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert app.test_client().get("/health/live").status_code == 200
