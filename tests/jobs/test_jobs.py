"""Job records: one active job per key, progress and heartbeat, failures, abandoned jobs, the API."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.errors import Conflict
from app.extensions import db
from app.jobs import queue
from app.jobs import service as jobs
from app.jobs.models import Job
from app.jobs.runner import run_job
from app.timeutil import utcnow


def _job(kind: str = "demo", key: str | None = "demo", **params) -> Job:
    return jobs.create_job(kind=kind, params=params, requested_by_id=None, exclusive_key=key)


def _read(job_id: int) -> sa.Row:
    """The job as another connection sees it (committed state only)."""
    with db.engine.connect() as conn:
        return conn.execute(sa.select(Job.__table__).where(Job.id == job_id)).one()


def test_a_job_runs_reports_progress_and_keeps_its_result(app):
    job = _job(size=3)
    seen = {}

    def work(running: Job, progress) -> dict:
        progress("halfway")
        seen["during"] = _read(running.id)
        return {"doubled": running.params["size"] * 2}

    run_job(job.id, work)
    during = seen["during"]
    assert (during.status, during.progress, during.active_key) == ("running", "halfway", "demo")
    assert during.heartbeat_at is not None and during.started_at is not None
    done = _read(job.id)
    assert (done.status, done.result, done.error, done.active_key) == (
        "succeeded",
        {"doubled": 6},
        None,
        None,
    )
    assert done.finished_at >= done.started_at
    _job()  # the key is free again


def test_the_heartbeat_beats_while_the_work_runs(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_HEARTBEAT_SECONDS", 0.05)
    job = _job()
    beats = []

    def work(running: Job, progress) -> dict:
        deadline = time.monotonic() + 10
        while len(set(beats)) < 3 and time.monotonic() < deadline:
            beats.append(_read(running.id).heartbeat_at)
            time.sleep(0.05)
        return {}

    run_job(job.id, work)
    assert len(set(beats)) >= 3 and _read(job.id).status == "succeeded"


def test_a_failing_job_records_the_error_and_frees_its_key(app):
    job = _job()

    def work(running: Job, progress) -> dict:
        raise ValueError("disk full")

    run_job(job.id, work)
    done = _read(job.id)
    assert (done.status, done.error, done.active_key) == ("failed", "ValueError: disk full", None)
    run_job(job.id, work)  # a finished job is never run again
    assert _read(job.id).status == "failed"
    _job()


def test_one_active_job_per_exclusive_key_under_concurrent_requests(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def attempt() -> None:
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                _job()
                outcomes.append("created")
            except Conflict:
                outcomes.append("busy")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["busy"] * 5 + ["created"]
    _job(key=None)  # jobs without a key never conflict
    _job(key=None)


def test_busy_error_names_the_active_job(app):
    first = _job()
    with pytest.raises(jobs.JobBusy) as caught:
        _job()
    assert caught.value.errors == {"job_id": first.id, "url": f"/api/ml/jobs/{first.id}/", "status": "queued"}


def test_a_running_job_without_heartbeat_is_failed_and_cleaned_up(app):
    cleaned = []
    jobs.on_abandoned("demo", cleaned.append)
    job, fresh = _job(), _job(kind="other", key="other")
    job.status, job.heartbeat_at = (
        "running",
        utcnow() - timedelta(seconds=app.config["JOB_TIMEOUT_SECONDS"] + 5),
    )
    fresh.status, fresh.heartbeat_at = "running", utcnow()
    db.session.commit()
    assert jobs.reap_abandoned() == [job.id]
    assert [j.id for j in cleaned] == [job.id]
    reaped = _read(job.id)
    assert reaped.status == "failed" and "no heartbeat" in reaped.error and reaped.active_key is None
    assert _read(fresh.id).status == "running"
    _job()  # the key is free for a new attempt


def test_jobs_api_is_for_admins_newest_first(client, admin, agent, auth):
    older, newer = _job(kind="a", key=None), _job(kind="b", key=None)
    listed = client.get("/api/ml/jobs/", headers=auth(admin)).json
    assert [j["id"] for j in listed] == [newer.id, older.id]
    assert [j["id"] for j in client.get("/api/ml/jobs/?kind=a", headers=auth(admin)).json] == [older.id]
    one = client.get(f"/api/ml/jobs/{older.id}/", headers=auth(admin)).json
    assert one["status"] == "queued" and one["url"] == f"/api/ml/jobs/{older.id}/" and one["result"] is None
    assert client.get(f"/api/ml/jobs/{older.id}/", headers=auth(agent)).status_code == 403
    assert client.get("/api/ml/jobs/", headers=auth(agent)).status_code == 403
    assert client.get("/api/ml/jobs/999/", headers=auth(admin)).status_code == 404
    assert client.get("/api/ml/jobs/?limit=0", headers=auth(admin)).status_code == 422


@pytest.fixture
def no_consumer_seen():
    queue.huey.delete(queue.CONSUMER_SEEN_KEY)
    yield
    queue.huey.delete(queue.CONSUMER_SEEN_KEY)


def _queued_for(job: Job, seconds: float) -> None:
    job.created_at = utcnow() - timedelta(seconds=seconds)
    db.session.commit()


def test_a_queued_job_is_given_up_soon_when_no_consumer_runs(app, no_consumer_seen):
    waiting = _job()
    _queued_for(waiting, app.config["JOB_TIMEOUT_SECONDS"] + 5)
    assert jobs.reap_abandoned() == [waiting.id]
    reaped = _read(waiting.id)
    assert reaped.status == "failed" and "not picked up" in reaped.error and reaped.active_key is None
    _job()  # a new training may be asked for at once


def test_a_queued_job_waits_while_a_consumer_runs_up_to_the_queue_timeout(app, no_consumer_seen):
    queue.note_consumer_alive()
    waiting = _job()
    _queued_for(waiting, app.config["JOB_TIMEOUT_SECONDS"] + 5)
    assert jobs.reap_abandoned() == []
    _queued_for(waiting, app.config["JOB_QUEUE_TIMEOUT_SECONDS"] + 5)
    assert jobs.reap_abandoned() == [waiting.id]


def test_a_consumer_says_it_is_alive_when_it_starts_and_every_minute(no_consumer_seen):
    from app.jobs import tasks

    assert queue.consumer_last_seen() is None
    tasks.consumer_started()
    first = queue.consumer_last_seen()
    assert first is not None and abs(first - time.time()) < 60
    tasks.reap_abandoned_jobs.call_local()
    assert queue.consumer_last_seen() >= first
