"""`flask create-user` and `flask create-demo-users`."""

import json
import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.auth import service
from app.auth.models import ROLES
from app.errors import DomainError
from app.extensions import db


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
        db.session.commit()
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.role} {user.username!r} (id {user.id}).")


DEMO_USERS = (("admin", "admin"), ("agent", "agent"))


@click.command("create-demo-users")
@with_appcontext
def create_demo_users_command() -> None:
    """Create the demo admin and agent with random passwords, kept in instance/ and printed."""
    path = Path(current_app.instance_path) / "demo-credentials.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    for username, role in DEMO_USERS:
        if username not in saved:
            password = secrets.token_urlsafe(12)
            try:
                service.create_user(username=username, password=password, role=role)
                db.session.commit()
            except DomainError as exc:
                raise click.ClickException(f"{exc.message} Its password is not in {path}.") from exc
            saved[username] = password
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(saved, indent=2))
            path.chmod(0o600)
        click.echo(f"  {role:<6} username: {username:<6} password: {saved[username]}")
