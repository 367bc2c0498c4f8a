"""ML benchmark on PostgreSQL: seeded tickets, training, gunicorn 2 workers, latency, RSS, promotion time.

Usage (from the repo root, PostgreSQL on 127.0.0.1:5432):
    .venv/bin/python bench/bench_ml.py --n 100000
Recreates the scratch database `ml_bench` (migrated, seeded, vacuumed by bench/harness.py) and uses a
temporary sqlite MLflow store.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import time
from pathlib import Path

import requests
from harness import ROOT, gunicorn, issue_token, measure, prepare_database

CATEGORIES = ("billing", "bug", "account", "feature", "other")


def run_timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command; return (seconds, peak RSS in MiB, output)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{output}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, output


def workers_state(session: requests.Session, base: str, polls: int) -> dict[int, dict]:
    """Ask /api/ml/model/ a few times; gunicorn spreads the calls, so collect each worker's latest state."""
    seen: dict[int, dict] = {}
    for _ in range(polls):
        try:
            worker = session.get(f"{base}/api/ml/model/", timeout=10).json()["worker"]
            seen[worker["pid"]] = worker
        except (requests.RequestException, KeyError, ValueError):
            time.sleep(0.2)
    return seen


def wait_for_version(
    session: requests.Session, base: str, version: str, timeout: float, index: bool
) -> tuple[float, list[int]]:
    """Seconds until two workers serve `version` (and its similarity index when asked), and their pids."""
    started, latest = time.perf_counter(), {}
    while time.perf_counter() - started < timeout:
        latest.update(workers_state(session, base, polls=4))
        done = [
            w
            for w in latest.values()
            if w["loaded_version"] == version
            and (not index or (w.get("similarity_index") or {}).get("model_version") == version)
        ]
        if len(done) >= 2:
            return time.perf_counter() - started, sorted(w["pid"] for w in done)
        time.sleep(0.05)
    raise SystemExit(f"workers did not converge on version {version} in {timeout}s: {latest}")


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_http(session: requests.Session, base: str, n: int, count: int) -> list[tuple[str, str]]:
    """p50 / p95 of ml_predict, free-text predict and similar, on random tickets and texts."""
    from app.demo.seed import sample_ticket_text

    rng = random.Random(1)

    def free_text(i: int) -> requests.Response:
        title, description = sample_ticket_text(rng.choice(CATEGORIES), rng)
        return session.post(f"{base}/api/ml/predict/", json={"title": title, "description": description})

    calls = (
        (
            "POST /api/tickets/{id}/ml_predict/",
            lambda i: session.post(f"{base}/api/tickets/{rng.randint(1, n)}/ml_predict/", json={}),
        ),
        ("POST /api/ml/predict/", free_text),
        (
            "GET /api/tickets/{id}/similar/?top=5",
            lambda i: session.get(f"{base}/api/tickets/{rng.randint(1, n)}/similar/?top=5"),
        ),
    )
    rows = []
    for label, call in calls:
        m = measure(call, count=count, warmup=20)
        rows.append((f"{label} p50 / p95 ({m['n']} requests)", f"{m['p50']:.1f} ms / {m['p95']:.1f} ms"))
    return rows


def train_twice(env: dict[str, str]) -> list[tuple[str, str]]:
    """Time and peak memory of `flask train` and `flask train --force` (which also scores the champion)."""
    rows = []
    for number, extra in ((1, []), (2, ["--force"])):
        seconds, peak, output = run_timed(["flask", "train", *extra], env)
        rows.append(
            (
                f"flask train #{number}: time to train + register / peak RSS",
                f"{seconds:.1f} s / {peak:.0f} MiB",
            )
        )
    rows.append(("training result (last line of flask train)", output.strip().splitlines()[-1]))
    return rows


def serve_and_measure(env: dict[str, str], args: argparse.Namespace) -> list[tuple[str, str]]:
    """Start gunicorn with background model loading; latency, RSS and promotion propagation."""
    rows = []
    started = time.perf_counter()
    with gunicorn(
        {**env, "ML_LOAD_ON_START": "true"}, log=ROOT / "bench" / "results" / "gunicorn-ml.log"
    ) as base:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {issue_token(base)}"
        _, pids = wait_for_version(session, base, "2", 300, index=True)
        rows.append(
            (
                "worker start -> model + similarity index loaded in both workers",
                f"{time.perf_counter() - started:.1f} s",
            )
        )
        rows += measure_http(session, base, args.n, args.requests)
        rows.append(
            ("worker RSS with model + index loaded", " / ".join(f"{rss_mib(p):.0f} MiB" for p in pids))
        )
        run_timed(["flask", "promote", "1"], env)
        model_s, _ = wait_for_version(session, base, "1", 120, index=False)
        index_s = wait_for_version(session, base, "1", 300, index=True)[0] + model_s
        rows.append(
            (
                f"flask promote reaches both workers (MODEL_REFRESH_SECONDS={args.refresh_seconds:g})",
                f"{model_s:.1f} s (similarity index rebuilt: {index_s:.1f} s)",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--refresh-seconds", type=float, default=10.0)
    args = parser.parse_args()
    store = tempfile.mkdtemp(prefix="ml-bench-mlflow-")
    started = time.perf_counter()
    env = prepare_database(
        "ml_bench",
        tickets=args.n,
        env_extra={
            "MLFLOW_TRACKING_URI": f"sqlite:///{store}/mlflow.db",
            "MLFLOW_ARTIFACT_ROOT": f"{store}/artifacts",
            "MODEL_REFRESH_SECONDS": str(args.refresh_seconds),
        },
    )
    rows = [(f"create, migrate and seed {args.n:,} tickets", f"{time.perf_counter() - started:.1f} s")]
    rows += train_twice(env)
    rows += serve_and_measure(env, args)
    print("| measurement | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
