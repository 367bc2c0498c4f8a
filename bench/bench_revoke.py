"""A token revoked through one worker, then used at once against all of them: how many writes still get in.

Usage: python bench/bench_revoke.py --db NAME [--rounds 50] [--workers 2] [--after 6] [--checkout DIR]
gunicorn serves the checkout with --workers workers (the production setting: token checks cached, and the auth
change feed on). Each round issues a token, warms every worker's cache with writes made with it, revokes it
(`DELETE /api/auth/tokens/{id}/` with another token of the same user) and, as soon as the 204 arrives, sends
--after creates and --after list reads with the revoked token on fresh connections (so they spread over the
workers). Printed: how many of each were accepted, refused (401) or other. The database must be seeded
(bench_api.py --db NAME).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import requests
from harness import PASSWORD, ROOT, gunicorn, issue_token, seeded_env

NEW = {
    "title": "Revocation race",
    "description": "Written with a token revoked a moment ago.",
    "category": "other",
}


def _token(base: str) -> tuple[int, str]:
    r = requests.post(
        f"{base}/api/auth/tokens/", json={"name": "revoke"}, auth=("bench", PASSWORD), timeout=30
    )
    r.raise_for_status()
    return r.json()["id"], r.json()["token"]


def one_round(base: str, admin: str, after: int, workers: int) -> Counter:
    """Warm, revoke, then write and read at once: (kind, status) of the requests made after the revocation."""
    token_id, secret = _token(base)
    bearer = {"Authorization": f"Bearer {secret}"}
    for _ in range(4 * workers):  # new connections land on any worker: warm them all
        requests.post(f"{base}/api/tickets/", json=NEW, headers=bearer, timeout=30).raise_for_status()
        requests.get(f"{base}/api/tickets/", headers=bearer, timeout=30).raise_for_status()
    revoked = requests.delete(
        f"{base}/api/auth/tokens/{token_id}/", headers={"Authorization": f"Bearer {admin}"}, timeout=30
    )
    revoked.raise_for_status()
    found: Counter = Counter()
    for _ in range(after):
        found[
            "write", requests.post(f"{base}/api/tickets/", json=NEW, headers=bearer, timeout=30).status_code
        ] += 1
        found["read", requests.get(f"{base}/api/tickets/", headers=bearer, timeout=30).status_code] += 1
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--after", type=int, default=6)
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="the checkout to serve (default: this one)"
    )
    args = parser.parse_args()
    total: Counter = Counter()
    env = seeded_env(args.db, "bench-revoke-")
    with gunicorn(env, workers=args.workers, checkout=args.checkout) as base:
        admin = issue_token(base)
        for _ in range(args.rounds):
            total += one_round(base, admin, args.after, args.workers)
    title = f"Writes with a token right after its revocation ({args.rounds} rounds, {args.workers} workers)"
    print(f"\n### {title}\n")
    print("| requests | sent | accepted (200/201) | refused (401) | other |")
    print("|---|---:|---:|---:|---|")
    for kind in ("write", "read"):
        mine = {status: n for (k, status), n in total.items() if k == kind}
        accepted = mine.get(200, 0) + mine.get(201, 0)
        other = {k: v for k, v in mine.items() if k not in (200, 201, 401)} or ""
        print(f"| {kind}s | {sum(mine.values())} | {accepted} | {mine.get(401, 0)} | {other} |")


if __name__ == "__main__":
    main()
