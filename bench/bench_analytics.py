"""Benchmark the analytics endpoints over HTTP on seeded PostgreSQL databases; prints a Markdown table.

For each size: database analytics_bench_<n> (created, migrated and seeded with seed_tickets unless it
already holds n tickets), then gunicorn (2 workers, 127.0.0.1) and a bounded number of token-authenticated
GET requests per endpoint and window; reports p50 (and p90) latency in milliseconds.

Usage: python bench/bench_analytics.py [--sizes 100000 1000000] [--requests 30] [--port 8765]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
ENDPOINTS = ("trends", "mttr", "backlog", "reopens", "first-response")
WINDOWS = (30, 365)
PYTHON = sys.executable


def _psql(sql: str, database: str = "postgres") -> str:
    cmd = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atqc", sql]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def prepare(n: int, name: str | None = None) -> tuple[str, str]:
    """Create, migrate and seed analytics_bench_<n> (or use database `name` as it is); return (url, token)."""
    name = name or f"analytics_bench_{n}"
    if not _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        _psql(f"CREATE DATABASE {name}")
    url = f"{SERVER}/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([PYTHON, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ["DATABASE_URL"] = url
    from app import create_app
    from app.auth.models import User
    from app.auth.service import issue_token
    from app.extensions import db
    from app.tickets.models import Ticket

    app = create_app()
    with app.app_context():
        if db.session.query(Ticket).count() != n:
            from app.tickets.seed import seed_tickets

            started = time.perf_counter()
            seed_tickets(n=n)
            print(f"seeded {n} tickets in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            _psql("VACUUM ANALYZE", name)
        agent = db.session.query(User).filter_by(role="agent").order_by(User.id).first()
        _, secret = issue_token(user=agent, name="bench", ttl_days=1)
        db.session.remove()
        db.engine.dispose()
    return url, secret


def measure(base: str, token: str, requests_per_case: int) -> dict[tuple[str, int], list[float]]:
    """Latency samples (ms) per (endpoint, days), after one warm-up request each."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    samples: dict[tuple[str, int], list[float]] = {}
    for endpoint in ENDPOINTS:
        for days in WINDOWS:
            url = f"{base}/api/analytics/{endpoint}/?days={days}"
            session.get(url, timeout=60).raise_for_status()
            times = []
            for _ in range(requests_per_case):
                started = time.perf_counter()
                session.get(url, timeout=60).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            samples[(endpoint, days)] = times
    return samples


def serve(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "ML_LOAD_ON_START": "false"}
    server = subprocess.Popen([PYTHON, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "app:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited (is port {port} free?)")
        try:
            requests.get(f"http://127.0.0.1:{port}/health/live", timeout=5)
            return server
        except requests.RequestException:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--databases", nargs="+", help="Existing databases to use, one per size, as they are.")
    args = parser.parse_args()
    results = {}
    for i, n in enumerate(args.sizes):
        url, token = prepare(n, args.databases[i] if args.databases else None)
        server = serve(url, args.port)
        try:
            results[n] = measure(f"http://127.0.0.1:{args.port}", token, args.requests)
        finally:
            server.terminate()
            server.wait(timeout=30)
    header = "| endpoint | days | " + " | ".join(f"p50 ms @ {n:,} | p90 ms @ {n:,}" for n in args.sizes) + " |"
    print(header)
    print("|" + "---|" * (2 + 2 * len(args.sizes)))
    for endpoint in ENDPOINTS:
        for days in WINDOWS:
            cells = []
            for n in args.sizes:
                times = sorted(results[n][(endpoint, days)])
                cells += [f"{statistics.median(times):.0f}", f"{times[int(0.9 * (len(times) - 1))]:.0f}"]
            print(f"| {endpoint} | {days} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
