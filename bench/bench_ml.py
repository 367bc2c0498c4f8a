"""ML benchmark on PostgreSQL: seeded tickets, training, gunicorn 2 workers, latency, RSS, promotion time.

Usage (from the repo root, PostgreSQL on 127.0.0.1:5432):
    .venv/bin/python bench/bench_ml.py --n 100000
Recreates the scratch database `ml_bench` (migrated with `flask db upgrade`) and a temporary MLflow store.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN_DB = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVER: subprocess.Popen | None = None


def run_timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a flask command; return (seconds, peak RSS in MiB, output)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output


def recreate_database(name: str) -> None:
    with psycopg.connect(ADMIN_DB, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def analyze(name: str) -> None:
    with psycopg.connect(ADMIN_DB.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as conn:
        conn.execute("ANALYZE")


def tokens(env: dict[str, str]) -> dict[str, str]:
    """Create an admin and an agent in the bench database; return Bearer headers per role."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.auth import service

    app = create_app()
    headers = {}
    with app.app_context():
        for role in ("admin", "agent"):
            user = service.create_user(username=f"bench-{role}", password="bench-password-123", role=role)
            headers[role] = {"Authorization": f"Bearer {service.issue_token(user=user, name='bench')[1]}"}
    return headers


def workers_state(base: str, headers: dict[str, str], polls: int = 12) -> dict[int, dict]:
    """Ask /api/ml/model/ a few times; gunicorn spreads the calls, so collect each worker's latest state."""
    seen: dict[int, dict] = {}
    for _ in range(polls):
        try:
            worker = requests.get(f"{base}/api/ml/model/", headers=headers, timeout=10).json()["worker"]
            seen[worker["pid"]] = worker
        except (requests.RequestException, KeyError, ValueError):
            time.sleep(0.2)
    return seen


def wait_for(base: str, headers: dict[str, str], version: str, timeout: float, index: bool) -> float:
    """Seconds until two workers serve `version` (and hold its similarity index when asked)."""
    started, latest = time.perf_counter(), {}
    while time.perf_counter() - started < timeout:
        if SERVER and SERVER.poll() is not None:
            raise SystemExit("gunicorn exited; see bench/results/gunicorn-ml.log")
        latest.update(workers_state(base, headers, polls=4))
        done = [
            w
            for w in latest.values()
            if w["loaded_version"] == version
            and (not index or (w.get("similarity_index") or {}).get("model_version") == version)
        ]
        if len(done) >= 2:
            return time.perf_counter() - started
        time.sleep(0.05)
    raise SystemExit(f"workers did not converge on version {version} in {timeout}s: {latest}")


def latencies(call, count: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds over `count` sequential calls (after 20 warm-up calls)."""
    for _ in range(20):
        call()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_http(base: str, headers: dict[str, dict[str, str]], n: int, count: int) -> list[tuple[str, str]]:
    from app.tickets.seed import sample_ticket_text

    rng = random.Random(1)
    agent = headers["agent"]
    session = requests.Session()

    def ml_predict():
        return session.post(f"{base}/api/tickets/{rng.randint(1, n)}/ml_predict/", json={}, headers=agent)

    def predict():
        title, description = sample_ticket_text(
            rng.choice(("billing", "bug", "account", "feature", "other")), rng
        )
        return session.post(
            f"{base}/api/ml/predict/", json={"title": title, "description": description}, headers=agent
        )

    def similar():
        return session.get(f"{base}/api/tickets/{rng.randint(1, n)}/similar/?top=5", headers=agent)

    rows = []
    for label, call in (
        ("POST /api/tickets/{id}/ml_predict/", ml_predict),
        ("POST /api/ml/predict/", predict),
        ("GET /api/tickets/{id}/similar/?top=5", similar),
    ):
        p50, p95 = latencies(call, count)
        rows.append((f"{label} p50 / p95 ({count} requests)", f"{p50:.1f} ms / {p95:.1f} ms"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--refresh-seconds", type=float, default=10.0)
    args = parser.parse_args()
    store = tempfile.mkdtemp(prefix="ml-bench-mlflow-")
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/ml_bench",
        "MLFLOW_TRACKING_URI": f"sqlite:///{store}/mlflow.db",
        "MLFLOW_ARTIFACT_ROOT": f"{store}/artifacts",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "ML_LOAD_ON_START": "false",
        "FLASK_APP": "app:create_app",
        "MODEL_REFRESH_SECONDS": str(args.refresh_seconds),
    }
    flask = [str(BIN / "flask")]
    rows: list[tuple[str, str]] = []
    recreate_database("ml_bench")
    run_timed([*flask, "db", "upgrade"], env)
    seconds, _, _ = run_timed([*flask, "seed-tickets", "--n", str(args.n), "--seed", "42"], env)
    rows.append((f"seed {args.n:,} tickets (flask seed-tickets)", f"{seconds:.1f} s"))
    analyze("ml_bench")  # fresh statistics, as autovacuum would soon have, so the planner uses the indexes
    headers = tokens(env)
    for number, extra in ((1, []), (2, ["--force"])):
        seconds, peak, output = run_timed([*flask, "train", *extra], env)
        rows.append(
            (
                f"flask train #{number}: time to train + register / peak RSS",
                f"{seconds:.1f} s / {peak:.0f} MiB",
            )
        )
    rows.append(("training result (last line of flask train)", output.strip().splitlines()[-1]))
    log_path = ROOT / "bench" / "results" / "gunicorn-ml.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed after the server stops
    # No control socket: its default path is shared by every gunicorn of this user on the machine.
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{args.port}",
            "--timeout",
            "120",
            "--no-control-socket",
            "app:create_app()",
        ],
        cwd=ROOT,
        env={**env, "ML_LOAD_ON_START": "true"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    global SERVER
    SERVER = server
    base = f"http://127.0.0.1:{args.port}"
    try:
        started = time.perf_counter()
        wait_for(base, headers["agent"], "2", 300, index=True)
        rows.append(
            (
                "worker start -> model + similarity index loaded in both workers",
                f"{time.perf_counter() - started:.1f} s",
            )
        )
        rows.extend(measure_http(base, headers, args.n, args.requests))
        pids = sorted(workers_state(base, headers["agent"]))
        rows.append(
            ("worker RSS with model + index loaded", " / ".join(f"{rss_mib(pid):.0f} MiB" for pid in pids))
        )
        run_timed([*flask, "promote", "1"], env)
        model_s = wait_for(base, headers["agent"], "1", 120, index=False)
        index_s = wait_for(base, headers["agent"], "1", 300, index=True) + model_s
        rows.append(
            (
                f"flask promote reaches both workers (MODEL_REFRESH_SECONDS={args.refresh_seconds:g})",
                f"{model_s:.1f} s (similarity index rebuilt: {index_s:.1f} s)",
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    print("| measurement | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
