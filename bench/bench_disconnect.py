"""Connections cut under a steady reader: what the client sees when the server drops every pooled connection.

Usage: python bench/bench_disconnect.py --db NAME [--before DIR] [--rounds 3] [--cuts 5]
Two gunicorn workers serve the checkout (then --before, on the same rows); one client reads tickets (get one,
list) without pause for cuts + 3 seconds a round while another connection ends every server process of the
database (`pg_terminate_backend`, as a failover, a connection proxy or an operator would) once a second. A
connection used less than the no-ping window ago is not checked before use, so each cut reaches requests.
Printed: the answers by status per round. The database must be seeded (bench_api.py --db NAME).
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter
from pathlib import Path

import requests
import sqlalchemy as sa
from harness import ROOT, database_url, gunicorn, issue_token, seeded_env

CUT = sa.text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = :db AND pid <> pg_backend_pid()"
)


def cut_connections(db: str, cuts: int) -> None:
    """End every server process of `db` once a second, `cuts` times, starting after one second."""
    engine = sa.create_engine(database_url(db), isolation_level="AUTOCOMMIT")
    try:
        for _ in range(cuts):
            time.sleep(1)
            with engine.connect() as conn:
                conn.execute(CUT, {"db": db})
    finally:
        engine.dispose()


def one_round(s: requests.Session, base: str, ids: list[int], db: str, cuts: int) -> Counter:
    """Read without pause while the connections are cut: answers counted by (kind, status)."""
    answers: Counter = Counter()
    cutter = threading.Thread(target=cut_connections, args=(db, cuts))
    cutter.start()
    deadline = time.monotonic() + cuts + 3
    i = 0
    while time.monotonic() < deadline:
        i += 1
        kind, url = (
            ("list", f"{base}/api/tickets/")
            if i % 3 == 0
            else ("get", f"{base}/api/tickets/{ids[i % len(ids)]}/")
        )
        try:
            answers[(kind, s.get(url, timeout=10).status_code)] += 1
        except requests.RequestException as exc:
            answers[(kind, type(exc).__name__)] += 1
    cutter.join()
    return answers


def run(checkout: Path, db: str, rounds: int, cuts: int) -> list[tuple[str, int, Counter]]:
    """Serve `checkout` and run the rounds against it."""
    found = []
    env = seeded_env(db, "bench-disconnect-")
    with gunicorn(env, workers=2, checkout=checkout) as base, requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {issue_token(base)}"
        ids = [t["id"] for t in s.get(f"{base}/api/tickets/?page_size=50").json()]
        for n in range(1, rounds + 1):
            found.append((checkout.name, n, one_round(s, base, ids, db, cuts)))
            time.sleep(1)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--before", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cuts", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for checkout in [ROOT, *([args.before] if args.before else [])]:
        rows += run(checkout, args.db, args.rounds, args.cuts)
    print(f"\n### Reads while every connection is cut {args.cuts} times a round (2 workers)\n")
    print("| checkout | round | requests | 200 | 503 | other |")
    print("|---|---:|---:|---:|---:|---|")
    for name, n, answers in rows:
        by_status = Counter()
        for (_, status), count in answers.items():
            by_status[status] += count
        other = {k: v for k, v in by_status.items() if k not in (200, 503)} or ""
        total = sum(by_status.values())
        print(f"| {name} | {n} | {total} | {by_status[200]} | {by_status[503]} | {other} |")


if __name__ == "__main__":
    main()
