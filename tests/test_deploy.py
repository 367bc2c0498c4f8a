"""Deployment files: compose.yaml and .env.example agree with the app's config; boot.sh really boots."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest
import requests
import yaml

from app.config import Config, IsolatedEnv
from tests.helpers import ROOT, command_env, free_port, run, scratch_postgres, wait_for

BOOT_SECONDS = 150  # migrations, then gunicorn's MLflow store check, then a worker importing the app
CONFIG_NAMES = set(Config(IsolatedEnv()).setting_names)


def _example_names() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z0-9_]+=", line)}


def test_env_example_documents_every_setting():
    assert CONFIG_NAMES and _example_names() >= CONFIG_NAMES
    assert {"POSTGRES_PASSWORD", "WEB_CONCURRENCY", "BIND"} <= _example_names()


def test_compose_wires_web_db_and_mlflow():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "mlflow", "web", "worker"}
    assert services["db"]["image"] == "postgres:16"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert any(v.startswith("pgdata:") for v in services["db"]["volumes"]) and "pgdata" in compose["volumes"]
    web = services["web"]
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["env_file"] == ".env"
    assert set(web["environment"]) <= CONFIG_NAMES | {"MLFLOW_DISABLE_TELEMETRY", "MIGRATE_ON_START"}
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


def test_compose_migrates_once_before_web_and_shares_limits_in_redis():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    migrate, web, redis = services["migrate"], services["web"], services["redis"]
    assert migrate["command"] == ["./boot.sh", "migrate"] and migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["environment"]["DATABASE_URL"] == web["environment"]["DATABASE_URL"]
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert web["environment"]["MIGRATE_ON_START"] == "false"
    assert web["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "redis-cli" in redis["healthcheck"]["test"] and "ports" not in redis


def test_compose_runs_a_jobs_worker_on_the_redis_queue():
    worker = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["worker"]
    assert worker["command"] == ["flask", "jobs", "worker"] and worker["env_file"] == ".env"
    assert worker["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert {"db", "redis", "migrate"} <= set(worker["depends_on"])
    assert set(worker["environment"]) <= CONFIG_NAMES | {"MLFLOW_DISABLE_TELEMETRY", "REDIS_URL"}


def test_web_and_worker_share_the_similarity_index_folder():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    # The default SIMILARITY_INDEX_DIR is instance/similarity under the code, which the image puts in /srv.
    default = Config(IsolatedEnv()).SIMILARITY_INDEX_DIR
    assert default == str(ROOT / "instance" / "similarity")
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "WORKDIR /srv" in dockerfile and "mkdir -p instance/similarity" in dockerfile
    for name in ("web", "worker"):
        assert "similarity:/srv/instance/similarity" in services[name]["volumes"], name


def test_dockerfile_runs_boot_sh_as_non_root():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert re.search(r"^USER app$", text, re.M) and 'CMD ["./boot.sh"]' in text
    assert "pip install --require-hashes -r requirements.txt" in text and "gunicorn.conf.py" in text
    boot = (ROOT / "boot.sh").read_text()
    assert "flask db upgrade" in boot and "exec gunicorn" in boot and '"app:create_app()"' in boot
    assert "MIGRATE_ON_START" in boot and "--config gunicorn.conf.py" in boot


def test_lock_files_pin_every_package_with_hashes_for_the_supported_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.12"
    for name in ("requirements.txt", "requirements-dev.txt"):
        lines = (ROOT / name).read_text().splitlines()
        pins = [line for line in lines if line and not line.startswith((" ", "#"))]
        assert pins and all("==" in pin for pin in pins), name
        assert sum("--hash=sha256:" in line for line in lines) >= len(pins), name
    runtime = (ROOT / "requirements.txt").read_text().lower()
    for dependency in project["dependencies"]:
        assert dependency.split("[")[0].split("==")[0].lower() + "==" in runtime


def test_env_and_secrets_are_not_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ".env" not in tracked
    assert not [f for f in tracked if f.startswith(("mlruns/", "instance/")) and not f.endswith(".gitkeep")]


def _serve(env: dict[str, str], port: int) -> tuple[requests.Response, str]:
    """Run ./boot.sh until it is ready; return the readiness answer and everything it printed."""
    proc = subprocess.Popen(
        ["./boot.sh"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        ready = wait_for(f"http://127.0.0.1:{port}/health/ready", timeout=BOOT_SECONDS, proc=proc)
        unauthenticated = requests.get(f"http://127.0.0.1:{port}/api/tickets/", timeout=5)
        assert unauthenticated.status_code == 401 and unauthenticated.json()["code"] == 401
    finally:
        output = _stop(proc)
    return ready, output


@pytest.mark.slow
def test_boot_sh_migrates_once_then_serves_with_or_without_migrating(app, tmp_path):
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
            MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}",
            GUNICORN_CMD_ARGS="--no-control-socket",
            GUNICORN_GRACEFUL_TIMEOUT="3",
        )
        ready, output = _serve(env, port)  # the default: migrate a fresh database, then serve
        assert "Running upgrade" in output
        assert ready.json()["components"]["database"]["status"] == "ok"
        migrated = run(["./boot.sh", "migrate"], env)  # compose's one-off migrate service, run again
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert "Running upgrade" not in migrated.stderr
        check = run(["flask", "db", "check"], env)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "No new upgrade operations detected" in check.stdout + check.stderr
        _, output = _serve({**env, "MIGRATE_ON_START": "false"}, port)
        assert "Context impl" not in output


def _stop(proc: subprocess.Popen) -> str:
    """Stop gunicorn (reading its output, so a full pipe cannot block it) and return what it printed."""
    proc.terminate()
    try:
        return proc.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate(timeout=10)[0]
