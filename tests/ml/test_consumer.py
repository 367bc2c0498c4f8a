"""A real consumer process (`flask jobs worker`) on a SQLite queue runs training jobs and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from huey import SqliteHuey

from app.extensions import db
from app.jobs import service as jobs
from app.jobs.models import Job
from app.ml.tasks import train_task
from tests.helpers import ROOT, command_env
from tests.ml.corpus import add_corpus


def _status(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _wait(job_id: int, statuses: tuple[str, ...], timeout: float) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _status(job_id)
        if job.status in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {_status(job_id).status} after {timeout} s")


@pytest.mark.slow
def test_a_consumer_runs_queued_training_and_finishes_its_job_on_sigterm(
    app, postgres_only, tmp_path, fresh_registry
):
    add_corpus(per_category=12)
    # The consumer's queue, seen from here (the test app runs jobs inline): same file, same task names.
    queue = SqliteHuey("ticket-intelligence", filename=str(tmp_path / "huey.db"))
    queue._registry.register(train_task.task_class)
    env = command_env(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        HUEY_IMMEDIATE="false",
        HUEY_SQLITE_PATH=str(tmp_path / "huey.db"),
        MLFLOW_TRACKING_URI=app.config["MLFLOW_TRACKING_URI"],
        MLFLOW_ARTIFACT_ROOT=app.config["MLFLOW_ARTIFACT_ROOT"],
        MODEL_NAME=fresh_registry,
        MLFLOW_EXPERIMENT_NAME=fresh_registry,
        SIMILARITY_INDEX_DIR=str(tmp_path / "similarity"),
    )
    worker = subprocess.Popen(
        ["flask", "jobs", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = jobs.create_job(
            kind="train", params={"force": False}, requested_by_id=None, exclusive_key="train"
        )
        queue.enqueue(train_task.s(first.id))
        done = _wait(first.id, ("succeeded", "failed"), 180)
        assert done.status == "succeeded", done.error
        assert done.result["model_version"] == "1" and done.result["similarity_index"]["tickets"] == 60
        assert os.listdir(tmp_path / "similarity" / fresh_registry / "v1")

        second = jobs.create_job(
            kind="train", params={"force": True}, requested_by_id=None, exclusive_key="train"
        )
        queue.enqueue(train_task.s(second.id))
        _wait(second.id, ("running", "succeeded"), 60)
        worker.send_signal(signal.SIGTERM)  # graceful: the running job finishes before the consumer exits
        assert worker.wait(timeout=180) == 0
        finished = _status(second.id)
        assert finished.status == "succeeded" and finished.result["model_version"] == "2", finished.error
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
        output = worker.stdout.read() if worker.stdout else ""
    assert "jobs worker" in output
