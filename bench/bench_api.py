"""Benchmark the tickets API's hot paths over HTTP: gunicorn (1 worker by default), PostgreSQL, N tickets.

Usage: python bench/bench_api.py [--tickets 100000] [--requests 200] [--db bench_api] [--lists-only] [--reuse]
    [--rounds 1]
--rounds N asks every case N times in turn and prints the median of the rounds (and each round's p50).
Without --lists-only it trains a model first (temporary MLflow store), so create auto-triages and the predict
endpoints run. --reuse keeps an existing database of that name (no reseeding, only VACUUM ANALYZE: a
before/after pair on the same rows). A case the code under test does not support (an older checkout): n/a.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import tempfile
import time
from collections.abc import Callable

import requests
from harness import (
    ROOT,
    combine_rounds,
    command_env,
    database_exists,
    database_url,
    gunicorn,
    issue_token,
    measure,
    prepare_database,
    print_table,
    vacuum,
)

TARGETS = {
    "list first page": 8,
    "list filtered": 15,
    "list cursor page (deep)": 15,
    "list q= one common word": 20,
    "get one": 3,
    "create (auto-triage)": 7,
    "ml_predict": 6,
    "free-text predict": 5,
}
# The seeded texts are English; lang=italian runs the same index through the Italian stemmer.
SEARCHES = {
    "list q= one common word": {"q": "invoice"},
    "list q= two words": {"q": "refund charged"},
    "list q= rarer word": {"q": "mastercard"},
    "list q= two words rarely together": {"q": "password invoice"},
    "list q= one common word, lang=italian": {"q": "invoice", "lang": "italian"},
    "list q= two words, lang=italian": {"q": "refund charged", "lang": "italian"},
    "list q= Italian words, lang=italian": {"q": "fattura addebitata", "lang": "italian"},
}
NEW = {"title": "Refund for a double charge", "description": "I was billed twice this month."}
TEXT = {
    "title": "Charged twice for the March invoice",
    "description": "My card shows two payments for one order.",
}


def _try(name: str, call: Callable[[int], requests.Response], count: int, rows: list) -> None:
    try:
        rows.append((name, measure(call, count=count, max_seconds=90)))
    except requests.HTTPError as exc:
        print(f"{name}: n/a ({exc.response.status_code})")


def _deep_cursor(s: requests.Session, base: str, pages: int) -> str:
    """The cursor `pages` pages of 100 deep into the default ordering."""
    cursor = ""
    for _ in range(pages):
        r = s.get(f"{base}/api/tickets/", params={"cursor": cursor, "page_size": 100})
        r.raise_for_status()
        cursor = json.loads(r.headers["X-Pagination"])["next_cursor"]
    return cursor


def list_cases(s: requests.Session, base: str, n: int) -> list:
    """List, filter, cursor and search latencies."""
    rows: list = []
    _try("list first page", lambda i: s.get(f"{base}/api/tickets/"), n, rows)
    filtered = f"{base}/api/tickets/?status=OPEN&status=IN_PROGRESS&priority=HIGH&category=bug"
    _try("list filtered", lambda i: s.get(filtered), n, rows)
    try:
        cursor = _deep_cursor(s, base, 50)
        deep = {"cursor": cursor, "page_size": 20}
        _try("list cursor page (deep)", lambda i: s.get(f"{base}/api/tickets/", params=deep), n, rows)
    except (requests.HTTPError, KeyError):
        print("list cursor page (deep): n/a")
    for name, query in SEARCHES.items():
        _try(name, lambda i, query=query: s.get(f"{base}/api/tickets/", params=query), n // 2, rows)
    return rows


def hot_cases(s: requests.Session, base: str, n: int) -> list:
    """Get, create, transition and the predict endpoints."""
    ids = [t["id"] for t in s.get(f"{base}/api/tickets/?page_size=100&status=OPEN").json()]
    cycle = itertools.cycle(ids)
    rows: list = []
    _try("get one", lambda i: s.get(f"{base}/api/tickets/{next(cycle)}/"), n, rows)
    _try("create (auto-triage)", lambda i: s.post(f"{base}/api/tickets/", json=NEW), n, rows)
    labelled = {**NEW, "category": "billing"}
    _try("create (category given)", lambda i: s.post(f"{base}/api/tickets/", json=labelled), n, rows)
    _try("transition", _toggler(s, base), n, rows)
    predict = f"{base}/api/tickets/{{}}/ml_predict/"
    _try("ml_predict", lambda i: s.post(predict.format(next(cycle)), json={}), n, rows)
    _try("free-text predict", lambda i: s.post(f"{base}/api/ml/predict/", json=TEXT), n, rows)
    return rows


def _toggler(s: requests.Session, base: str) -> Callable[[int], requests.Response]:
    """A call that moves fresh tickets OPEN <-> IN_PROGRESS in turn (every call is a real transition)."""
    body = {"title": "Transition benchmark", "description": "Moved back and forth."}
    state = {s.post(f"{base}/api/tickets/", json=body).json()["id"]: "OPEN" for _ in range(20)}
    order = itertools.cycle(list(state))

    def call(i: int) -> requests.Response:
        ticket_id = next(order)
        state[ticket_id] = "IN_PROGRESS" if state[ticket_id] == "OPEN" else "OPEN"
        return s.post(f"{base}/api/tickets/{ticket_id}/transition/", json={"status": state[ticket_id]})

    return call


def _wait_for_model(s: requests.Session, base: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if s.get(f"{base}/api/ml/model/").json().get("worker", {}).get("loaded_version"):
            return
        time.sleep(0.5)
    raise SystemExit("the worker did not load a model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default="bench_api")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--lists-only", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database as it is")
    parser.add_argument("--rounds", type=int, default=1, help="ask every case this many times in turn")
    args = parser.parse_args()
    store = tempfile.mkdtemp(prefix="bench-api-mlflow-")
    extra = {
        "MLFLOW_TRACKING_URI": f"sqlite:///{store}/mlflow.db",
        "MLFLOW_ARTIFACT_ROOT": f"{store}/art",
        "SIMILARITY_INDEX_DIR": f"{store}/similarity",
    }
    if args.reuse and database_exists(args.db):
        env = command_env(DATABASE_URL=database_url(args.db), **extra)
        vacuum(args.db)  # the rows earlier runs created, analysed as a live database's would be
    else:
        env = prepare_database(args.db, tickets=args.tickets, env_extra=extra)
    if not args.lists_only:
        subprocess.run(["flask", "train"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=1800)
    serve_env = {**env, "ML_LOAD_ON_START": "false" if args.lists_only else "true"}
    rounds = []
    with gunicorn(serve_env, workers=args.workers, timeout=600) as base:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {issue_token(base)}"
        if not args.lists_only:
            _wait_for_model(s, base)
        for _ in range(args.rounds):
            rows = list_cases(s, base, args.requests)
            rounds.append(rows if args.lists_only else rows + hot_cases(s, base, args.requests))
    title = f"Tickets API, {args.tickets:,} tickets, gunicorn {args.workers} worker(s), PostgreSQL"
    if args.rounds > 1:
        title += f", median of {args.rounds} rounds"
    print_table(title, rounds[0] if args.rounds == 1 else combine_rounds(rounds), TARGETS)


if __name__ == "__main__":
    main()
