"""`flask analytics rebuild`."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from app.analytics.rollups import rebuild_rollups
from app.extensions import db

analytics_group = AppGroup("analytics", help="Analytics rollups.")


@analytics_group.command("rebuild")
def rebuild_command() -> None:
    """Recompute every rollup from the ticket rows, in one transaction."""
    started = time.perf_counter()
    try:
        rebuild_rollups()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(f"Rebuilt the analytics rollups in {time.perf_counter() - started:.1f} s.")
