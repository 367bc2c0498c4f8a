"""Deployment files: compose.yaml and .env.example agree with the app's config; boot.sh really boots."""

from __future__ import annotations

import re
import subprocess

import pytest
import requests
import yaml

from tests.helpers import ROOT, command_env, free_port, run, scratch_postgres, wait_for

CONFIG_NAMES = set(re.findall(r'(?:env|_bool)\("([A-Z0-9_]+)"', (ROOT / "app/config.py").read_text()))


def _example_names() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z0-9_]+=", line)}


def test_env_example_documents_every_setting():
    assert CONFIG_NAMES and _example_names() >= CONFIG_NAMES
    assert {"POSTGRES_PASSWORD", "WEB_CONCURRENCY", "BIND"} <= _example_names()


def test_compose_wires_web_db_and_mlflow():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "mlflow", "web", "worker"}
    assert services["db"]["image"] == "postgres:16"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert any(v.startswith("pgdata:") for v in services["db"]["volumes"]) and "pgdata" in compose["volumes"]
    web = services["web"]
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["env_file"] == ".env"
    assert set(web["environment"]) <= CONFIG_NAMES | {"MLFLOW_DISABLE_TELEMETRY"}
    assert web["environment"]["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
    assert web["environment"]["DATABASE_URL"].startswith("postgresql://")
    mlflow = services["mlflow"]["command"]
    for flag in (
        "--workers 1",
        "--serve-artifacts",
        "--artifacts-destination",
        "--allowed-hosts",
        "@db:5432/mlflow",
    ):
        assert flag in mlflow
    assert services["mlflow"]["environment"]["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"


def test_compose_runs_a_jobs_worker_on_the_redis_queue():
    worker = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["worker"]
    assert worker["command"] == ["flask", "jobs", "worker"] and worker["env_file"] == ".env"
    assert worker["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert {"db", "redis", "migrate"} <= set(worker["depends_on"])
    assert set(worker["environment"]) <= CONFIG_NAMES | {"MLFLOW_DISABLE_TELEMETRY", "REDIS_URL"}


def test_dockerfile_runs_boot_sh_as_non_root():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.12-slim" in text
    assert re.search(r"^USER app$", text, re.M) and 'CMD ["./boot.sh"]' in text
    assert "pip install -r requirements.txt" in text
    boot = (ROOT / "boot.sh").read_text()
    assert "flask db upgrade" in boot and "exec gunicorn" in boot and '"app:create_app()"' in boot


def test_env_and_secrets_are_not_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ".env" not in tracked
    assert not [f for f in tracked if f.startswith(("mlruns/", "instance/")) and not f.endswith(".gitkeep")]


@pytest.mark.slow
def test_boot_sh_migrates_a_fresh_postgres_and_serves(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    port = free_port()
    with scratch_postgres(url) as db_url:
        env = command_env(
            DATABASE_URL=db_url,
            APP_ENV="production",
            SECRET_KEY="x" * 64,
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="1",
            GUNICORN_CMD_ARGS="--no-control-socket",
        )
        proc = subprocess.Popen(
            ["./boot.sh"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            ready = wait_for(f"http://127.0.0.1:{port}/health/ready", timeout=60, proc=proc)
            assert ready.json()["components"]["database"]["status"] == "ok"
            r = requests.get(f"http://127.0.0.1:{port}/api/tickets/", timeout=5)
            assert r.status_code == 401 and r.json()["code"] == 401
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        check = run(["flask", "db", "check"], env)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "No new upgrade operations detected" in check.stdout + check.stderr
