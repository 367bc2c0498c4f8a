"""Smoke test of the embedded default: SQLite made by the migrations, driven through the CLI and the API."""

from __future__ import annotations

import base64

from app import create_app
from app.config import Config
from tests.helpers import command_env, run

PASSWORD = "embedded sqlite passphrase"


def test_the_demo_path_works_on_sqlite(tmp_path, monkeypatch):
    db_url = f"sqlite:///{tmp_path / 'tickets.db'}"
    env = command_env(DATABASE_URL=db_url, MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}")
    for args, stdin in (
        (["flask", "db", "upgrade"], None),
        (["flask", "db", "check"], None),
        (["flask", "create-user", "boss", "--role", "admin", "--password-stdin"], PASSWORD),
    ):
        done = run(args, env, stdin=stdin and stdin + "\n")
        assert done.returncode == 0, done.stdout + done.stderr

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("ML_LOAD_ON_START", "false")
    client = create_app(Config()).test_client()
    basic = {"Authorization": "Basic " + base64.b64encode(f"boss:{PASSWORD}".encode()).decode()}
    token = client.post("/api/auth/tokens/", json={"name": "smoke"}, headers=basic).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/tickets/", json={"title": "Smoke", "description": "On SQLite."}, headers=headers
    )
    assert created.status_code == 201
    moved = client.post(
        f"/api/tickets/{created.json['id']}/transition/", json={"status": "RESOLVED"}, headers=headers
    )
    assert moved.status_code == 200 and moved.json["resolved_at"].endswith("+00:00")
    listed = client.get("/api/tickets/?status=RESOLVED&q=smoke", headers=headers)
    assert [t["id"] for t in listed.json] == [created.json["id"]]
    assert client.get("/health/ready").json["components"]["database"]["status"] == "ok"
