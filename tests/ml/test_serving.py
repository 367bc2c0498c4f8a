"""Serving: 503 without a model, predictions and their provenance, auto-triage, similar tickets, readiness,
workers that wait for the first model load."""

from __future__ import annotations

import logging
import runpy
import threading
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from app.extensions import db
from app.ml.models import PredictionRecord
from app.ml.serving import ModelCache, model_cache
from app.tickets.models import TicketEvent
from app.webhooks.models import OutboxEvent, WebhookEndpoint
from app.webhooks.outbox import subscriptions

BUG = {
    "title": "App crashes on save",
    "description": "The editor crashes with an error 500 when I click save.",
}


def test_without_a_model_ml_answers_503_and_the_rest_works(client, agent, auth, make_ticket, fresh_registry):
    ticket = make_ticket()
    for method, url, body in (
        ("post", "/api/ml/predict/", BUG),
        ("post", f"/api/tickets/{ticket.id}/ml_predict/", {}),
        ("get", f"/api/tickets/{ticket.id}/similar/", None),
    ):
        response = getattr(client, method)(url, json=body, headers=auth(agent))
        assert response.status_code == 503 and "No classification model is loaded" in response.json["message"]
    assert client.get("/api/tickets/", headers=auth(agent)).status_code == 200
    created = client.post("/api/tickets/", json=BUG, headers=auth(agent))
    assert created.status_code == 201 and created.json["category"] is None
    ready = client.get("/health/ready").json
    assert ready["status"] == "degraded" and ready["components"]["model"]["status"] == "degraded"


def test_free_text_prediction_writes_nothing(client, requester, auth, serving):
    response = client.post("/api/ml/predict/", json=BUG, headers=auth(requester))
    assert response.status_code == 200
    body = response.json
    assert body["category"] == "bug" and body["abstained"] is False and body["applied"] is False
    assert body["model_version"] == serving.version and abs(sum(body["probabilities"].values()) - 1) < 1e-6
    assert body["confidence"] == max(body["probabilities"].values())
    assert client.post("/api/ml/predict/", json={"title": " "}, headers=auth(requester)).status_code == 422


def test_ml_predict_sets_a_model_category_with_an_event(client, agent, requester, auth, make_ticket, serving):
    ticket = make_ticket(**BUG)
    assert client.post(f"/api/tickets/{ticket.id}/ml_predict/", headers=auth(requester)).status_code == 403
    body = client.post(f"/api/tickets/{ticket.id}/ml_predict/", json={}, headers=auth(agent)).json
    assert body["ticket_id"] == ticket.id and body["category"] == "bug" and body["applied"] is True
    shown = client.get(f"/api/tickets/{ticket.id}/", headers=auth(agent)).json
    assert (shown["category"], shown["category_source"]) == ("bug", "model")
    event = db.session.scalar(sa.select(TicketEvent).where(TicketEvent.kind == "category"))
    assert (event.to_value, event.source, event.actor_id) == ("bug", "model", None)
    assert client.post("/api/tickets/999/ml_predict/", headers=auth(agent)).status_code == 404


def test_ml_predict_abstains_below_the_threshold(app, client, agent, auth, make_ticket, serving):
    app.config["ML_MIN_CONFIDENCE"] = 1.01  # a floor above any probability
    ticket = make_ticket(**BUG)
    body = client.post(f"/api/tickets/{ticket.id}/ml_predict/", headers=auth(agent)).json
    assert body["abstained"] is True and body["applied"] is False
    assert client.get(f"/api/tickets/{ticket.id}/", headers=auth(agent)).json["category"] is None


def test_human_category_is_kept_unless_overwrite(client, agent, auth, make_ticket, serving):
    ticket = make_ticket(**BUG, category="billing", category_source="human")
    body = client.post(f"/api/tickets/{ticket.id}/ml_predict/", json={}, headers=auth(agent)).json
    assert body["category"] == "bug" and body["applied"] is False
    assert client.get(f"/api/tickets/{ticket.id}/", headers=auth(agent)).json["category"] == "billing"
    body = client.post(
        f"/api/tickets/{ticket.id}/ml_predict/", json={"overwrite": True}, headers=auth(agent)
    ).json
    assert body["applied"] is True
    assert client.get(f"/api/tickets/{ticket.id}/", headers=auth(agent)).json["category_source"] == "model"


