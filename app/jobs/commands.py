"""`flask jobs worker`: a Huey consumer for this app's queue."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("worker")
@click.option("--workers", default=1, show_default=True, help="Jobs run at the same time (threads).")
def worker_command(workers: int) -> None:
    """Run a consumer: jobs and periodic tasks; SIGTERM lets the running job finish, then exits."""
    from app.jobs import queue

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue.bind_app(current_app._get_current_object())  # type: ignore[attr-defined]
    consumer = queue.huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        graceful_signal="TERM",  # SIGTERM waits for the running job; a second one interrupts it
        check_worker_health=True,
    )
    click.echo(f"jobs worker: {workers} thread(s) on {type(queue.huey).__name__}", err=True)
    consumer.run()
