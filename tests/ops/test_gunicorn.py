"""gunicorn with gunicorn.conf.py: slow clients do not stall it; two workers share a fresh MLflow store and
their metrics."""

from __future__ import annotations

import re
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from app.auth.models import ApiToken, User
from app.auth.service import hash_token
from app.extensions import db
from devtools.processes import serving
from tests.helpers import BIN, command_env, free_port

pytestmark = pytest.mark.slow
BOOT_SECONDS = 150  # the machine is shared: importing the app in a fresh worker can take half a minute


@contextmanager
def gunicorn(tmp_path: Path, **settings: str) -> Iterator[str]:
    """gunicorn -c gunicorn.conf.py on a loopback port with a scratch SQLite app database and MLflow store."""
    port = free_port()
    env = command_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
        MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}",
        MLFLOW_ARTIFACT_ROOT=str(tmp_path / "mlruns" / "artifacts"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
        APP_ENV="development",
        GUNICORN_GRACEFUL_TIMEOUT="3",  # a closed keep-alive client still holds gthread's shutdown that long
    )
    env.update(settings)
    args = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    ready = f"http://127.0.0.1:{port}/health/live"
    command = [*args, "--no-control-socket", "app:create_app()"]
    output = subprocess.PIPE
    with serving(command, env, ready_url=ready, timeout=BOOT_SECONDS, output=output, stop_timeout=30):
        yield f"http://127.0.0.1:{port}"


def test_two_half_open_connections_do_not_stall_the_server(tmp_path):
    with gunicorn(tmp_path, WEB_CONCURRENCY="2") as url:
        port = int(url.rsplit(":", 1)[1])
        slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        try:
            for sock in slow:
                sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finished
            time.sleep(0.5)
            started = time.monotonic()
            for _ in range(3):
                assert requests.get(f"{url}/health/live", timeout=5).status_code == 200
            assert time.monotonic() - started < 5
        finally:
            for sock in slow:
                sock.close()


def _admin_token(database: Path) -> str:
    """An admin and a Bearer token written straight into the scratch database's fresh schema."""
    engine = sa.create_engine(f"sqlite:///{database}")
    db.metadata.create_all(engine)
    secret = "tia_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        user_id = conn.execute(
            sa.insert(User).values(username="root", role="admin", password_hash="unused", is_active=True)
        ).inserted_primary_key[0]
        conn.execute(sa.insert(ApiToken).values(user_id=user_id, name="t", token_hash=hash_token(secret)))
    engine.dispose()
    return secret


def _live_requests(metrics: str) -> float:
    found = re.search(
        r'http_requests_total\{endpoint="/health/live",method="GET",status="200"\} (\S+)', metrics
    )
    return float(found.group(1)) if found else 0.0


def test_two_workers_start_on_a_fresh_mlflow_store_and_metrics_cover_both(tmp_path):
    token = _admin_token(tmp_path / "app.db")
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
    with gunicorn(tmp_path, WEB_CONCURRENCY="2", ML_LOAD_ON_START="true", MODEL_REFRESH_SECONDS="2") as url:
        workers: dict[int, dict] = {}
        deadline = time.monotonic() + BOOT_SECONDS
        while time.monotonic() < deadline and len(workers) < 2:
            assert requests.get(f"{url}/health/ready", headers=headers, timeout=60).status_code == 200
            state = requests.get(f"{url}/api/ml/model/", headers=headers, timeout=60).json()["worker"]
            if state["last_refresh"]:
                workers[state["pid"]] = state
            time.sleep(0.2)
        assert len(workers) == 2, workers
        assert all(state["last_error"] is None for state in workers.values()), workers
        before = _live_requests(requests.get(f"{url}/metrics", headers=headers, timeout=60).text)
        for _ in range(20):  # a new connection each: gunicorn spreads them over both workers
            assert requests.get(f"{url}/health/live", headers={"Connection": "close"}, timeout=60).ok
        metrics = requests.get(f"{url}/metrics", headers=headers, timeout=60).text
    assert _live_requests(metrics) - before == 20
    served = re.findall(r'ml_model_version\{pid="(\d+)"\} 0\.0', metrics)
    assert {int(pid) for pid in served} >= set(workers)
