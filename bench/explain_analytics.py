"""Print EXPLAIN (ANALYZE, BUFFERS) of every SQL statement the analytics endpoints run (PostgreSQL).

Usage: DATABASE_URL=postgresql://... python bench/explain_analytics.py [--days 30 365] [--endpoint mttr]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from app import create_app
from app.analytics import service
from app.analytics.filters import AnalyticsFilters
from app.analytics.window import resolve_window
from app.auth.models import User
from app.extensions import db

CALLS = {
    "trends": lambda **kw: service.trends(**kw, interval="day"),
    "mttr": service.mttr,
    "backlog": service.backlog,
    "reopens": service.reopens,
    "first-response": service.first_response,
    "sla": service.sla,
    "sla/at-risk": lambda window, **kw: service.at_risk(
        hours=(window.end - window.start).total_seconds() / 3600, limit=100, **kw
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365])
    parser.add_argument("--endpoint", choices=list(CALLS), nargs="+", default=list(CALLS))
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        statements: list[tuple[str, object]] = []
        sa.event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, cur, sql, params, ctx, many: statements.append((sql, params)),
        )
        user = db.session.scalar(sa.select(User).where(User.role == "agent").limit(1))
        for name in args.endpoint:
            for days in args.days:
                statements.clear()
                CALLS[name](window=resolve_window({"days": days}), filters=AnalyticsFilters(), user=user)
                for sql, params in list(statements):
                    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                        continue
                    plan = db.session.connection().exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + sql, params
                    )
                    print(f"===== {name} days={days}\n" + "\n".join(row[0] for row in plan) + "\n")


if __name__ == "__main__":
    main()
