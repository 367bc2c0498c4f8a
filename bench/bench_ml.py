"""ML benchmark on PostgreSQL: training as a job, worker start, latency, memory, promotion, at N tickets.

Usage (from the repo root, PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379):
    .venv/bin/python bench/bench_ml.py --n 100000 [--database jobs_bench] [--redis-db 4]
Recreates the scratch database (migrated, seeded, vacuumed by bench/harness.py), uses a temporary sqlite
MLflow store and index cache, runs one `flask jobs worker` on Redis and gunicorn with 2 workers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests
from harness import ROOT, gunicorn, issue_token, measure, prepare_database

CATEGORIES = ("billing", "bug", "account", "feature", "other")
RESULTS = ROOT / "bench" / "results"


def memory_mib(pid: int) -> dict[str, float]:
    """RssAnon (private), RssFile (file pages, shared through the page cache) and PSS of a process."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            values[key] = int(rest.split()[0]) / 1024
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            values["Pss"] = int(line.split()[1]) / 1024
    return values


def workers_state(session: requests.Session, base: str, polls: int) -> dict[int, dict]:
    """Ask /api/ml/model/ a few times; gunicorn spreads the calls, so collect each worker's latest state."""
    seen: dict[int, dict] = {}
    for _ in range(polls):
        with contextlib.suppress(requests.RequestException, KeyError, ValueError):
            # A fresh connection each time: a kept-alive one stays with one gthread worker.
            answer = session.get(f"{base}/api/ml/model/", headers={"Connection": "close"}, timeout=30)
            worker = answer.json()["worker"]
            seen[worker["pid"]] = worker
    return seen


def wait_for_version(session: requests.Session, base: str, version: str, timeout: float) -> list[int]:
    """Wait until two workers serve `version` with its similarity index; return their pids."""
    started, latest = time.perf_counter(), {}
    while time.perf_counter() - started < timeout:
        latest.update(workers_state(session, base, polls=4))
        done = [
            w
            for w in latest.values()
            if w["loaded_version"] == version
            and (w.get("similarity_index") or {}).get("model_version") == version
        ]
        if len(done) >= 2:
            return sorted(w["pid"] for w in done)
        time.sleep(0.05)
    raise SystemExit(f"workers did not converge on version {version} in {timeout}s: {latest}")


