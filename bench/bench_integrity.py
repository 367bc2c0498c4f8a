"""Load test for integrity: concurrent clients mixing reads, If-Match edits and transitions against gunicorn.

Usage: python bench/bench_integrity.py [--tickets 300] [--clients 8] [--seconds 60] [--hot 40]

Every client loops over a small set of hot tickets (so clients collide), choosing a read, an edit with
If-Match, a transition with If-Match or a transition without it. At the end it prints the requests by status
class, the 5xx count, the If-Match writes that succeeded twice with one ETag (lost updates) and the tickets
whose status history is not a chain ending at their status (checked in the database).
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import threading
import time

import requests
import sqlalchemy as sa
from harness import database_url, gunicorn, issue_token, prepare_database

DATABASE = "integrity_bench"
TRANSITIONS = {
    "OPEN": ("IN_PROGRESS", "RESOLVED", "CLOSED"),
    "IN_PROGRESS": ("OPEN", "RESOLVED", "CLOSED"),
    "RESOLVED": ("CLOSED", "IN_PROGRESS", "OPEN"),
    "CLOSED": ("OPEN",),
}
CHAIN_BREAKS = """
WITH s AS (
  SELECT e.ticket_id, e.id, e.from_value, e.to_value,
         lag(e.to_value) OVER (PARTITION BY e.ticket_id ORDER BY e.created_at, e.id) AS previous,
         row_number() OVER (PARTITION BY e.ticket_id ORDER BY e.created_at DESC, e.id DESC) AS from_last
  FROM ticket_events e WHERE e.kind IN ('created', 'status')
)
SELECT count(DISTINCT s.ticket_id) FROM s JOIN tickets t ON t.id = s.ticket_id
WHERE (s.from_value IS DISTINCT FROM s.previous AND s.previous IS NOT NULL)
   OR (s.from_last = 1 AND s.to_value <> t.status)
"""


class Tally:
    """Thread-safe counters of what the clients saw."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_class: collections.Counter[str] = collections.Counter()
        self.by_action: collections.Counter[tuple[str, int]] = collections.Counter()
        self.wins: collections.Counter[tuple[int, str]] = collections.Counter()
        self.errors: list[str] = []

    def note(
        self, action: str, response: requests.Response, etag: str | None = None, ticket: int = 0
    ) -> None:
        with self.lock:
            self.by_class[f"{response.status_code // 100}xx"] += 1
            self.by_action[(action, response.status_code)] += 1
            if etag and response.ok and action != "read":
                self.wins[(ticket, etag)] += 1
            if response.status_code >= 500 and len(self.errors) < 5:
                self.errors.append(f"{action} {response.status_code} {response.text[:200]}")


def client_loop(base: str, token: str, ids: list[int], stop: float, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    while time.monotonic() < stop:
        ticket_id = rng.choice(ids)
        url = f"{base}/api/tickets/{ticket_id}/"
        read = s.get(url, timeout=30)
        tally.note("read", read)
        if not read.ok:
            continue
        etag, status = read.headers["ETag"], read.json()["status"]
        roll = rng.random()
        if roll < 0.3:
            continue
        if roll < 0.6:
            body = {"title": f"Edited by client {seed} at {time.monotonic():.3f}"}
            tally.note(
                "edit", s.patch(url, json=body, headers={"If-Match": etag}, timeout=30), etag, ticket_id
            )
            continue
        target = {"status": rng.choice(TRANSITIONS[status])}
        headers = {"If-Match": etag} if roll < 0.8 else {}
        response = s.post(f"{url}transition/", json=target, headers=headers, timeout=30)
        tally.note(
            "transition" + (" (If-Match)" if headers else ""), response, headers.get("If-Match"), ticket_id
        )


def chain_breaks() -> int:
    engine = sa.create_engine(database_url(DATABASE))
    with engine.connect() as conn:
        broken = conn.execute(sa.text(CHAIN_BREAKS)).scalar_one()
    engine.dispose()
    return int(broken)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--hot", type=int, default=40, help="how many tickets the clients share")
    args = parser.parse_args()
    env = prepare_database(DATABASE, tickets=args.tickets, env_extra={"ML_AUTO_TRIAGE": "false"})
    tally = Tally()
    with gunicorn(env) as base:
        token = issue_token(base)
        listing = requests.get(
            f"{base}/api/tickets/?page_size=100", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        ids = [t["id"] for t in listing.json()][: args.hot]
        stop = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=client_loop, args=(base, token, ids, stop, i, tally))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
    lost = sum(count - 1 for count in tally.wins.values() if count > 1)
    total = sum(tally.by_class.values())
    print(f"\n### Integrity load: {args.clients} clients, {args.seconds:g} s, ", end="")
    print(f"{len(ids)} hot tickets of {args.tickets}\n")
    print("| requests | 2xx | 4xx | 5xx | lost updates (2 wins, 1 ETag) | tickets not a chain |")
    print("|---:|---:|---:|---:|---:|---:|")
    c = tally.by_class
    print(f"| {total} | {c['2xx']} | {c['4xx']} | {c['5xx']} | {lost} | {chain_breaks()} |")
    print("\n| action | status | count |\n|---|---:|---:|")
    for (action, status), count in sorted(tally.by_action.items()):
        print(f"| {action} | {status} | {count} |")
    for error in tally.errors:
        print("5xx:", error, file=sys.stderr)


if __name__ == "__main__":
    main()
