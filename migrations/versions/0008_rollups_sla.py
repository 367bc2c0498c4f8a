"""analytics rollups (counts, sums, duration buckets) backfilled from the tickets; SLA targets and due times

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 04:20:00

The backfill is the SQL of app/analytics/rollups.rebuild_rollups as of this revision (measures as defined in
app/analytics/facts.py, buckets as in app/analytics/sketch.py: ceil(ln(seconds) / ln(gamma)), gamma for 1%).
Tickets that exist before this revision have no SLA due times (they were created under no targets).
"""

import math
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

GAMMA = 1 + 2 * 0.01 / (1 - 0.01)
PER_LN = 1 / math.log(GAMMA)
ZERO_BUCKET = -(2**31)
DEFAULT_TARGETS = {"URGENT": (1, 8), "HIGH": (4, 24), "MEDIUM": (8, 72), "LOW": (24, 168)}
MEASURES = ("created", "resolved", "first_resolved", "response_due", "resolution_due")
KEY = ("measure", "day", "category", "priority")


def _sql(dialect: str) -> dict[str, str]:
    if dialect == "postgresql":
        epoch = "date_part('epoch', {a} - {b})"
        day = "CAST(date_trunc('day', timezone('UTC', {c})) AS DATE)"
        month = "CAST(date_trunc('month', timezone('UTC', {c})) AS DATE)"
    else:
        epoch = (
            "((CAST(strftime('%s', {a}) AS INTEGER) + CAST(substr({a}, 20) AS REAL))"
            " - (CAST(strftime('%s', {b}) AS INTEGER) + CAST(substr({b}, 20) AS REAL)))"
        )
        day, month = "date({c})", "date({c}, 'start of month')"
    return {"epoch": epoch, "day": day, "month": month}


def _measures(sql: dict[str, str]) -> dict[str, tuple[str, str, str]]:
    """measure -> (instant column, duration in seconds, flag) over tickets."""
    e = sql["epoch"]
    return {
        "created": ("created_at", e.format(a="first_response_at", b="created_at"), "0"),
        "resolved": (
            "resolved_at",
            e.format(a="coalesce(first_resolved_at, resolved_at)", b="created_at"),
            "0",
        ),
        "first_resolved": (
            "first_resolved_at",
            "NULL",
            "CASE WHEN reopened_at IS NOT NULL THEN 1 ELSE 0 END",
        ),
        "response_due": (
            "first_response_due_at",
            "NULL",
            "CASE WHEN first_response_at <= first_response_due_at "
            "OR first_resolved_at <= first_response_due_at THEN 1 ELSE 0 END",
        ),
        "resolution_due": (
            "resolution_due_at",
            "NULL",
            "CASE WHEN first_resolved_at <= resolution_due_at THEN 1 ELSE 0 END",
        ),
    }


def _backfill() -> None:
    sql = _sql(op.get_bind().dialect.name)
    for measure, (at, seconds, flag) in _measures(sql).items():
        rows = (
            f"SELECT {sql['day'].format(c=at)} AS day, {sql['month'].format(c=at)} AS month, "  # noqa: S608 - constants of this module only
            f"coalesce(category, 'none') AS category, priority, "
            f"CAST({seconds} AS FLOAT) AS seconds, {flag} AS flag "
            f"FROM tickets WHERE {at} IS NOT NULL"
        )
        # Only this module's constants are formatted into the SQL, never input.
        op.execute(
            "INSERT INTO analytics_rollups "  # noqa: S608
            "(measure, day, category, priority, tickets, timed, sum_us, flagged) "
            f"SELECT '{measure}', day, category, priority, count(*), count(seconds), "
            "coalesce(sum(CAST(round(seconds * 1000000) AS BIGINT)), 0), sum(flag) "
            f"FROM ({rows}) r GROUP BY day, category, priority"
        )
        if seconds == "NULL":
            continue
        logarithmic = f"CAST(ceil(ln(seconds) * {PER_LN!r}) AS INTEGER)"
        bucket = f"CASE WHEN seconds <= 0 THEN {ZERO_BUCKET} ELSE {logarithmic} END"
        for grain, period in (("day", "day"), ("month", "month")):
            op.execute(
                "INSERT INTO analytics_rollup_buckets "  # noqa: S608
                "(measure, grain, period, category, priority, bucket, tickets) "
                f"SELECT '{measure}', '{grain}', period, category, priority, bucket, count(*) FROM "
                f"(SELECT {period} AS period, category, priority, {bucket} AS bucket FROM ({rows}) r "
                "WHERE seconds IS NOT NULL) b GROUP BY period, category, priority, bucket"
            )


