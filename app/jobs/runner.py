"""Run a job's work: mark it running, keep its heartbeat, record progress, then its result or error."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.errors import DomainError
from app.extensions import db
from app.jobs.models import QUEUED, RUNNING, SUCCEEDED, Job
from app.jobs.service import fail_job
from app.timeutil import utcnow

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _touch(engine: sa.Engine, job_id: int, **values: Any) -> None:
    """Update the running job in its own short transaction, so readers see it while the work goes on."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status == RUNNING)
            .values(heartbeat_at=utcnow(), **values)
        )


class _Heartbeat:
    """A daemon thread that stamps heartbeat_at every JOB_HEARTBEAT_SECONDS while the work runs."""

    def __init__(self, engine: sa.Engine, job_id: int, interval: float) -> None:
        self.engine, self.job_id, self.interval = engine, job_id, interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"job-{job_id}-heartbeat")

    def _beat(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                _touch(self.engine, self.job_id)
            except Exception:  # a missed beat is retried; the reaper tolerates several
                log.warning("heartbeat of job %s failed", self.job_id, exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _start(job_id: int) -> Job | None:
    """Claim a queued job (None when it is gone, finished, or claimed by another consumer)."""
    now = utcnow()
    claimed = db.session.execute(  # type: ignore[attr-defined]
        sa.update(Job)
        .where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, started_at=now, heartbeat_at=now, progress="started")
    ).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if claimed else None


def _finish(job_id: int, result: dict[str, Any] | None, error: str | None) -> None:
    db.session.rollback()
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.status != RUNNING:  # reaped meanwhile: keep the failure on record
        return
    if error is None:
        job.status, job.result, job.active_key = SUCCEEDED, result, None
        job.finished_at, job.progress = utcnow(), "done"
    else:
        fail_job(job, error)
    db.session.commit()


def run_job(job_id: int, work: Callable[[Job, Progress], dict[str, Any]]) -> None:
    """Run work(job, progress) for a queued job and record how it ended."""
    job = _start(job_id)
    if job is None:
        log.info("job %s is not queued any more; skipped", job_id)
        return

    engine = db.engine  # the heartbeat thread has no app context of its own

    def progress(message: str) -> None:
        log.info("job %s: %s", job_id, message)
        _touch(engine, job_id, progress=message[:500])

    result, error = None, None
    with _Heartbeat(engine, job_id, current_app.config["JOB_HEARTBEAT_SECONDS"]):
        try:
            result = work(job, progress)
        except DomainError as exc:
            error = exc.message
        except Exception as exc:
            log.exception("job %s failed", job_id)
            error = f"{type(exc).__name__}: {exc}"
    _finish(job_id, result, error)