@contextlib.contextmanager
def consumer(env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """One `flask jobs worker` for the run, stopped with SIGTERM."""
    log = open(RESULTS / "jobs-worker.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        ["flask", "jobs", "worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=600)
        log.close()


def train_job(session: requests.Session, base: str, body: dict, timeout: float) -> tuple[float, float, dict]:
    """POST /api/ml/train/: (answer ms, seconds until the job succeeded, the job)."""
    started = time.perf_counter()
    response = session.post(f"{base}/api/ml/train/", json=body, timeout=30)
    answered = (time.perf_counter() - started) * 1000
    if response.status_code != 202:
        raise SystemExit(f"train answered {response.status_code}: {response.text}")
    url = base + response.headers["Location"]
    while time.perf_counter() - started < timeout:
        job = session.get(url, timeout=30).json()
        if job["status"] in ("succeeded", "failed"):
            if job["status"] == "failed":
                raise SystemExit(f"training job failed: {job['error']}")
            return answered, time.perf_counter() - started, job
        time.sleep(0.5)
    raise SystemExit(f"training job not done in {timeout}s")


def measure_http(session: requests.Session, base: str, n: int, count: int) -> list[tuple[str, str]]:
    """p50 / p95 of similar (ticket and free text), ml_predict and free-text predict."""
    from app.demo.seed import sample_ticket_text

    rng = random.Random(1)

    def text() -> dict:
        title, description = sample_ticket_text(rng.choice(CATEGORIES), rng)
        return {"title": title, "description": description}

    calls = (
        (
            "GET /api/tickets/{id}/similar/?top=5",
            lambda i: session.get(f"{base}/api/tickets/{rng.randint(1, n)}/similar/?top=5"),
        ),
        (
            "POST /api/ml/similar/ (top 5)",
            lambda i: session.post(f"{base}/api/ml/similar/", json={**text(), "top": 5}),
        ),
        (
            "POST /api/tickets/{id}/ml_predict/",
            lambda i: session.post(f"{base}/api/tickets/{rng.randint(1, n)}/ml_predict/", json={}),
        ),
        ("POST /api/ml/predict/", lambda i: session.post(f"{base}/api/ml/predict/", json=text())),
    )
    rows = []
    for label, call in calls:
        m = measure(call, count=count, warmup=20)
        rows.append((f"{label} p50 / p95 ({m['n']} requests)", f"{m['p50']:.1f} ms / {m['p95']:.1f} ms"))
    return rows


def describe_memory(pids: list[int], index_mib: float) -> str:
    parts = []
    for pid in pids:
        m = memory_mib(pid)
        parts.append(
            f"RSS {m['VmRSS']:.0f} (private {m['RssAnon']:.0f} + file {m['RssFile']:.0f}), PSS {m['Pss']:.0f}"
        )
    return " / ".join(parts) + f"; index files {index_mib:.0f} MiB, shared"


class Rows(list):
    """Rows of the result table, also printed as they are measured (a later failure keeps them)."""

    def append(self, row: tuple[str, str]) -> None:
        print(f"| {row[0]} | {row[1]} |", flush=True)
        super().append(row)

    def __iadd__(self, rows):  # type: ignore[no-untyped-def, override]
        for row in rows:
            self.append(row)
        return self


def run(args: argparse.Namespace) -> list[tuple[str, str]]:
    scratch = Path(tempfile.mkdtemp(prefix="jobs-bench-"))
    print(f"scratch folder (MLflow store, index cache; for --serve-only): {scratch}", flush=True)
    index_dir = scratch / "similarity"
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    started = time.perf_counter()
    env = prepare_database(
        args.database,
        tickets=args.n,
        env_extra={
            "MLFLOW_TRACKING_URI": f"sqlite:///{scratch}/mlflow.db",
            "MLFLOW_ARTIFACT_ROOT": f"{scratch}/artifacts",
            "MODEL_REFRESH_SECONDS": str(args.refresh_seconds),
            "REDIS_URL": redis_url,
            "SIMILARITY_INDEX_DIR": str(index_dir),
            "RATELIMIT_ENABLED": "false",  # 300 requests in a row are not abuse: measure latency, not 429s
        },
    )
    env["ML_LOAD_ON_START"] = "true"
    from mlflow import MlflowClient

    # Create the tracking store's schema once, before several processes race to migrate it.
    MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"]).search_experiments()
    rows = Rows()
    rows.append((f"create, migrate and seed {args.n:,} tickets", f"{time.perf_counter() - started:.1f} s"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    with consumer(env), gunicorn(env, log=RESULTS / "gunicorn-ml-train.log") as base:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {issue_token(base)}"
        for number, body in ((1, {}), (2, {"force": True})):
            answered, seconds, job = train_job(session, base, body, timeout=1800)
            rows.append((f"POST /api/ml/train/ #{number}: 202 answer", f"{answered:.0f} ms"))
            rows.append((f"training job #{number} (train, register, similarity index)", f"{seconds:.1f} s"))
        rows.append(
            (
                "job result",
                f"v{job['result']['model_version']}, macro F1 {job['result']['metrics']['macro_f1']:.4f}",
            )
        )
    rows += serve(env, args, index_dir)
    return rows


def champion_to_newest(tracking_uri: str) -> None:
    """Point the champion alias back at the newest version: a run's promotion check leaves it on 1."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    newest = max(int(v.version) for v in client.search_model_versions("name='ticket-classifier'"))
    client.set_registered_model_alias("ticket-classifier", "champion", str(newest))


def serve(env: dict[str, str], args: argparse.Namespace, index_dir: Path) -> list[tuple[str, str]]:
    """Start gunicorn on the trained versions: start time, latencies, memory, promotion."""
    rows = Rows()
    index_mib = sum(f.stat().st_size for f in index_dir.rglob("*.npy")) / 2**20 / 2  # two versions
    started = time.perf_counter()
    with gunicorn(env, log=RESULTS / "gunicorn-ml-serve.log") as base:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {issue_token(base)}"
        pids = wait_for_version(session, base, "2", 600)
        rows.append(
            (
                "worker start -> model + similarity index served by both workers",
                f"{time.perf_counter() - started:.1f} s",
            )
        )
        rows += measure_http(session, base, args.n, args.requests)
        rows.append(("worker memory (MiB) with model + index", describe_memory(pids, index_mib)))
        promoted = time.perf_counter()
        session.post(f"{base}/api/ml/promote/", json={"version": 1}, timeout=60).raise_for_status()
        pids = wait_for_version(session, base, "1", 600)
        rows.append(
            (
                f"promotion reaches both workers, index included (refresh {args.refresh_seconds:g} s)",
                f"{time.perf_counter() - promoted:.1f} s",
            )
        )
        rows.append(("worker memory (MiB) after the promotion", describe_memory(pids, index_mib)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--refresh-seconds", type=float, default=10.0)
    parser.add_argument("--database", default="jobs_bench")
    parser.add_argument("--redis-db", type=int, default=4)
    parser.add_argument(
        "--serve-only", type=Path, help="scratch folder of an earlier run: serve its versions"
    )
    args = parser.parse_args()
    if args.serve_only:
        from harness import database_url

        from devtools.processes import command_env

        env = command_env(
            DATABASE_URL=database_url(args.database),
            MLFLOW_TRACKING_URI=f"sqlite:///{args.serve_only}/mlflow.db",
            MLFLOW_ARTIFACT_ROOT=f"{args.serve_only}/artifacts",
            MODEL_REFRESH_SECONDS=str(args.refresh_seconds),
            SIMILARITY_INDEX_DIR=str(args.serve_only / "similarity"),
            REDIS_URL=f"redis://127.0.0.1:6379/{args.redis_db}",
            RATELIMIT_ENABLED="false",
        )
        env["ML_LOAD_ON_START"] = "true"
        champion_to_newest(env["MLFLOW_TRACKING_URI"])
        rows = serve(env, args, args.serve_only / "similarity")
    else:
        rows = run(args)
    print(f"\n| measurement at {args.n:,} tickets | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    main()