def test_auto_triage_classifies_new_tickets(app, client, requester, agent, auth, serving):
    created = client.post("/api/tickets/", json=BUG, headers=auth(requester)).json
    assert (created["category"], created["category_source"]) == ("bug", "model")
    labelled = client.post("/api/tickets/", json={**BUG, "category": "other"}, headers=auth(agent)).json
    assert (labelled["category"], labelled["category_source"]) == ("other", "human")
    app.config["ML_AUTO_TRIAGE"] = False
    assert client.post("/api/tickets/", json=BUG, headers=auth(requester)).json["category"] is None


def test_an_auto_triaged_ticket_is_announced_created_then_categorized(app, client, requester, auth, serving):
    events = ["ticket.created", "ticket.categorized"]
    db.session.add(WebhookEndpoint(url="http://127.0.0.1:9/hook", secret="s" * 32, events=events))
    db.session.commit()
    subscriptions(app).forget()
    created = client.post("/api/tickets/", json=BUG, headers=auth(requester)).json
    history = db.session.scalars(sa.select(TicketEvent).order_by(TicketEvent.id)).all()
    assert [(e.kind, e.to_value, e.source, e.actor_id) for e in history] == [
        ("created", "OPEN", None, requester.id),
        ("category", "bug", "model", None),  # the model's, not the requester's
    ]
    logged = db.session.scalars(sa.select(PredictionRecord)).all()
    assert [(p.ticket_id, p.category, p.applied, p.source) for p in logged] == [
        (created["id"], "bug", True, "auto_triage")
    ]
    outbox = db.session.scalars(sa.select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [row.event for row in outbox] == events
    assert outbox[0].data["category"] == "bug" and outbox[0].data["version"] == created["version"] == 1


def test_auto_triage_failure_never_breaks_ticket_creation(app, client, requester, auth, serving):
    class Broken:
        classes_ = serving.classes

        def predict_proba(self, frame):
            raise RuntimeError("model exploded")

    model_cache(app).loaded = type(serving)(**{**serving.__dict__, "pipeline": Broken()})
    response = client.post("/api/tickets/", json=BUG, headers=auth(requester))
    assert response.status_code == 201 and response.json["category"] is None


def test_auto_triage_skips_a_class_tickets_cannot_hold(app, client, requester, auth, serving):
    renamed = ["nonsense" if c == "bug" else c for c in serving.classes]
    model_cache(app).loaded = type(serving)(**{**serving.__dict__, "classes": renamed})
    response = client.post("/api/tickets/", json=BUG, headers=auth(requester))
    assert response.status_code == 201 and response.json["category"] is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PredictionRecord)) == 0
    assert db.session.scalar(sa.select(TicketEvent).where(TicketEvent.kind == "category")) is None


