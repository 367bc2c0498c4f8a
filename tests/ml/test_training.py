"""Training through the API and CLI: tracked runs, registered versions, the gate, refusals, rollback."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from mlflow import MlflowClient

from app.extensions import db
from app.ml.locking import training_lock
from app.tickets.models import CATEGORIES, Ticket
from tests.ml.corpus import add_corpus


def _train(client, headers, body=None) -> dict:
    """POST /api/ml/train/ (202; jobs run inline in tests) and read the finished job at its URL."""
    response = client.post("/api/ml/train/", json=body or {}, headers=headers)
    assert response.status_code == 202, response.json
    assert response.headers["Location"] == f"/api/ml/jobs/{response.json['id']}/"
    job = client.get(response.headers["Location"], headers=headers).json
    assert job["status"] in ("succeeded", "failed") and job["kind"] == "train"
    return job


def _client(app) -> MlflowClient:
    uri = app.config["MLFLOW_TRACKING_URI"]
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def test_train_logs_a_run_registers_a_version_and_promotes_the_first(
    app, client, admin, auth, fresh_registry
):
    add_corpus(per_category=14)
    job = _train(client, auth(admin))
    assert job["status"] == "succeeded" and job["requested_by"] == "admin" and job["error"] is None
    body = job["result"]
    assert body["model_name"] == fresh_registry and body["model_version"] == "1"
    assert body["promoted"] is True and body["promotion_reason"] == "no champion yet"
    assert (
        body["n_samples"] == 70 and body["n_classes"] == 5 and sorted(body["classes"]) == sorted(CATEGORIES)
    )
    assert body["metrics"]["macro_f1"] > 0.8 and body["champion_metrics"] is None

    mlflow = _client(app)
    run = mlflow.get_run(body["run_id"])
    assert run.data.params["n_samples"] == "70" and run.data.params["count_bug"] == "14"
    newest = db.session.scalar(sa.select(sa.func.max(Ticket.id)))
    assert run.data.params["data_max_ticket_id"] == str(newest) and "word_min_df" in run.data.params
    assert {"accuracy", "macro_f1", "log_loss", "f1_billing"} <= set(run.data.metrics)
    assert run.data.tags["trigger"] == "api" and run.data.tags["user"] == "admin"
    artifacts = {a.path for a in mlflow.list_artifacts(body["run_id"])}
    assert {"confusion_matrix.png", "classification_report.json"} <= artifacts
    assert str(mlflow.get_model_version_by_alias(fresh_registry, "champion").version) == "1"


def test_force_promotes_whatever_the_gate_says(app, client, admin, auth, fresh_registry):
    add_corpus(per_category=12)
    assert _train(client, auth(admin))["result"]["promoted"] is True
    again = _train(client, auth(admin), {"force": False})["result"]
    assert again["promoted"] is False and "newer than champion v1" in again["promotion_reason"]
    mlflow = _client(app)
    assert str(mlflow.get_model_version_by_alias(fresh_registry, "challenger").version) == "2"
    assert mlflow.get_run(again["run_id"]).data.tags["promoted"] == "false"
    assert mlflow.get_model_version(fresh_registry, "2").tags["promoted"] == "false"
    forced = _train(client, auth(admin), {"force": True})["result"]
    assert forced["promoted"] is True and forced["promotion_reason"] == "forced by the caller"
    assert str(mlflow.get_model_version_by_alias(fresh_registry, "champion").version) == "3"


def test_promote_moves_the_champion_back_and_forth(app, client, runner, admin, agent, auth, fresh_registry):
    add_corpus(per_category=12)
    for _ in range(2):
        _train(client, auth(admin), {"force": True})
    assert client.post("/api/ml/promote/", json={"version": 1}, headers=auth(agent)).status_code == 403
    response = client.post("/api/ml/promote/", json={"version": "1"}, headers=auth(admin))
    assert response.status_code == 200
    assert response.json == {"model_name": fresh_registry, "version": "1", "previous_version": "2"}
    assert client.post("/api/ml/promote/", json={"version": 99}, headers=auth(admin)).status_code == 404
    result = runner.invoke(args=["promote", "2"])
    assert result.exit_code == 0 and "champion is now version 2 (was 1)" in result.output
    assert str(_client(app).get_model_version_by_alias(fresh_registry, "champion").version) == "2"
    model = client.get("/api/ml/model/", headers=auth(agent)).json
    assert model["champion"]["version"] == "2" and "macro_f1" in model["champion"]["metrics"]
    assert sorted(model["champion"]["classes"]) == sorted(CATEGORIES)
    runs = client.get("/api/ml/runs/?limit=1", headers=auth(agent)).json
    assert len(runs) == 1 and runs[0]["tags"]["model_version"] == "2"


def test_cli_train_prints_progress(runner, fresh_registry):
    add_corpus(per_category=12)
    result = runner.invoke(args=["train"])
    assert result.exit_code == 0, result.output
    assert "Selecting a model on" in result.output and "Chose " in result.output
    assert "v1" in result.output and "champion" in result.output
    again = runner.invoke(args=["train", "--if-no-champion"])
    assert again.exit_code == 0 and "version 1 is already champion; not training" in again.output


def test_training_refuses_without_two_big_enough_categories(app, client, admin, auth, fresh_registry):
    add_corpus(per_category=12, categories=("bug",))
    add_corpus(per_category=3, categories=("billing",), seed=8)
    add_corpus(per_category=12, categories=("account",), seed=9, source="model")  # never trained on
    job = _train(client, auth(admin))
    assert job["status"] == "failed" and "at least 2 categories" in job["error"]


def test_small_categories_are_dropped_with_a_warning(app, client, admin, auth, fresh_registry):
    add_corpus(per_category=12, categories=("bug", "billing", "account"))
    add_corpus(per_category=4, categories=("feature",), seed=8)
    body = _train(client, auth(admin))["result"]
    assert sorted(body["classes"]) == ["account", "billing", "bug"]
    assert body["warnings"] and "'feature' dropped" in body["warnings"][0]
    assert "'feature' dropped" in _client(app).get_run(body["run_id"]).data.tags["warnings"]


def test_only_admins_train(client, agent, requester, auth):
    assert client.post("/api/ml/train/", headers=auth(agent)).status_code == 403
    assert client.post("/api/ml/train/", headers=auth(requester)).status_code == 403
    assert client.post("/api/ml/train/").status_code == 401


def test_a_second_training_while_one_runs_gets_409(client, admin, auth, fresh_registry):
    add_corpus(per_category=12)
    with training_lock():
        response = client.post("/api/ml/train/", headers=auth(admin))
    assert response.status_code == 409
    assert "already in progress" in response.json["message"]


def test_file_lock_excludes_a_second_holder_on_sqlite(app, tmp_path):
    from flask import Flask

    from app.errors import Conflict
    from app.ml.locking import _file_lock

    other = Flask("lockcheck", instance_path=str(tmp_path))
    with other.app_context(), _file_lock(), pytest.raises(Conflict), _file_lock():
        raise AssertionError("second holder got the lock")
    with other.app_context(), _file_lock():
        pass  # released


def test_classification_report_is_json(app, client, admin, auth, fresh_registry):
    add_corpus(per_category=10)
    body = _train(client, auth(admin))["result"]
    path = _client(app).download_artifacts(body["run_id"], "classification_report.json")
    with open(path) as handle:
        report = json.load(handle)
    assert "macro avg" in report and "bug" in report
