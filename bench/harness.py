"""Shared benchmark plumbing: a scratch PostgreSQL database, seeding, gunicorn, timing, tables."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.processes import command_env, free_port, run, serving  # noqa: E402 - after sys.path

ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "benchmark passphrase"


def database_url(name: str) -> str:
    """URL of the benchmark database `name` on the admin URL's server."""
    import sqlalchemy as sa

    return sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def database_exists(name: str) -> bool:
    """Whether database `name` exists on the admin URL's server."""
    import sqlalchemy as sa

    engine = sa.create_engine(ADMIN_URL)
    with engine.connect() as conn:
        found = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    engine.dispose()
    return found is not None


def prepare_database(name: str, *, tickets: int, env_extra: dict[str, str] | None = None) -> dict[str, str]:
    """(Re)create database `name`, migrate it, create an admin and seed tickets; return the command env."""
    import sqlalchemy as sa

    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    env = command_env(DATABASE_URL=database_url(name), **(env_extra or {}))
    steps = [
        (["flask", "db", "upgrade"], None),
        (["flask", "create-user", "bench", "--role", "admin", "--password-stdin"], PASSWORD + "\n"),
    ]
    for args, stdin in steps:
        done = run(args, env, stdin=stdin)
        if done.returncode:
            raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    started = time.perf_counter()
    done = run(["flask", "seed-tickets", "--n", str(tickets), "--seed", "7"], env, timeout=3600)
    if done.returncode:
        raise SystemExit(f"seeding failed:\n{done.stdout}{done.stderr}")
    print(f"seeded {tickets:,} tickets in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    vacuum(name)
    return env


def seeded_env(db: str, prefix: str, **extra: str) -> dict[str, str]:
    """The command env for serving an existing seeded database with a throwaway MLflow store and index cache.

    Both checkouts of a before/after run share the one cache folder, and no build of an earlier run's
    registry is in it.
    """
    if not database_exists(db):
        raise SystemExit(f"database {db} does not exist: run bench/bench_api.py --db {db} first")
    store = tempfile.mkdtemp(prefix=prefix)
    return command_env(
        DATABASE_URL=database_url(db),
        MLFLOW_TRACKING_URI=f"sqlite:///{store}/mlflow.db",
        MLFLOW_ARTIFACT_ROOT=f"{store}/art",
        SIMILARITY_INDEX_DIR=f"{store}/similarity",
        **extra,
    )


def vacuum(name: str) -> None:
    """VACUUM ANALYZE, as autovacuum would have by now (it is off on the CI machine's PostgreSQL)."""
    # Without it counts cannot use index-only scans, and rows added by earlier runs skew the plans.
    import sqlalchemy as sa

    engine = sa.create_engine(database_url(name), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
        conn.execute(sa.text("CHECKPOINT"))  # the seeding's dirty pages written now, not during the timings
    engine.dispose()


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    workers: int = 2,
    ready_path: str = "/health/ready",
    timeout: float = 120,
    log: Path | None = None,
    checkout: Path = ROOT,
) -> Iterator[str]:
    """Serve a checkout's app with gunicorn on a free loopback port (output to `log`); yield its base URL."""
    port = free_port()
    args = [
        "gunicorn",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "300",
        "--no-control-socket",
        "app:create_app()",
    ]
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
    out = open(log, "w") if log is not None else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        ready = f"http://127.0.0.1:{port}{ready_path}"
        with serving(args, env, ready_url=ready, timeout=timeout, output=out, stop_timeout=60, cwd=checkout):
            yield f"http://127.0.0.1:{port}"
    finally:
        if log is not None:
            out.close()


def issue_token(base: str) -> str:
    """A Bearer token for the benchmark admin."""
    r = requests.post(
        f"{base}/api/auth/tokens/", json={"name": "bench"}, auth=("bench", PASSWORD), timeout=30
    )
    r.raise_for_status()
    return r.json()["token"]


def measure(
    call: Callable[[int], requests.Response], *, count: int = 200, max_seconds: float = 60, warmup: int = 5
) -> dict[str, float]:
    """Latency of `call(i)` over at most `count` calls and `max_seconds`: p50, p95 in ms and n."""
    for i in range(warmup):
        call(-1 - i).raise_for_status()
    samples: list[float] = []
    deadline = time.monotonic() + max_seconds
    for i in range(count):
        started = time.perf_counter()
        call(i).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
        if time.monotonic() > deadline:
            break
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "n": len(ordered),
    }


def print_table(
    title: str, rows: list[tuple[str, dict[str, float]]], target: dict[str, float] | None = None
) -> None:
    """Print rows of measurements as a Markdown table (paste-able into bench/README.md)."""
    rounds = any("p50s" in m for _, m in rows)
    print(f"\n### {title}\n")
    print("| case | n | p50 ms | p95 ms | target p50 |" + (" each round's p50 |" if rounds else ""))
    print("|---|---:|---:|---:|---|" + ("---|" if rounds else ""))
    for name, m in rows:
        goal = f"< {target[name]:g} ms" if target and name in target else ""
        each = " / ".join(f"{p:.1f}" for p in m.get("p50s", []))
        print(
            f"| {name} | {m['n']} | {m['p50']:.1f} | {m['p95']:.1f} | {goal} |"
            + (f" {each} |" if rounds else "")
        )


def combine_rounds(rounds: list[list[tuple[str, dict[str, float]]]]) -> list[tuple[str, dict[str, Any]]]:
    """One row per case from several rounds: the median of the rounds' p50 and p95, and each round's p50."""
    by_case: dict[str, list[dict[str, float]]] = {}
    for rows in rounds:
        for name, m in rows:
            by_case.setdefault(name, []).append(m)
    return [
        (
            name,
            {
                "p50": statistics.median(m["p50"] for m in ms),
                "p95": statistics.median(m["p95"] for m in ms),
                "n": sum(m["n"] for m in ms),
                "p50s": [m["p50"] for m in ms],
            },
        )
        for name, ms in by_case.items()
    ]
