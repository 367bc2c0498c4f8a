"""Several agents at once: a mixed workload from concurrent clients against gunicorn as deployed.

Usage: python bench/bench_load.py --db NAME [--before DIR] [--clients 1 4 8 16] [--seconds 20] [--rounds 2]
Each client is a thread with its own keep-alive session that draws requests from a support team's mix (lists,
reads, search, similar, creates, transitions, predictions) with a fixed seed, for at most --seconds and
--requests. gunicorn runs as boot.sh runs it (gunicorn.conf.py: gthread, --workers), rate limits and Huey on
Redis (db --redis-db, flushed first). With --before, that checkout is served on the same database in turn
(before, after, after, before, ...), so both see the same data and the same machine. The database must be
seeded (bench_api.py --db NAME); the model is trained once, by the after checkout, into a throwaway store.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import redis
import requests
from bench_api import NEW, TEXT
from harness import ROOT, gunicorn, issue_token, seeded_env, vacuum

# (weight, name): reads dominate a support team's traffic; every write is a real change.
MIX = (
    (20, "list first page"),
    (10, "list filtered"),
    (5, "list q="),
    (25, "get one"),
    (8, "similar top-5"),
    (10, "create (auto-triage)"),
    (10, "transition"),
    (7, "ml_predict"),
    (5, "free-text predict"),
)
Call = Callable[[], requests.Response]


def client_calls(s: requests.Session, base: str, ids: list[int], rng: random.Random) -> dict[str, Call]:
    """One client's requests; its transitions move tickets of its own, so clients never collide on them."""
    body = {"title": "Load benchmark ticket", "description": "Moved back and forth by one client."}
    own = {s.post(f"{base}/api/tickets/", json=body).json()["id"]: "OPEN" for _ in range(5)}
    order = itertools.cycle(list(own))

    def transition() -> requests.Response:
        ticket = next(order)
        own[ticket] = "IN_PROGRESS" if own[ticket] == "OPEN" else "OPEN"
        return s.post(f"{base}/api/tickets/{ticket}/transition/", json={"status": own[ticket]})

    def any_id() -> int:
        return rng.choice(ids)

    return {
        "list first page": lambda: s.get(f"{base}/api/tickets/"),
        "list filtered": lambda: s.get(f"{base}/api/tickets/?status=OPEN&priority=HIGH"),
        "list q=": lambda: s.get(f"{base}/api/tickets/?q=invoice"),
        "get one": lambda: s.get(f"{base}/api/tickets/{any_id()}/"),
        "similar top-5": lambda: s.get(f"{base}/api/tickets/{any_id()}/similar/?top=5"),
        "create (auto-triage)": lambda: s.post(f"{base}/api/tickets/", json=NEW),
        "transition": transition,
        "ml_predict": lambda: s.post(f"{base}/api/tickets/{any_id()}/ml_predict/", json={}),
        "free-text predict": lambda: s.post(f"{base}/api/ml/predict/", json=TEXT),
    }


def run_clients(base: str, token: str, clients: int, seconds: float, cap: int) -> dict:
    """Start `clients` threads together; each runs the mix until the time or its request cap is spent."""
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {token}"
        ids = [t["id"] for t in s.get(f"{base}/api/tickets/?page_size=100").json()]
    samples: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    names, weights = zip(*((name, weight) for weight, name in MIX), strict=True)

    def client(number: int) -> None:
        rng = random.Random(number)
        with requests.Session() as s:
            s.headers["Authorization"] = f"Bearer {token}"
            calls = client_calls(s, base, ids, rng)
            barrier.wait(timeout=120)
            deadline = time.monotonic() + seconds
            for _ in range(cap):
                name = rng.choices(names, weights)[0]
                started = time.perf_counter()
                status = calls[name]().status_code
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    samples[name].append(elapsed)
                    statuses[status] += 1
                if time.monotonic() > deadline:
                    break

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=120)
    started = time.monotonic()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    wall = time.monotonic() - started
    every = sorted(v for values in samples.values() for v in values)
    return {"rps": len(every) / wall, "all": every, "kinds": samples, "statuses": statuses}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def print_runs(results: list[tuple[str, int, dict]]) -> None:
    print("\n| code | clients | requests | req/s | p50 ms | p95 ms | p99 ms | statuses |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, clients, r in results:
        codes = ", ".join(f"{code} x {n}" for code, n in sorted(r["statuses"].items()))
        every = r["all"]
        row = f"{statistics.median(every):.1f} | {pct(every, 0.95):.1f} | {pct(every, 0.99):.1f}"
        print(f"| {label} | {clients} | {len(every)} | {r['rps']:.0f} | {row} | {codes} |")
    print("\nBy request, p50 (p95) ms:\n")
    runs = [f"{label} x{clients}" for label, clients, _ in results]
    print("| request | " + " | ".join(runs) + " |")
    print("|---|" + "---:|" * len(runs))
    for _, name in MIX:
        cells = [
            f"{statistics.median(r['kinds'][name]):.1f} ({pct(r['kinds'][name], 0.95):.1f})"
            for *_, r in results
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="bench_api")
    parser.add_argument("--before", type=Path, help="a checkout to serve in turn with this one")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--requests", type=int, default=5000, help="at most this many per client and run")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=5)
    args = parser.parse_args()
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    unlimited = {"RATELIMIT_PREDICT": "1000000/minute", "RATELIMIT_SIMILAR": "1000000/minute"}
    env = seeded_env(args.db, "bench-load-", REDIS_URL=redis_url, **unlimited)
    vacuum(args.db)
    subprocess.run(["flask", "train"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=1800)
    env["ML_LOAD_ON_START"] = "true"
    checkouts = (
        [("after", ROOT)] if args.before is None else [("before", args.before.resolve()), ("after", ROOT)]
    )
    results: list[tuple[str, int, dict]] = []
    for round_no in range(args.rounds):
        for label, checkout in checkouts if round_no % 2 == 0 else reversed(checkouts):
            redis.Redis.from_url(redis_url).flushdb()
            with gunicorn(env, workers=args.workers, checkout=checkout) as base:
                token = issue_token(base)
                time.sleep(3)  # every worker past its model load
                for clients in args.clients:
                    results.append(
                        (label, clients, run_clients(base, token, clients, args.seconds, args.requests))
                    )
    results.sort(key=lambda r: (r[1], r[0]))
    title = f"Mixed load on {args.db}: gunicorn {args.workers} workers (gthread), {args.seconds:g} s a run"
    print(f"\n### {title}")
    print_runs(results)


if __name__ == "__main__":
    main()
