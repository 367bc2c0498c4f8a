"""Live quality: model categories never become labels, the prediction log, feedback, re-triage, digests."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.ml import registry
from app.ml.dataset import load_labelled
from app.ml.models import PredictionRecord
from app.ml.serving import model_cache
from app.tickets.models import Ticket

BUG = {
    "title": "App crashes on save",
    "description": "The editor crashes with an error 500 when I click save.",
}
BILLING = {"title": "Refund please", "description": "You charged my credit card twice for the same invoice."}


def _put(client, agent, auth, ticket_id: int, changes: dict) -> dict:
    headers = auth(agent)
    etag = client.get(f"/api/tickets/{ticket_id}/", headers=headers).headers.get("ETag")
    response = client.patch(
        f"/api/tickets/{ticket_id}/", json=changes, headers={**headers, "If-Match": etag or "*"}
    )
    assert response.status_code == 200, response.json
    return response.json


def test_predictions_carry_the_version_and_explain_themselves(client, agent, auth, make_ticket, serving):
    response = client.post("/api/ml/predict/", json=BUG, headers=auth(agent))
    assert response.headers["X-Model-Version"] == serving.version == response.json["model_version"]
    assert response.json["explanation"] and set(response.json["explanation"]) & {
        "crashes",
        "error",
        "500",
        "save",
    }
    assert 0 <= response.json["threshold"] <= 1.01
    ticket = make_ticket(**BUG)
    response = client.post(f"/api/tickets/{ticket.id}/ml_predict/", headers=auth(agent))
    assert response.headers["X-Model-Version"] == serving.version and response.json["explanation"]


def test_sending_back_the_model_category_does_not_make_it_a_label(client, agent, auth, make_ticket, serving):
    ticket = make_ticket(**BUG)
    assert client.post(f"/api/tickets/{ticket.id}/ml_predict/", headers=auth(agent)).json["applied"] is True
    body = _put(client, agent, auth, ticket.id, {"category": "bug", "priority": "HIGH"})
    assert (body["category"], body["category_source"]) == ("bug", "model")
    frame, _ = load_labelled()
    assert ticket.id not in set(frame["id"])
    confirmed = client.post(f"/api/tickets/{ticket.id}/category/confirm/", headers=auth(agent))
    assert confirmed.status_code == 200 and confirmed.json["category_source"] == "human"
    frame, _ = load_labelled()
    assert ticket.id in set(frame["id"])
    again = client.post(f"/api/tickets/{ticket.id}/category/confirm/", headers=auth(agent))
    assert again.status_code == 409


def test_every_ticket_prediction_is_logged_with_the_ticket_change(client, agent, requester, auth, serving):
    created = client.post("/api/tickets/", json=BUG, headers=auth(requester)).json
    client.post(f"/api/tickets/{created['id']}/ml_predict/", headers=auth(agent))
    rows = db.session.scalars(
        sa.select(PredictionRecord).where(PredictionRecord.ticket_id == created["id"])
    ).all()
    assert [r.source for r in rows] == ["auto_triage", "ml_predict"]
    first = rows[0]
    assert first.model_version == serving.version and first.applied is True and first.category == "bug"
    assert first.top_classes[0][0] == "bug" and len(first.top_classes) == 3


def test_feedback_is_counted_per_version_and_class(
    app, client, runner, agent, requester, auth, make_ticket, serving
):
    confirmed = make_ticket(**BUG)
    overridden = make_ticket(**BILLING)
    for ticket in (confirmed, overridden):
        client.post(f"/api/tickets/{ticket.id}/ml_predict/", headers=auth(agent))
    client.post(f"/api/tickets/{confirmed.id}/category/confirm/", headers=auth(agent))
    _put(client, agent, auth, overridden.id, {"category": "account"})
    assert client.get("/api/ml/performance/?days=7", headers=auth(requester)).status_code == 403
    assert client.get("/api/ml/performance/?days=0", headers=auth(agent)).status_code == 422
    (version,) = client.get("/api/ml/performance/?days=7", headers=auth(agent)).json
    assert version["model_version"] == serving.version
    assert (version["predictions"], version["applied"], version["confirmed"], version["overridden"]) == (
        2,
        2,
        1,
        1,
    )
    assert version["live_precision"] == 0.5 and version["override_rate"] == 0.5
    assert version["classes"]["bug"]["confirmed"] == 1 and version["classes"]["billing"]["overridden"] == 1
    row = db.session.scalar(sa.select(PredictionRecord).where(PredictionRecord.ticket_id == overridden.id))
    assert (row.feedback, row.feedback_category) == ("overridden", "account")

    assert runner.invoke(args=["ml", "log-performance", "--days", "7"]).exit_code == 0
    run = registry._client().get_run(serving.run_id)
    assert run.data.metrics["live_precision"] == 0.5 and run.data.metrics["live_override_rate_billing"] == 1.0


def test_retriage_fills_open_uncategorised_tickets_and_leaves_human_labels(app, runner, make_ticket, serving):
    human = make_ticket(**BUG, category="billing", category_source="human")
    empty = make_ticket(**BUG)
    closed = make_ticket(**BUG, status="CLOSED")
    result = runner.invoke(args=["ml", "retriage"])
    assert result.exit_code == 0, result.output
    assert f"Version {serving.version}: 1 examined, 1 categorised." in result.output
    db.session.expire_all()
    assert (db.session.get(Ticket, human.id).category, db.session.get(Ticket, human.id).category_source) == (
        "billing",
        "human",
    )
    assert db.session.get(Ticket, empty.id).category == "bug"
    assert db.session.get(Ticket, closed.id).category is None
    assert db.session.scalar(
        sa.select(PredictionRecord.source).where(PredictionRecord.ticket_id == empty.id)
    ) == ("retriage")


def test_a_version_whose_artifact_changed_or_was_not_signed_is_refused(app, serving):
    mlflow = registry._client()
    name = app.config["MODEL_NAME"]
    digest = mlflow.get_model_version(name, serving.version).tags["artifact_sha256"]
    assert registry.load_version(serving.version) is not None
    mlflow.set_model_version_tag(name, serving.version, "artifact_sha256", "0" * 64)
    try:
        model_cache(app).loaded = None
        try:
            registry.load_version(serving.version)
            raise AssertionError("a tampered version loaded")
        except registry.UntrustedModel as exc:
            assert "does not match the digest" in str(exc)
        mlflow.delete_model_version_tag(name, serving.version, "trained_by")
        try:
            registry.load_version(serving.version)
            raise AssertionError("an unsigned version loaded")
        except registry.UntrustedModel as exc:
            assert "not trained by this service" in str(exc)
    finally:
        mlflow.set_model_version_tag(name, serving.version, "artifact_sha256", digest)
        mlflow.set_model_version_tag(name, serving.version, "trained_by", "ticket-intelligence")
