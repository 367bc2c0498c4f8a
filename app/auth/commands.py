"""`flask create-user`."""

import sys

import click
from flask.cli import with_appcontext

from app.auth import service
from app.auth.models import ROLES
from app.errors import DomainError


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The user's role.")
@click.option("--email", default=None, help="Optional e-mail address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(username: str, role: str, email: str | None, password_stdin: bool) -> None:
    """Create a user; the password is prompted for or read from stdin (12+ characters)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = service.create_user(username=username, password=password, role=role, email=email)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.role} {user.username!r} (id {user.id}).")