def _measure_check() -> sa.CheckConstraint:
    return sa.CheckConstraint(f"measure IN {MEASURES}", name=op.f("ck_analytics_rollups_measure"))


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("first_response_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=True))
    # Covering: the SLA report's partial days are index-only scans.
    op.create_index(
        "ix_tickets_first_response_due_at",
        "tickets",
        ["first_response_due_at", "category", "priority", "first_response_at", "first_resolved_at"],
    )
    op.create_index(
        "ix_tickets_resolution_due_at",
        "tickets",
        ["resolution_due_at", "category", "priority", "first_resolved_at"],
    )
    for name, column, where in (
        (
            "ix_tickets_awaiting_response",
            "first_response_due_at",
            "first_response_at IS NULL AND first_resolved_at IS NULL",
        ),
        ("ix_tickets_awaiting_resolution", "resolution_due_at", "first_resolved_at IS NULL"),
    ):
        op.create_index(
            name, "tickets", [column], postgresql_where=sa.text(where), sqlite_where=sa.text(where)
        )
    sla = op.create_table(
        "sla_targets",
        sa.Column("priority", sa.String(8), primary_key=True),
        sa.Column("first_response_hours", sa.Float(), nullable=False),
        sa.Column("resolution_hours", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "priority IN ('LOW', 'MEDIUM', 'HIGH', 'URGENT')", name=op.f("ck_sla_targets_priority")
        ),
        sa.CheckConstraint(
            "first_response_hours > 0 AND resolution_hours > 0", name=op.f("ck_sla_targets_positive_hours")
        ),
    )
    op.bulk_insert(
        sla,
        [
            {"priority": p, "first_response_hours": r, "resolution_hours": s, "updated_at": datetime.now(UTC)}
            for p, (r, s) in DEFAULT_TARGETS.items()
        ],
    )
    op.create_table(
        "analytics_rollups",
        sa.Column("measure", sa.String(16), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("category", sa.String(16), primary_key=True),
        sa.Column("priority", sa.String(8), primary_key=True),
        sa.Column("tickets", sa.BigInteger(), nullable=False),
        sa.Column("timed", sa.BigInteger(), nullable=False, comment="Tickets with a duration."),
        sa.Column("sum_us", sa.BigInteger(), nullable=False, comment="Sum of durations, microseconds."),
        sa.Column("flagged", sa.BigInteger(), nullable=False, comment="Reopened, or target met."),
        _measure_check(),
    )
    op.create_table(
        "analytics_rollup_buckets",
        sa.Column("measure", sa.String(16), primary_key=True),
        sa.Column("grain", sa.String(5), primary_key=True),
        sa.Column("period", sa.Date(), primary_key=True, comment="First day of the day or month."),
        sa.Column("category", sa.String(16), primary_key=True),
        sa.Column("priority", sa.String(8), primary_key=True),
        sa.Column("bucket", sa.Integer(), primary_key=True),
        sa.Column("tickets", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(f"measure IN {MEASURES}", name=op.f("ck_analytics_rollup_buckets_measure")),
        sa.CheckConstraint("grain IN ('day', 'month')", name=op.f("ck_analytics_rollup_buckets_grain")),
    )
    _backfill()


def downgrade():
    op.drop_table("analytics_rollup_buckets")
    op.drop_table("analytics_rollups")
    op.drop_table("sla_targets")
    for name in (
        "ix_tickets_awaiting_resolution",
        "ix_tickets_awaiting_response",
        "ix_tickets_resolution_due_at",
        "ix_tickets_first_response_due_at",
    ):
        op.drop_index(name, table_name="tickets")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would copy the generated
    # search_vector column of 0007, which SQLite refuses to insert into.
    op.drop_column("tickets", "resolution_due_at")
    op.drop_column("tickets", "first_response_due_at")
