"""Periodic housekeeping run by every consumer: fail the jobs whose consumer stopped."""

from __future__ import annotations

from huey import crontab

from app.jobs.queue import huey, in_app_context
from app.jobs.service import reap_abandoned


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def reap_abandoned_jobs() -> list[int]:
    """Every minute: mark running jobs without a recent heartbeat as failed."""
    return reap_abandoned()
