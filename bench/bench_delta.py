"""Similar while the team keeps writing: its latency as the worker's delta grows between two index builds.

Usage: python bench/bench_delta.py --db NAME [--before DIR] [--creates 6000] [--every 20]
One gunicorn worker serves the checkout (and then --before, on the same rows); a client creates tickets one
after another and, after every --every creates, asks for the five tickets most similar to a random one. Every
new ticket enters the worker's delta (no consumer runs, so no job folds it into a new base). Printed: similar
p50/p95 by how many tickets the delta held. The database must be seeded (bench_api.py --db NAME); the model is
trained again before each run (its index then holds every ticket so far) into a throwaway store, by this
checkout.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import requests
from bench_api import NEW
from harness import ROOT, gunicorn, issue_token, seeded_env, vacuum

BUCKET = 1000  # report by thousands of tickets in the delta


def grow(base: str, creates: int, every: int, max_seconds: float) -> dict[int, list[float]]:
    """Similar latency samples by delta size bucket, while `creates` tickets are added."""
    rng = random.Random(3)
    samples: dict[int, list[float]] = defaultdict(list)
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {issue_token(base)}"
        ids = [t["id"] for t in s.get(f"{base}/api/tickets/?page_size=100").json()]
        s.get(f"{base}/api/tickets/{ids[0]}/similar/?top=5").raise_for_status()  # the first sync
        deadline = time.monotonic() + max_seconds
        for n in range(1, creates + 1):
            s.post(f"{base}/api/tickets/", json={**NEW, "title": f"{NEW['title']} {n}"}).raise_for_status()
            if n % every == 0:
                started = time.perf_counter()
                s.get(f"{base}/api/tickets/{rng.choice(ids)}/similar/?top=5").raise_for_status()
                samples[n // BUCKET * BUCKET].append((time.perf_counter() - started) * 1000)
            if time.monotonic() > deadline:
                break
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="bench_api")
    parser.add_argument("--before", type=Path)
    parser.add_argument("--creates", type=int, default=6000)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args()
    env = seeded_env(args.db, "bench-delta-", RATELIMIT_SIMILAR="1000000/minute")
    checkouts = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    results = {}
    for label, checkout in checkouts:
        # A new version indexes every ticket so far, the previous run's included: each run starts with an
        # empty delta.
        train = ["flask", "train", "--force"]
        subprocess.run(train, cwd=ROOT, env=env, check=True, capture_output=True, timeout=1800)
        vacuum(args.db)
        with gunicorn({**env, "ML_LOAD_ON_START": "true"}, workers=1, checkout=checkout) as base:
            time.sleep(3)  # the worker past its model load
            results[label] = grow(base, args.creates, args.every, args.max_seconds)
    print(f"\n### Similar top-5 by ticket while tickets are created ({args.db}, one worker), p50 (p95) ms\n")
    print("| tickets in the delta | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for bucket in sorted(next(iter(results.values()))):
        cells = []
        for samples in results.values():
            values = sorted(samples.get(bucket, []))
            cells.append(
                f"{statistics.median(values):.1f} ({values[int(0.95 * (len(values) - 1))]:.1f})"
                if values
                else "-"
            )
        print(f"| {bucket:,}-{bucket + BUCKET - 1:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
