"""End to end against a real `mlflow server` (PostgreSQL backend, proxied artifacts) on a loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
import sqlalchemy as sa
from mlflow import MlflowClient

from app import create_app
from app.config import TestConfig as AppTestConfig
from app.ml.serving import model_cache
from tests.ml.corpus import add_corpus, degrade_labels

pytestmark = pytest.mark.slow

BUG = {
    "title": "App crashes on save",
    "description": "The editor crashes with an error 500 when I click save.",
}
START_TIMEOUT = 90
REFRESH_SECONDS = 1.0


def _postgres_admin_url() -> str:
    url = sa.make_url(os.environ.get("TEST_DATABASE_URL", ""))
    if not url.drivername.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL) for the MLflow backend store")
    return url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(predicate, timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def mlflow_server(tmp_path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real tracking server on a fresh mlflow_it_* database; stopped and dropped afterwards."""
    admin_url = _postgres_admin_url()
    name = f"mlflow_it_{uuid.uuid4().hex[:10]}"
    backend = sa.make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg", database=name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = _free_port()
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    log = open(tmp_path / "mlflow-server.log", "w")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "mlflow"),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            backend.render_as_string(hide_password=False),
            "--artifacts-destination",
            str(tmp_path / "artifacts"),
            "--serve-artifacts",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not _wait_until(lambda: _healthy(url) or server.poll() is not None, START_TIMEOUT) or not _healthy(
            url
        ):
            pytest.fail(
                f"mlflow server did not start: {(tmp_path / 'mlflow-server.log').read_text()[-2000:]}"
            )
        yield url, server
    finally:
        _stop(server)
        log.close()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait(timeout=10)


def _second_worker(url: str, model_name: str):
    """Another app instance, as another gunicorn worker would be: loads and polls in the background."""
    config = AppTestConfig()
    config.MLFLOW_TRACKING_URI = url
    config.MODEL_NAME = config.MLFLOW_EXPERIMENT_NAME = model_name
    config.ML_LOAD_ON_START = True
    config.MODEL_REFRESH_SECONDS = REFRESH_SECONDS
    # Another machine's cache: it fetches each version's similarity index from the server.
    config.SIMILARITY_INDEX_DIR = tempfile.mkdtemp(prefix="other-worker-index-")
    return create_app(config)


def _loaded(app) -> str | None:
    model = model_cache(app).loaded
    return model.version if model else None


@pytest.mark.skipif(
    shutil.which("mlflow", path=str(Path(sys.executable).parent)) is None,
    reason="the full mlflow package (server) is not installed",
)
def test_train_gate_promote_and_serve_against_a_real_server(app, client, admin, agent, auth, mlflow_server):
    url, server = mlflow_server
    name = f"it-{uuid.uuid4().hex[:8]}"
    app.config.update(MLFLOW_TRACKING_URI=url, MODEL_NAME=name, MLFLOW_EXPERIMENT_NAME=name)
    mlflow = MlflowClient(tracking_uri=url, registry_uri=url)
    add_corpus(per_category=40)

    first = client.post("/api/ml/train/", json={}, headers=auth(admin))
    assert first.status_code == 202, first.json
    assert first.json["status"] == "succeeded", first.json  # jobs run inline in tests
    run = mlflow.get_run(first.json["result"]["run_id"])
    assert run.data.params["n_samples"] == "200" and run.data.metrics["macro_f1"] > 0.8
    assert "confusion_matrix.png" in {a.path for a in mlflow.list_artifacts(run.info.run_id)}
    assert str(mlflow.get_model_version_by_alias(name, "champion").version) == "1"

    cache = model_cache(app)
    cache.wait_idle()
    cache.refresh(wait=True)
    predicted = client.post("/api/ml/predict/", json=BUG, headers=auth(agent)).json
    assert predicted["category"] == "bug" and predicted["model_version"] == "1"

    degrade_labels()
    worse = client.post("/api/ml/train/", json={}, headers=auth(admin)).json["result"]
    assert worse["promoted"] is False and worse["model_version"] == "2"
    assert str(mlflow.get_model_version_by_alias(name, "challenger").version) == "2"
    assert str(mlflow.get_model_version_by_alias(name, "champion").version) == "1"

    other = _second_worker(url, name)
    try:
        assert _wait_until(lambda: _loaded(other) == "1", 60), model_cache(other).state()
        assert client.post("/api/ml/promote/", json={"version": 2}, headers=auth(admin)).status_code == 200
        started = time.monotonic()
        assert _wait_until(lambda: _loaded(other) == "2", REFRESH_SECONDS + 30), model_cache(other).state()
        assert time.monotonic() - started < REFRESH_SECONDS + 30
        assert (
            client.post("/api/ml/promote/", json={"version": 1}, headers=auth(admin)).json["previous_version"]
            == "2"
        )
        assert _wait_until(lambda: _loaded(other) == "1", REFRESH_SECONDS + 30), model_cache(other).state()

        _stop(server)
        other_client = other.test_client()
        with other.app_context():
            token = auth(agent)
        answer = other_client.post("/api/ml/predict/", json=BUG, headers=token)
        assert answer.status_code == 200 and answer.json["model_version"] == "1"
        assert _wait_until(lambda: model_cache(other).state()["stale"], 30)
        ready = other_client.get("/health/ready")
        assert ready.status_code == 200 and ready.json["components"]["model"]["status"] == "degraded"
        assert other_client.post("/api/ml/predict/", json=BUG, headers=token).status_code == 200
    finally:
        model_cache(other).stop()
        model_cache(other).wait_idle()
