"""`flask seed-tickets`."""

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.demo.seed import seed_tickets
from app.extensions import db
from app.tickets.models import Ticket


@click.command("seed-tickets")
@click.option("--n", "count", default=200, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--replace", is_flag=True, help="Delete every existing ticket first (refused in production).")
@click.option("--append", is_flag=True, hidden=True, help="Kept for old scripts: adding is the default.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has tickets.")
@with_appcontext
def seed_tickets_command(count: int, seed: int, replace: bool, append: bool, if_empty: bool) -> None:
    """Generate realistic demo tickets, added to existing ones (--replace deletes those first)."""
    if replace and current_app.config["APP_ENV"] == "production":
        raise click.UsageError("--replace deletes every ticket and is refused when APP_ENV=production.")
    if replace and (append or if_empty):
        raise click.UsageError("--replace cannot be combined with --append or --if-empty.")
    if if_empty and (existing := db.session.scalar(sa.select(sa.func.count(Ticket.id)))):
        click.echo(f"The database already has {existing} tickets; not seeding.")
        return
    with click.progressbar(length=count, label="Seeding tickets") as bar:
        result = seed_tickets(n=count, seed=seed, append=not replace, progress=bar.update)
    click.echo(f"Created {result.created} tickets in {result.seconds:.1f} s.")
