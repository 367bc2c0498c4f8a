"""Two checkouts on one database, their gunicorns asked the same requests in turn: a fair before/after.

Usage: python bench/bench_ab.py --before DIR [--after DIR] [--db bench_api] [--requests 200] [--rounds 2]
On this machine two runs of bench_api.py minutes apart differ by up to 1 ms p50 on the same code, more than
many changes are worth. Here each request to one server is followed by the same request to the other, so
both live through the same noise. The database must exist and be seeded (bench_api.py --db NAME does it);
the model is trained once, by the after checkout, into a temporary MLflow store both servers read.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import requests
from bench_api import NEW, TEXT
from harness import ROOT, gunicorn, issue_token, seeded_env, vacuum

Call = Callable[[], requests.Response]


def cases(s: requests.Session, base: str) -> dict[str, Call]:
    """The hot paths of bench_api.py, as calls on one server."""
    ids = itertools.cycle([t["id"] for t in s.get(f"{base}/api/tickets/?page_size=100&status=OPEN").json()])
    return {
        "list first page": lambda: s.get(f"{base}/api/tickets/"),
        "get one": lambda: s.get(f"{base}/api/tickets/{next(ids)}/"),
        "create (auto-triage)": lambda: s.post(f"{base}/api/tickets/", json=NEW),
        "create (category given)": lambda: s.post(
            f"{base}/api/tickets/", json={**NEW, "category": "billing"}
        ),
        "ml_predict": lambda: s.post(f"{base}/api/tickets/{next(ids)}/ml_predict/", json={}),
        "free-text predict": lambda: s.post(f"{base}/api/ml/predict/", json=TEXT),
    }


def _timed(call: Call) -> float:
    started = time.perf_counter()
    call().raise_for_status()
    return (time.perf_counter() - started) * 1000


def interleaved(sides: list[dict[str, Call]], count: int, max_seconds: float = 120) -> list[dict]:
    """Per case, `count` rounds of one call to each side in turn (who goes first alternates); p50/p95."""
    samples: list[dict[str, list[float]]] = [{name: [] for name in sides[0]} for _ in sides]
    for name in sides[0]:
        for _ in range(5):
            for side in sides:
                side[name]().raise_for_status()
        deadline = time.monotonic() + max_seconds
        for i in range(count):
            order = range(len(sides)) if i % 2 == 0 else reversed(range(len(sides)))
            for k in order:
                samples[k][name].append(_timed(sides[k][name]))
            if time.monotonic() > deadline:
                break
    return [
        {
            name: (statistics.median(v), sorted(v)[int(0.95 * (len(v) - 1))], len(v))
            for name, v in side.items()
        }
        for side in samples
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--db", default="bench_api")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    env = seeded_env(args.db, "bench-ab-", RATELIMIT_PREDICT="100000/minute")
    vacuum(args.db)
    subprocess.run(["flask", "train"], cwd=args.after, env=env, check=True, capture_output=True, timeout=1800)
    serve_env = {**env, "ML_LOAD_ON_START": "true"}
    checkouts = [args.before.resolve(), args.after.resolve()]
    with ExitStack() as stack:
        bases = [stack.enter_context(gunicorn(serve_env, workers=1, checkout=c)) for c in checkouts]
        sessions = []
        for base in bases:
            s = requests.Session()
            s.headers["Authorization"] = f"Bearer {issue_token(base)}"
            sessions.append(cases(s, base))
        time.sleep(3)  # both workers past their first model load
        for round_no in range(1, args.rounds + 1):
            before, after = interleaved(sessions, args.requests)
            print(f"\n### Round {round_no}: p50 (p95) ms, before = {checkouts[0]}, after = {checkouts[1]}\n")
            print("| case | n | before | after |")
            print("|---|---:|---:|---:|")
            for name, (p50, p95, n) in before.items():
                a50, a95, _ = after[name]
                print(f"| {name} | {n} | {p50:.1f} ({p95:.1f}) | {a50:.1f} ({a95:.1f}) |")


if __name__ == "__main__":
    main()
