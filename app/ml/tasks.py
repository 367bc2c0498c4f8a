"""ML work run as jobs: training (then its similarity index), index builds on promotion, periodic folds."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from app.errors import ServiceUnavailable
from app.extensions import db
from app.jobs import service as jobs
from app.jobs.models import Job
from app.jobs.queue import huey, in_app_context
from app.jobs.runner import Progress, run_job
from app.ml import index_build, index_files
from app.ml.locking import training_lock
from app.ml.train import TrainResult, train_model
from app.tickets.models import Ticket

log = logging.getLogger(__name__)

TRAIN, INDEX, FOLD = "train", "similarity_index", "similarity_fold"


def _quiet(message: str) -> None:
    """Default progress sink: say nothing."""


def _slot(version: str, run_id: str | None) -> index_files.BuildSlot:
    config = current_app.config
    return index_files.BuildSlot(config["SIMILARITY_INDEX_DIR"], config["MODEL_NAME"], version, run_id)


def build_index(version: str, *, progress: Progress = _quiet, fold: bool = False) -> dict[str, Any]:
    """Build (or fold) a version's similarity index in the local cache; a full build goes to the registry."""
    from app.ml import registry

    config = current_app.config
    info = registry.get_version(version)
    if info is None:
        raise ServiceUnavailable(f"Model {config['MODEL_NAME']} has no version {version}.")
    progress(f"Similarity index: loading version {version}...")
    pipeline = registry.load_version(version)
    build = index_build.fold if fold else index_build.build_full
    path = build(pipeline, _slot(version, info.run_id), progress)
    if path is not None and not fold and info.run_id:
        progress("Similarity index: attaching it to the model version's run...")
        registry.log_similarity_index(info.run_id, path)
    rows = index_files.open_build(path).rows if path is not None else None
    return {"version": version, "build": path.name if path else None, "tickets": rows}


def train_and_index(
    *, force: bool, trigger: str, user: str | None, progress: Progress = _quiet, job_id: int | None = None
) -> tuple[TrainResult, dict[str, Any]]:
    """Train (and gate) a new version, then build its similarity index."""
    tags = {"job_id": str(job_id)} if job_id is not None else None
    result = train_model(force=force, trigger=trigger, user=user, progress=progress, tags=tags)
    return result, build_index(result.model_version, progress=progress)


def _train_work(job: Job, progress: Progress) -> dict[str, Any]:
    result, index = train_and_index(
        force=job.params.get("force", False),
        trigger="api",
        user=job.params.get("user"),
        progress=progress,
        job_id=job.id,
    )
    return {**asdict(result), "similarity_index": index}


@huey.task()
@in_app_context
def train_task(job_id: int) -> None:
    """Run a queued training job."""
    run_job(job_id, _train_work)


@huey.task()
@in_app_context
def index_task(job_id: int) -> None:
    """Build the similarity index of a version that has none yet (after a promotion)."""

    def work(job: Job, progress: Progress) -> dict[str, Any]:
        from app.ml import registry

        version = job.params["version"]
        info = registry.get_version(version)
        if index_files.current_path(_slot(version, info.run_id if info else None)) or (
            info and info.run_id and registry.has_similarity_index(info.run_id)
        ):
            return {"version": version, "build": None, "tickets": None, "already_built": True}
        return build_index(version, progress=progress)

    run_job(job_id, work)


def _start(kind: str, task: Any, *, params: dict[str, Any], user_id: int | None, key: str) -> Job:
    job = jobs.create_job(kind=kind, params=params, requested_by_id=user_id, exclusive_key=key)
    try:
        task(job.id)
    except Exception as exc:  # the queue is down: the job must not block the next attempt
        jobs.fail_job(job, f"Could not enqueue: {type(exc).__name__}: {exc}")
        db.session.commit()
        raise ServiceUnavailable(f"The job queue is unavailable: {exc}") from exc
    return db.session.get(Job, job.id, populate_existing=True) or job


def start_training(*, force: bool, user_id: int, username: str) -> Job:
    """Queue a training job; 409 while another is queued or running, or while `flask train` runs."""
    with training_lock():
        pass  # the advisory lock is free: no CLI training is running right now
    params = {"force": force, "user": username}
    return _start(TRAIN, train_task, params=params, user_id=user_id, key=TRAIN)


def start_index_build(version: str, *, user_id: int | None) -> Job | None:
    """Queue building a version's similarity index (None when one is already queued for it)."""
    try:
        key = f"{INDEX}:{version}"
        return _start(INDEX, index_task, params={"version": version}, user_id=user_id, key=key)
    except jobs.JobBusy:
        return None
    except ServiceUnavailable as exc:  # the promotion stands; workers keep the old version meanwhile
        log.warning("similarity index build for version %s not queued: %s", version, exc.message)
        return None


def _changes_since_build() -> tuple[str, int] | None:
    """The champion's version and how many tickets changed since its local build."""
    from app.ml import registry

    champion = registry.version_by_alias(registry.CHAMPION)
    if champion is None:
        return None
    path = index_files.current_path(_slot(champion.version, champion.run_id))
    if path is None:
        return None
    watermark = index_files.open_build(path).watermark
    query = sa.select(sa.func.count()).select_from(Ticket)
    if watermark is not None:
        query = query.where(Ticket.updated_at >= watermark - index_build.SYNC_MARGIN)
    return champion.version, int(db.session.scalar(query) or 0)


@huey.periodic_task(crontab(minute="*/5"))
@in_app_context
def fold_similarity_index() -> int | None:
    """Every 5 minutes: fold the changes into a new base once SIMILARITY_FOLD_ROWS tickets changed."""
    found = _changes_since_build()
    if found is None or found[1] < current_app.config["SIMILARITY_FOLD_ROWS"]:
        return None
    version = found[0]
    try:
        job = jobs.create_job(
            kind=FOLD, params={"version": version}, requested_by_id=None, exclusive_key=FOLD
        )
    except jobs.JobBusy:
        return None
    run_job(job.id, lambda job, progress: build_index(version, progress=progress, fold=True))
    return job.id


def _end_abandoned_run(job: Job) -> None:
    from app.ml import registry

    ended = registry.fail_runs_tagged("job_id", str(job.id))
    if ended:
        log.warning("job %s abandoned: MLflow runs %s ended as FAILED", job.id, ", ".join(ended))


jobs.on_abandoned(TRAIN, _end_abandoned_run)
