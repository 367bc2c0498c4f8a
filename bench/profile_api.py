"""Profile the API's hot paths in-process with pyinstrument (one request type at a time, after warm-up).

Usage: DATABASE_URL=... MLFLOW_TRACKING_URI=... python bench/profile_api.py [--requests 300] [--html DIR]
    [--only similar]   (only the paths whose name starts with one of the given words)
Needs a migrated, seeded database with the user `bench` (password "benchmark passphrase") and a champion model
(as bench/bench_api.py prepares). Prints each path's SQL statements per request (and the statements of one
request) and its slowest frames; --html writes one flame graph per path.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from pyinstrument import Profiler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.extensions import db
from app.ml.serving import model_cache

TEXT = {"title": "Charged twice for the March invoice", "description": "Two payments for one order."}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--html", type=Path)
    parser.add_argument("--only", nargs="*", default=[], help="profile only paths starting with these words")
    args = parser.parse_args()
    app = create_app()
    statements: list[str] = []
    with app.app_context():
        model_cache(app).refresh(wait=True)
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda *a: statements.append(" ".join(a[2].split()))
        )
    client = app.test_client()
    token = client.post("/api/auth/tokens/", json={"name": "p"}, auth=("bench", "benchmark passphrase")).json
    h = {"Authorization": f"Bearer {token['token']}"}
    ids = [t["id"] for t in client.get("/api/tickets/?page_size=100&status=OPEN", headers=h).json]
    new = {"title": "Refund for a double charge", "description": "I was billed twice this month."}
    cases = {
        "list page 1": lambda i: client.get("/api/tickets/", headers=h),
        "get one": lambda i: client.get(f"/api/tickets/{ids[i % len(ids)]}/", headers=h),
        "create (auto-triage)": lambda i: client.post("/api/tickets/", json=new, headers=h),
        "ml_predict": lambda i: client.post(
            f"/api/tickets/{ids[i % len(ids)]}/ml_predict/", json={}, headers=h
        ),
        "free-text predict": lambda i: client.post("/api/ml/predict/", json=TEXT, headers=h),
        "similar by ticket": lambda i: client.get(
            f"/api/tickets/{ids[i % len(ids)]}/similar/?top=5", headers=h
        ),
        "similar by text": lambda i: client.post("/api/ml/similar/", json={**TEXT, "top": 5}, headers=h),
    }
    for name, call in cases.items():
        if args.only and not any(name.startswith(word) for word in args.only):
            continue
        for i in range(10):
            assert call(i).status_code < 300, (name, call(i).json)
        statements.clear()
        call(10)
        print(f"\n{name}: {len(statements)} SQL statements per request (without pool ping, BEGIN, COMMIT)")
        print("\n".join(f"  {text[:160]}" for text in statements))
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        with profiler:
            for i in range(args.requests):
                call(i)
        per_request = (time.perf_counter() - started) / args.requests * 1000
        print(f"\n===== {name}: {per_request:.2f} ms per request in-process =====")
        print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=True)[:6000])
        if args.html:
            args.html.mkdir(parents=True, exist_ok=True)
            (args.html / f"{name.split()[0]}.html").write_text(profiler.output_html())


if __name__ == "__main__":
    main()
