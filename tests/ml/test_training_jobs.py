"""Training as a job: 409 while one is active, abandoned runs ended in MLflow, the index it builds, swaps."""

from __future__ import annotations

from datetime import timedelta

from mlflow import MlflowClient

from app.extensions import db
from app.jobs import service as jobs
from app.ml import registry
from app.ml.serving import model_cache
from app.ml.train import train_model
from app.timeutil import utcnow
from tests.ml.corpus import add_corpus

BUG = {
    "title": "App crashes on save",
    "description": "The editor crashes with an error 500 when I click save.",
}


def _mlflow(app) -> MlflowClient:
    uri = app.config["MLFLOW_TRACKING_URI"]
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def test_a_second_training_while_one_is_queued_is_409_with_its_url(client, admin, auth, fresh_registry):
    queued = jobs.create_job(kind="train", params={}, requested_by_id=admin.id, exclusive_key="train")
    response = client.post("/api/ml/train/", json={}, headers=auth(admin))
    assert response.status_code == 409
    assert (
        response.json["errors"]["url"] == f"/api/ml/jobs/{queued.id}/"
        and queued.url in response.json["message"]
    )


def test_an_abandoned_training_job_is_failed_and_its_mlflow_run_ended(
    app, client, admin, auth, fresh_registry
):
    mlflow = _mlflow(app)
    experiment = mlflow.create_experiment(fresh_registry)
    job = jobs.create_job(kind="train", params={}, requested_by_id=admin.id, exclusive_key="train")
    run = mlflow.create_run(experiment, tags={"job_id": str(job.id)})
    job.status = "running"
    job.heartbeat_at = utcnow() - timedelta(seconds=app.config["JOB_TIMEOUT_SECONDS"] + 1)
    db.session.commit()
    shown = client.get(f"/api/ml/jobs/{job.id}/", headers=auth(admin)).json
    assert shown["status"] == "failed" and "no heartbeat" in shown["error"]
    assert mlflow.get_run(run.info.run_id).info.status == "FAILED"
    add_corpus(per_category=10)
    assert client.post("/api/ml/train/", json={}, headers=auth(admin)).status_code == 202


def test_the_training_job_builds_the_similarity_index_once_for_all_workers(
    app, client, admin, agent, auth, fresh_registry
):
    add_corpus(per_category=12)
    job = client.post("/api/ml/train/", json={}, headers=auth(admin)).json
    index = job["result"]["similarity_index"]
    assert job["status"] == "succeeded" and index == {"version": "1", "build": index["build"], "tickets": 60}
    run_id = job["result"]["run_id"]
    artifacts = {a.path for a in _mlflow(app).list_artifacts(run_id, "similarity_index")}
    assert {
        "similarity_index/data.npy",
        "similarity_index/ids.npy",
        "similarity_index/meta.json",
    } <= artifacts
    # This worker had no model: it looks at the alias at once instead of answering 503 until the next poll.
    assert client.post("/api/ml/predict/", json=BUG, headers=auth(agent)).status_code == 200
    hits = client.post("/api/ml/similar/", json={**BUG, "top": 3}, headers=auth(agent)).json
    assert len(hits) == 3 and hits[0]["category"] == "bug"
    worker = client.get("/api/ml/model/", headers=auth(agent)).json["worker"]
    assert worker["similarity_index"] == {
        "model_version": "1",
        "build": index["build"],
        "tickets": 60,
        "delta": 0,
    }


def test_a_new_champion_without_an_index_is_served_once_its_index_is_built(
    app, client, admin, agent, auth, fresh_registry
):
    add_corpus(per_category=12)
    assert client.post("/api/ml/train/", json={}, headers=auth(admin)).json["status"] == "succeeded"
    cache = model_cache(app)
    cache.refresh(wait=True)
    assert cache.loaded.version == "1"
    train_model(force=True, trigger="test", user=None)  # champion v2, no index yet (as if built elsewhere)
    cache.refresh(wait=True)
    assert cache.loaded.version == "1" and "version 2" in cache.deferred  # old model and index keep serving
    assert client.post("/api/ml/similar/", json=BUG, headers=auth(agent)).status_code == 200
    response = client.post("/api/ml/promote/", json={"version": 2}, headers=auth(admin))
    assert response.status_code == 200  # promotion queues the index build (inline in tests)
    built = jobs.list_jobs(kind="similarity_index")[0]
    assert built.status == "succeeded" and built.result["version"] == "2" and built.result["tickets"] == 60
    cache.wait_idle()
    cache.refresh(wait=True)
    assert cache.loaded.version == "2" and cache.deferred is None
    hits = client.post("/api/ml/similar/", json=BUG, headers=auth(agent)).json
    assert (
        hits
        and client.get("/api/ml/model/", headers=auth(agent)).json["worker"]["similarity_index"][
            "model_version"
        ]
        == "2"
    )
    assert registry.version_by_alias(registry.CHAMPION).version == "2"


def test_a_retried_training_request_with_the_same_key_queues_one_job(client, admin, auth, fresh_registry):
    add_corpus(per_category=12)
    headers = {**auth(admin), "Idempotency-Key": "train-2026-11-30"}
    first = client.post("/api/ml/train/", json={}, headers=headers)
    retry = client.post("/api/ml/train/", json={}, headers=headers)
    assert first.status_code == retry.status_code == 202
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json["id"] == first.json["id"]
    listed = client.get("/api/ml/jobs/?kind=train", headers=auth(admin)).json
    assert [job["id"] for job in listed] == [first.json["id"]]
