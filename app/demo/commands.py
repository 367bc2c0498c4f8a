"""`flask seed-tickets`."""

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.demo.seed import seed_tickets
from app.extensions import db
from app.tickets.models import Ticket


@click.command("seed-tickets")
@click.option("--n", "count", default=200, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--append", is_flag=True, help="Keep existing tickets instead of deleting them.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has tickets.")
@with_appcontext
def seed_tickets_command(count: int, seed: int, append: bool, if_empty: bool) -> None:
    """Generate realistic demo tickets (deletes existing tickets unless --append)."""
    if if_empty and (existing := db.session.scalar(sa.select(sa.func.count(Ticket.id)))):
        click.echo(f"The database already has {existing} tickets; not seeding.")
        return
    with click.progressbar(length=count, label="Seeding tickets") as bar:
        result = seed_tickets(n=count, seed=seed, append=append, progress=bar.update)
    click.echo(f"Created {result.created} tickets in {result.seconds:.1f} s.")
