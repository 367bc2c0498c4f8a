"""Benchmark the analytics endpoints over HTTP: gunicorn, 2 workers, PostgreSQL with N seeded tickets.

For each size the database analytics_bench_<n> is recreated, migrated and seeded with `flask seed-tickets`
(tickets spread over the last 180 days, so days=365 covers all of them), then each endpoint is called a
bounded number of times per window with a Bearer token.

Usage: python bench/bench_analytics.py [--sizes 100000 1000000] [--requests 30]
"""

from __future__ import annotations

import argparse

import requests
from harness import gunicorn, issue_token, measure, prepare_database, print_table

ENDPOINTS = ("trends", "mttr", "backlog", "reopens", "first-response")
WINDOWS = (30, 365)
TARGET_MS = 100


def bench_size(n: int, count: int) -> list[tuple[str, dict[str, float]]]:
    """p50/p95 per endpoint and window on a fresh database of n tickets."""
    env = prepare_database(f"analytics_bench_{n}", tickets=n, env_extra={"ML_AUTO_TRIAGE": "false"})
    rows = []
    with gunicorn(env) as base:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {issue_token(base)}"
        for endpoint in ENDPOINTS:
            for days in WINDOWS:
                url = f"{base}/api/analytics/{endpoint}/?days={days}"
                rows.append(
                    (
                        f"{endpoint} days={days}",
                        measure(lambda i, url=url: session.get(url, timeout=120), count=count, warmup=1),
                    )
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    for n in args.sizes:
        rows = bench_size(n, args.requests)
        print_table(
            f"Analytics, {n:,} tickets, gunicorn 2 workers, PostgreSQL",
            rows,
            {name: TARGET_MS for name, _ in rows},
        )


if __name__ == "__main__":
    main()
