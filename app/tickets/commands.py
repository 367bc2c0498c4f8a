"""`flask seed-tickets`."""

import click
from flask.cli import with_appcontext

from app.tickets.seed import seed_tickets


@click.command("seed-tickets")
@click.option("--n", "count", default=200, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--append", is_flag=True, help="Keep existing tickets instead of deleting them.")
@with_appcontext
def seed_tickets_command(count: int, seed: int, append: bool) -> None:
    """Generate realistic demo tickets (deletes existing tickets unless --append)."""
    with click.progressbar(length=count, label="Seeding tickets") as bar:
        result = seed_tickets(n=count, seed=seed, append=append, progress=bar.update)
    click.echo(f"Created {result.created} tickets in {result.seconds:.1f} s.")
