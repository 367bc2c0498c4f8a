"""Benchmark the tickets API over HTTP: gunicorn, 2 workers, PostgreSQL with N seeded tickets.

Usage: python bench/bench_api.py [--tickets 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import itertools

import requests
from harness import PASSWORD, gunicorn, issue_token, measure, prepare_database, print_table

TARGETS = {"list first page": 15, "list filtered": 15, "get one (token)": 5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    env = prepare_database("bench_api", tickets=args.tickets, env_extra={"ML_AUTO_TRIAGE": "false"})
    with gunicorn(env) as base:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {issue_token(base)}"
        ids = [t["id"] for t in s.get(f"{base}/api/tickets/?page_size=100&status=OPEN").json()]
        cycle = itertools.cycle(ids)
        new_ticket = {
            "title": "Benchmark ticket",
            "description": "Created by bench_api.py.",
            "priority": "LOW",
        }
        basic = requests.Session()
        n = args.requests
        rows = [
            ("list first page", measure(lambda i: s.get(f"{base}/api/tickets/"), count=n)),
            (
                "list filtered",
                measure(
                    lambda i: s.get(
                        f"{base}/api/tickets/?status=OPEN&status=IN_PROGRESS&priority=HIGH&category=bug"
                    ),
                    count=n,
                ),
            ),
            ("list text search q=", measure(lambda i: s.get(f"{base}/api/tickets/?q=invoice"), count=n // 4)),
            ("get one (token)", measure(lambda i: s.get(f"{base}/api/tickets/{next(cycle)}/"), count=n)),
            (
                "get one (Basic)",
                measure(
                    lambda i: basic.get(f"{base}/api/tickets/{ids[0]}/", auth=("bench", PASSWORD)),
                    count=min(n, 40),
                ),
            ),
            ("create", measure(lambda i: s.post(f"{base}/api/tickets/", json=new_ticket), count=n)),
            ("transition", measure(_toggler(s, base), count=n)),
        ]
    print_table(f"Tickets API, {args.tickets:,} tickets, gunicorn 2 workers, PostgreSQL", rows, TARGETS)


def _toggler(s: requests.Session, base: str):
    """A call that moves fresh tickets OPEN <-> IN_PROGRESS in turn (every call is a real transition)."""
    body = {"title": "Transition benchmark", "description": "Moved back and forth."}
    state = {s.post(f"{base}/api/tickets/", json=body).json()["id"]: "OPEN" for _ in range(20)}
    order = itertools.cycle(list(state))

    def call(i: int) -> requests.Response:
        ticket_id = next(order)
        state[ticket_id] = "IN_PROGRESS" if state[ticket_id] == "OPEN" else "OPEN"
        return s.post(f"{base}/api/tickets/{ticket_id}/transition/", json={"status": state[ticket_id]})

    return call


if __name__ == "__main__":
    main()
