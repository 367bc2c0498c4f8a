"""`flask train [--force]`, `flask promote VERSION` and `flask init-tracking-store`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.errors import DomainError


@click.command("train")
@click.option("--force", is_flag=True, help="Make the new version champion whatever its score.")
@click.option(
    "--if-no-champion", is_flag=True, help="Do nothing when a champion already exists (for scripts)."
)
@with_appcontext
def train_command(force: bool, if_no_champion: bool) -> None:
    """Train, log and register a new model version, gate it and build its similarity index."""
    from app.ml import registry
    from app.ml.tasks import train_and_index

    if if_no_champion and (champion := registry.version_by_alias(registry.CHAMPION)) is not None:
        click.echo(f"{champion.name} version {champion.version} is already champion; not training.")
        return
    try:
        result, _ = train_and_index(force=force, trigger="cli", user=None, progress=click.echo)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    metrics = result.metrics
    click.echo(
        f"run {result.run_id}: {result.model_name} v{result.model_version}, "
        f"accuracy {metrics['accuracy']:.4f}, macro F1 {metrics['macro_f1']:.4f}, "
        f"{'champion' if result.promoted else 'challenger'} ({result.promotion_reason})"
    )


@click.command("promote")
@click.argument("version")
@with_appcontext
def promote_command(version: str) -> None:
    """Move the champion alias to VERSION (also the rollback)."""
    from app.ml.service import promote

    try:
        result = promote(version=version)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"{result['model_name']}: champion is now version {result['version']} "
        f"(was {result['previous_version']})."
    )


@click.command("init-tracking-store")
@with_appcontext
def init_tracking_store_command() -> None:
    """Create the embedded MLflow store's tables once (gunicorn's start does it too, before forking)."""
    from flask import current_app

    from app.ml import registry

    registry.init_tracking_store(current_app.config["MLFLOW_TRACKING_URI"])
    click.echo("MLflow tracking store ready.")


@click.group("ml")
def ml_group() -> None:
    """Classifier maintenance."""


@ml_group.command("retriage")
@with_appcontext
def retriage_command() -> None:
    """Classify open uncategorised tickets with the champion (bounded batches; human labels untouched)."""
    from app.ml.retriage import retriage

    try:
        result = retriage(progress=click.echo)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Version {result.model_version}: {result.examined} examined, {result.applied} categorised.")


@ml_group.command("log-performance")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 365))
@with_appcontext
def log_performance_command(days: int) -> None:
    """Log the live figures of each model version as metrics on it in MLflow."""
    from app.ml.service import log_live_metrics

    click.echo(f"Logged live metrics for {log_live_metrics(days=days)} versions.")