def test_creating_a_ticket_with_auto_triage_is_one_insert_without_savepoint_update_or_reload(
    app, client, requester, auth, serving
):
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper())
        full.append(" ".join(statement.split()[:2]))

    full: list[str] = []
    headers = auth(requester)
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        created = client.post("/api/tickets/", json=BUG, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert created.status_code == 201 and created.json["category_source"] == "model"
    assert "SAVEPOINT" not in statements and "RELEASE" not in statements
    assert "UPDATE tickets" not in full  # the INSERT carries the model's category and the due times
    assert created.json["first_response_due_at"] and created.json["resolution_due_at"]
    assert statements[-1] != "SELECT"  # the response is the ticket as written, not reloaded after COMMIT


def test_auto_triage_does_not_explain(app, client, requester, auth, serving, monkeypatch):
    from app.ml import service

    def refuse(*args, **kwargs):
        raise AssertionError("auto-triage computed an explanation nobody reads")

    monkeypatch.setattr(service, "explain_features", refuse)
    created = client.post("/api/tickets/", json=BUG, headers=auth(requester)).json
    assert (created["category"], created["category_source"]) == ("bug", "model")


def test_similar_finds_a_ticket_created_a_moment_ago(client, agent, auth, make_ticket, serving):
    first = make_ticket(**BUG)
    make_ticket(title="Refund please", description="You charged my credit card twice.")
    assert client.get(f"/api/tickets/{first.id}/similar/", headers=auth(agent)).json == []
    twin = client.post(
        "/api/tickets/",
        json={"title": "Crash when saving", "description": "The editor crashes with error 500 on save."},
        headers=auth(agent),
    ).json
    hits = client.get(f"/api/tickets/{first.id}/similar/?top=5", headers=auth(agent)).json
    assert [h["id"] for h in hits] == [twin["id"]]
    assert 0 < hits[0]["score"] <= 1 and hits[0]["category"] == "bug" and hits[0]["status"] == "OPEN"


def test_similar_is_ranked_and_limited_to_what_the_caller_may_see(
    client, agent, requester, make_user, auth, make_ticket, serving
):
    other = make_user(username="someone")
    mine = make_ticket(created_by=requester, **BUG)
    own_close = make_ticket(
        created_by=requester, title="Crash on save", description="It crashes with error 500."
    )
    make_ticket(created_by=other, **BUG)
    own_far = make_ticket(created_by=requester, title="Editor", description="The editor is slow to save.")
    hits = client.get(f"/api/tickets/{mine.id}/similar/", headers=auth(requester)).json
    assert [h["id"] for h in hits] == [own_close.id, own_far.id]
    assert hits[0]["score"] >= hits[1]["score"]
    staff_hits = client.get(f"/api/tickets/{mine.id}/similar/?top=1", headers=auth(agent)).json
    assert len(staff_hits) == 1 and staff_hits[0]["id"] != mine.id
    text_hits = client.post("/api/ml/similar/", json={**BUG, "top": 20}, headers=auth(requester)).json
    assert {h["id"] for h in text_hits} == {mine.id, own_close.id, own_far.id}


def test_similar_validates_top_and_visibility(client, requester, agent, auth, make_ticket, serving):
    ticket = make_ticket(**BUG)
    for top in (0, 21, "x"):
        assert (
            client.get(f"/api/tickets/{ticket.id}/similar/?top={top}", headers=auth(agent)).status_code == 422
        )
    assert client.get(f"/api/tickets/{ticket.id}/similar/", headers=auth(requester)).status_code == 404


def test_similar_follows_edits_and_deletions(client, agent, admin, auth, make_ticket, serving):
    anchor = make_ticket(**BUG)
    other = make_ticket(title="Refund please", description="You charged my credit card twice.")
    client.get(f"/api/tickets/{anchor.id}/similar/", headers=auth(agent))  # builds the index
    etag = client.get(f"/api/tickets/{other.id}/", headers=auth(agent)).headers["ETag"]
    client.patch(f"/api/tickets/{other.id}/", json=BUG, headers={**auth(agent), "If-Match": etag})
    assert [h["id"] for h in client.get(f"/api/tickets/{anchor.id}/similar/", headers=auth(agent)).json] == [
        other.id
    ]
    etag = client.get(f"/api/tickets/{other.id}/", headers=auth(admin)).headers["ETag"]
    client.delete(f"/api/tickets/{other.id}/", headers={**auth(admin), "If-Match": etag})
    assert client.get(f"/api/tickets/{anchor.id}/similar/", headers=auth(agent)).json == []


def test_readiness_reports_a_stale_model_but_stays_ready(app, client, serving):
    app.config["MLFLOW_TRACKING_URI"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    cache = model_cache(app)
    assert cache.refresh() is True
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json["components"]["model"] == {"status": "degraded"}  # details only for the authenticated
    state = cache.state()
    assert state["loaded_version"] == serving.version and state["stale"] is True and state["last_error"]
    assert client.post("/api/ml/predict/", json=BUG, headers={}).status_code == 401


def test_admin_dashboard_shows_the_production_model(client, admin, serving):
    from tests.helpers.forms import login

    login(client, "admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Production model" in page and f"{serving.name} v{serving.version}" in page


def test_a_started_cache_says_when_its_first_model_check_is_done(app, monkeypatch):
    cache = ModelCache(app)
    assert cache.wait_started(0)  # no background load: nothing to wait for
    release = threading.Event()
    monkeypatch.setattr(cache, "_check", lambda: release.wait(5))
    cache.start()
    try:
        assert not cache.wait_started(0.1)  # still importing and loading
        release.set()
        assert cache.wait_started(5)
    finally:
        cache.stop()


def test_gunicorn_workers_take_requests_once_the_first_model_check_is_done(app, monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # the config module sets it
    config = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    waited: list[float] = []
    cache = app.extensions["ml_model"]
    monkeypatch.setattr(cache, "wait_started", lambda timeout: waited.append(timeout) or True)
    worker = SimpleNamespace(wsgi=app, cfg=SimpleNamespace(timeout=30), log=logging.getLogger("gunicorn"))
    config["post_worker_init"](worker)
    assert waited == [15]  # bounded: a registry that hangs cannot keep the worker from its heartbeat
