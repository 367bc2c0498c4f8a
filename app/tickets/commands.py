"""`flask seed-tickets`."""

import click
from flask.cli import with_appcontext


@click.command("seed-tickets")
@click.option("--n", "count", default=200, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--append", is_flag=True, help="Keep existing tickets instead of deleting them.")
@with_appcontext
def seed_tickets_command(count: int, seed: int, append: bool) -> None:
    """Generate realistic demo tickets (deletes existing tickets unless --append)."""
    raise click.ClickException("not implemented yet")
