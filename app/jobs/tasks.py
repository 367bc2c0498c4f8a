"""Periodic housekeeping run by every consumer: say it is alive, fail the jobs whose consumer stopped."""

from __future__ import annotations

from huey import crontab

from app.jobs.queue import huey, in_app_context, note_consumer_alive
from app.jobs.service import reap_abandoned


@huey.on_startup()
def consumer_started() -> None:
    """A consumer starting says so at once: queued jobs are not given up while it runs."""
    note_consumer_alive()


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def reap_abandoned_jobs() -> list[int]:
    """Every minute: say this consumer is alive, and mark abandoned jobs as failed."""
    note_consumer_alive()
    return reap_abandoned()
