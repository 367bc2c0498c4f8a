"""Job records: create (one active job per exclusive kind), read, list, and fail the abandoned ones."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound
from app.extensions import db
from app.jobs import queue
from app.jobs.models import FAILED, QUEUED, RUNNING, Job
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

# kind -> what to clean up when a job of that kind is found abandoned (e.g. end its MLflow run).
_abandon_hooks: dict[str, Callable[[Job], None]] = {}


class JobBusy(Conflict):
    """Another job of the same exclusive kind is queued or running."""

    def __init__(self, job: Job) -> None:
        super().__init__(
            f"A {job.kind} job is already {job.status}: {job.url}",
            errors={"job_id": job.id, "url": job.url, "status": job.status},
        )
        self.job = job


def on_abandoned(kind: str, hook: Callable[[Job], None]) -> None:
    """Call hook(job) when a job of this kind is marked failed because its consumer stopped."""
    _abandon_hooks[kind] = hook


def create_job(
    *, kind: str, params: dict[str, Any], requested_by_id: int | None, exclusive_key: str | None
) -> Job:
    """Insert a queued job and commit; JobBusy (409) while a job with the same exclusive key is active."""
    reap_abandoned()
    job = Job(kind=kind, params=params, requested_by_id=requested_by_id, active_key=exclusive_key)
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        active = db.session.scalar(sa.select(Job).where(Job.active_key == exclusive_key))
        if active is None:  # it finished between the insert and this read
            return create_job(
                kind=kind, params=params, requested_by_id=requested_by_id, exclusive_key=exclusive_key
            )
        raise JobBusy(active) from None
    return job


def get_job(job_id: int) -> Job:
    """One job, after failing it if its consumer has stopped."""
    reap_abandoned()
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(f"Job {job_id} does not exist.")
    return job


def list_jobs(*, kind: str | None = None, limit: int = 50) -> list[Job]:
    """Jobs, newest first."""
    reap_abandoned()
    query = sa.select(Job).order_by(Job.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return list(db.session.scalars(query))


def fail_job(job: Job, error: str) -> None:
    """Mark a job failed and release its kind (the caller commits)."""
    job.status, job.error, job.active_key = FAILED, error, None
    job.finished_at = utcnow()


def _unclaimed(now: datetime, timeout: timedelta) -> list[Job]:
    """Queued jobs past JOB_QUEUE_TIMEOUT_SECONDS, or past the job timeout while no consumer runs."""
    limit = timedelta(seconds=current_app.config["JOB_QUEUE_TIMEOUT_SECONDS"])
    waiting = list(
        db.session.scalars(
            sa.select(Job).where(Job.status == QUEUED, Job.created_at < now - min(limit, timeout))
        )
    )
    if not waiting:
        return []  # the common case: no need to ask the queue's storage about consumers
    seen = queue.consumer_last_seen()
    # Consumers stamp every minute; one silent for longer than the timeout beyond that has stopped.
    if seen is not None and time.time() - seen < timeout.total_seconds() + 60:
        return [job for job in waiting if as_utc(job.created_at) < now - limit]
    return waiting


def reap_abandoned() -> list[int]:
    """Fail running jobs silent for JOB_TIMEOUT_SECONDS and queued jobs nobody will run; return their ids."""
    timeout = timedelta(seconds=current_app.config["JOB_TIMEOUT_SECONDS"])
    now = utcnow()
    stale = list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.status == RUNNING, Job.heartbeat_at < now - timeout)
            .with_for_update(skip_locked=True, of=Job)
        )
    )
    stale += _unclaimed(now, timeout)
    for job in stale:
        silent = "no heartbeat" if job.status == RUNNING else "not picked up by any consumer"
        fail_job(job, f"Abandoned: {silent} for more than the timeout (the consumer stopped or none runs).")
        hook = _abandon_hooks.get(job.kind)
        if hook is not None:
            try:
                hook(job)
            except Exception:  # the job is failed regardless; the hook's own cleanup is best effort
                log.exception("cleanup of abandoned job %s failed", job.id)
    db.session.commit()
    return [job.id for job in stale]
