"""Benchmark the analytics endpoints over HTTP, rollups against exact, and the cost of rollups on writes.

For each size the database analytics_<label> (e.g. analytics_1m; the prefix from BENCH_ANALYTICS_PREFIX if
set) is recreated, migrated and seeded with
`flask seed-tickets` (tickets over the last 180 days, so days=365 covers all of them; the seeder rebuilds the
rollups), unless --reuse finds it already seeded with that many tickets. Then, with gunicorn (2 workers):
p50/p95 of every endpoint at days=30 and 365 from the rollups (after) and with exact=true (before: the
ticket rows, as every request was computed until rollups existed); the rollup percentiles next to the exact
ones; and, in-process, the throughput of ticket creates and transitions with the rollup receivers connected
and disconnected (interleaved rounds).

Usage: python bench/bench_analytics.py [--sizes 1000000 3000000] [--requests 30] [--exact-requests 5]
       [--reuse] [--grow-from analytics_1m]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import requests
import sqlalchemy as sa
from harness import ROOT, database_url, gunicorn, issue_token, measure, prepare_database

from devtools.processes import command_env

ENDPOINTS = ("trends", "mttr", "first-response", "reopens", "backlog", "sla", "sla/at-risk")
WINDOWS = (30, 365)
TARGET_MS = 50
PREFIX = os.environ.get("BENCH_ANALYTICS_PREFIX", "analytics_")  # scratch databases: <prefix><label>


def _label(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"


TICKET_COLUMNS = (
    "title, description, status, priority, category, category_source, created_by_id, assigned_to_id, "
    "created_at, updated_at, resolved_at, first_resolved_at, first_response_at, reopened_at, "
    "first_response_due_at, resolution_due_at"
)


def grow(source: str, n: int) -> dict[str, str]:
    """analytics_<n> as copies of the seeded database `source`'s tickets (same instants, no events), rollups
    rebuilt: a quicker way to a bigger table than seeding it when the machine is shared."""
    name = f"{PREFIX}{_label(n)}"
    admin = sa.create_engine(database_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    admin.dispose()
    engine = sa.create_engine(database_url(name))
    with engine.begin() as conn:
        have = conn.scalar(sa.text("SELECT max(id) FROM tickets"))
        copies = -(-n // have) - 1
        conn.execute(
            sa.text(
                f"INSERT INTO tickets ({TICKET_COLUMNS}) SELECT {TICKET_COLUMNS} FROM tickets, "
                "generate_series(1, :copies)"
            ),
            {"copies": copies},
        )
    engine.dispose()
    env = command_env(DATABASE_URL=database_url(name), ML_AUTO_TRIAGE="false")
    started = time.perf_counter()
    done = subprocess.run(
        ["flask", "analytics", "rebuild"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    print(f"grew {name}; rollups rebuilt in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    engine = sa.create_engine(database_url(name), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    return env


def _database(n: int, reuse: bool) -> dict[str, str]:
    name = f"{PREFIX}{_label(n)}"
    env_extra = {"ML_AUTO_TRIAGE": "false"}
    if reuse:
        try:
            engine = sa.create_engine(database_url(name))
            with engine.connect() as conn:
                found = conn.scalar(sa.text("SELECT count(*) FROM tickets"))
            engine.dispose()
            if found is not None and found >= n:
                return command_env(DATABASE_URL=database_url(name), **env_extra)
        except sa.exc.OperationalError:
            pass
    return prepare_database(name, tickets=n, env_extra=env_extra)


def _url(base: str, endpoint: str, days: int) -> str:
    query = f"hours={days * 24}" if endpoint == "sla/at-risk" else f"days={days}"
    return f"{base}/api/analytics/{endpoint}/?{query}"


def latencies(base: str, session: requests.Session, count: int, exact_count: int) -> list[tuple]:
    """(endpoint, days, after p50, after p95, before p50, before p95) per endpoint and window."""
    rows = []
    for endpoint in ENDPOINTS:
        for days in WINDOWS:
            url = _url(base, endpoint, days)
            after = measure(lambda i, url=url: session.get(url, timeout=300), count=count, warmup=2)
            exact_url = url + "&exact=true"
            before = measure(lambda i, u=exact_url: session.get(u, timeout=300), count=exact_count, warmup=1)
            rows.append((endpoint, days, after, before))
            print(
                f"  {endpoint} days={days}: {after['p50']:.1f} ms (exact {before['p50']:.1f} ms)",
                file=sys.stderr,
            )
    return rows


def percentile_rows(base: str, session: requests.Session) -> list[tuple]:
    """(report, group, figure, rollup, exact, relative error) for mttr and first-response at days=365."""
    rows = []
    for endpoint in ("mttr", "first-response"):
        approx = session.get(_url(base, endpoint, 365), timeout=300).json()
        exact = session.get(_url(base, endpoint, 365) + "&exact=true", timeout=300).json()
        groups = [("all", approx, exact)]
        if endpoint == "mttr":
            groups += [
                (p["priority"], p, e)
                for p, e in zip(approx["by_priority"], exact["by_priority"], strict=True)
            ]
        for group, a, e in groups:
            for figure in ("median_seconds", "p90_seconds"):
                error = abs(a[figure] - e[figure]) / e[figure] if e[figure] else 0.0
                rows.append((endpoint, group, figure, a[figure], e[figure], error))
    return rows


def write_throughput(env: dict[str, str], rounds: int = 3, ops: int = 200) -> dict[str, dict[str, float]]:
    """Creates and transitions per second through the ticket service, rollups connected vs disconnected."""
    os.environ.update(env)
    from app import create_app
    from app.analytics import maintain
    from app.auth.models import User
    from app.extensions import db
    from app.tickets import service
    from app.tickets.signals import ticket_changing, ticket_created, ticket_deleting

    app = create_app()
    receivers = (
        (ticket_created, maintain._created),
        (ticket_changing, maintain._changing),
        (ticket_deleting, maintain._deleting),
    )
    rates: dict[str, dict[str, list[float]]] = {
        m: {"create": [], "transition": []} for m in ("with", "without")
    }
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "bench"))
        for _ in range(rounds):
            for mode in ("with", "without"):
                for signal, receiver in receivers:
                    if mode == "with":
                        signal.connect(receiver, sender=app, weak=False)
                    else:
                        signal.disconnect(receiver, sender=app)
                started, created = time.perf_counter(), []
                for i in range(ops):
                    data = {
                        "title": f"bench {i}",
                        "description": "throughput",
                        "priority": "HIGH",
                        "category": "bug",
                    }
                    created.append(service.create_ticket(user=user, **data))
                    db.session.commit()
                rates[mode]["create"].append(ops / (time.perf_counter() - started))
                started = time.perf_counter()
                for ticket in created:
                    service.transition_ticket(user=user, ticket=ticket, status="RESOLVED")
                    db.session.commit()
                rates[mode]["transition"].append(ops / (time.perf_counter() - started))
    return {m: {k: statistics.median(v) for k, v in kinds.items()} for m, kinds in rates.items()}


def report(n: int, lat: list[tuple], pct: list[tuple], writes: dict | None) -> None:
    print(f"\n### {n:,} tickets\n")
    print(
        "| endpoint | days | p50 ms rollups | p95 ms rollups | p50 ms exact (before) | p95 ms exact "
        "| target p50 |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for endpoint, days, after, before in lat:
        window = f"hours={days * 24}" if endpoint == "sla/at-risk" else str(days)
        print(
            f"| {endpoint} | {window} | {after['p50']:.1f} | {after['p95']:.1f} | {before['p50']:.1f} | "
            f"{before['p95']:.1f} | < {TARGET_MS} ms |"
        )
    print("\n| report (days=365) | group | figure | rollups s | exact s | relative error |")
    print("|---|---|---|---:|---:|---:|")
    for endpoint, group, figure, a, e, error in pct:
        print(f"| {endpoint} | {group} | {figure} | {a:.3f} | {e:.3f} | {error:.4%} |")
    if writes is None:
        return
    print("\n| writes (in-process, sequential) | with rollups /s | without /s | change |")
    print("|---|---:|---:|---:|")
    for kind in ("create", "transition"):
        w, wo = writes["with"][kind], writes["without"][kind]
        print(f"| {kind} | {w:.0f} | {wo:.0f} | {(w - wo) / wo:+.1%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 3_000_000])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--exact-requests", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="Keep an already seeded database of that size.")
    parser.add_argument("--grow-from", help="Make each size by copying this seeded database's tickets.")
    parser.add_argument("--skip-writes", action="store_true", help="Leave out the write throughput.")
    parser.add_argument("--write-rounds", type=int, default=3, help="Interleaved rounds of 200 writes each.")
    args = parser.parse_args()
    for n in args.sizes:
        env = grow(args.grow_from, n) if args.grow_from else _database(n, args.reuse)
        try:
            with gunicorn(env) as base:
                session = requests.Session()
                session.headers["Authorization"] = f"Bearer {issue_token(base)}"
                lat = latencies(base, session, args.requests, args.exact_requests)
                pct = percentile_rows(base, session)
        except subprocess.TimeoutExpired:  # gunicorn took longer than its graceful timeout to stop
            print("gunicorn did not stop within 30 s", file=sys.stderr)
        report(n, lat, pct, None)
        if not args.skip_writes:
            report(n, [], [], write_throughput(env, rounds=args.write_rounds))


if __name__ == "__main__":
    main()
