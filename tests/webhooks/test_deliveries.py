"""Webhook deliveries: signed bodies at a real receiver, the outbox across commits and crashes, retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db
from app.tickets import service as tickets
from app.timeutil import as_utc, utcnow
from app.webhooks import delivery as delivery_module
from app.webhooks import tasks
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookEndpoint

TICKET = {"title": "Charged twice", "description": "Two payments for one invoice.", "priority": "HIGH"}


def _verify(headers: dict[str, str], body: bytes, secret: str) -> dict:
    timestamp = headers["X-Webhook-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Webhook-Signature"], f"sha256={expected}")
    assert abs(int(timestamp) - int(utcnow().timestamp())) < 60
    return json.loads(body)


def test_ticket_changes_arrive_signed_in_order(client, agent, auth, endpoint, receiver):
    h = auth(agent)
    created = client.post("/api/tickets/", json=TICKET, headers=h).json
    ticket_id = created["id"]
    client.post(f"/api/tickets/{ticket_id}/assign/", json={"assigned_to": agent.id}, headers=h)
    client.post(f"/api/tickets/{ticket_id}/transition/", json={"status": "IN_PROGRESS"}, headers=h)
    etag = client.get(f"/api/tickets/{ticket_id}/", headers=h).headers["ETag"]
    client.patch(f"/api/tickets/{ticket_id}/", json={"priority": "LOW"}, headers={**h, "If-Match": etag})
    bodies = [_verify(headers, body, "s" * 32) for headers, body in receiver.requests]
    assert [b["event"] for b in bodies] == [
        "ticket.created",
        "ticket.assigned",
        "ticket.transitioned",
        "ticket.updated",
    ]
    assert len({b["id"] for b in bodies}) == 4
    assert bodies[0]["data"] == created
    assert bodies[2]["data"]["status"] == "IN_PROGRESS" and bodies[3]["data"]["priority"] == "LOW"
    assert receiver.requests[0][0]["X-Webhook-Event"] == "ticket.created"
    log = client.get(f"/api/webhooks/{endpoint[0]['id']}/deliveries/", headers=endpoint[1]).json
    assert [d["status"] for d in log] == ["delivered"] * 4 and all(d["attempts"] == 1 for d in log)
    assert {d["id"] for d in log} == {b["id"] for b in bodies}


def test_only_subscribed_events_are_sent(client, admin, agent, auth, receiver):
    body = {"url": receiver.url, "events": ["ticket.transitioned"]}
    hook = client.post("/api/webhooks/", json=body, headers=auth(admin)).json
    assert hook["secret"].startswith("whsec_")
    h = auth(agent)
    ticket_id = client.post("/api/tickets/", json=TICKET, headers=h).json["id"]
    client.post(f"/api/tickets/{ticket_id}/transition/", json={"status": "RESOLVED"}, headers=h)
    assert [json.loads(b)["event"] for _, b in receiver.requests] == ["ticket.transitioned"]
    _verify(*receiver.requests[0], hook["secret"])


def test_a_rolled_back_change_sends_nothing(agent, endpoint, receiver, make_ticket):
    ticket = make_ticket()
    tickets.update_ticket(user=agent, ticket=ticket, title="never saved")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == 1  # in the transaction
    db.session.rollback()
    tasks.sweep()
    assert receiver.requests == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == 0


def test_a_committed_change_is_sent_even_if_the_dispatcher_was_never_queued(
    client, agent, auth, endpoint, receiver, monkeypatch
):
    def crash() -> None:
        raise ConnectionError("queue down")

    with monkeypatch.context() as patched:
        patched.setattr(tasks, "dispatch_outbox", crash)
        assert client.post("/api/tickets/", json=TICKET, headers=auth(agent)).status_code == 201
    assert receiver.requests == []
    tasks.sweep()
    assert [json.loads(b)["event"] for _, b in receiver.requests] == ["ticket.created"]


def _make_due() -> None:
    db.session.execute(sa.update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_failures_are_retried_with_backoff_then_given_up(client, agent, auth, endpoint, receiver):
    receiver.statuses = [500, 503]
    client.post("/api/tickets/", json=TICKET, headers=auth(agent))
    row = db.session.scalars(sa.select(WebhookDelivery)).one()
    wait = as_utc(row.next_attempt_at) - utcnow()
    assert row.status == "pending" and row.attempts == 1 and row.last_status_code == 500
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    tasks.sweep()  # not due yet: nothing sent
    assert len(receiver.requests) == 1
    _make_due()
    tasks.sweep()
    db.session.refresh(row)
    assert row.attempts == 2 and row.last_error == "HTTP 503"
    assert timedelta(minutes=4) < as_utc(row.next_attempt_at) - utcnow() <= timedelta(minutes=5)
    _make_due()
    tasks.sweep()
    db.session.refresh(row)
    assert row.status == "delivered" and row.attempts == 3 and len(receiver.requests) == 3
    assert len({json.loads(b)["id"] for _, b in receiver.requests}) == 1  # same id on every retry
    assert sum(delivery_module.BACKOFF, timedelta()) > timedelta(hours=20)

    receiver.statuses = [500] * 20
    client.post("/api/tickets/", json=TICKET, headers=auth(agent))
    for _ in range(len(delivery_module.BACKOFF)):
        _make_due()
        tasks.sweep()
    last = db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.id != row.id)).one()
    assert last.status == "failed" and last.attempts == 1 + len(delivery_module.BACKOFF)
    assert last.next_attempt_at is None


def test_an_endpoint_is_disabled_after_repeated_failures(
    client, agent, auth, endpoint, receiver, monkeypatch
):
    monkeypatch.setattr(delivery_module, "DISABLE_AFTER_FAILURES", 3)
    receiver.statuses = [500] * 10
    for _ in range(3):
        client.post("/api/tickets/", json=TICKET, headers=auth(agent))
    hook_id, admin_headers = endpoint[0]["id"], endpoint[1]
    hook = client.get(f"/api/webhooks/{hook_id}/", headers=admin_headers).json
    assert hook["is_active"] is False and "3 failed attempts" in hook["disabled_reason"]
    _make_due()
    tasks.sweep()
    assert len(receiver.requests) == 3  # nothing more is sent to a disabled endpoint
    failed = client.get(f"/api/webhooks/{hook_id}/deliveries/?status=failed", headers=admin_headers).json
    assert len(failed) == 3
    again = client.patch(f"/api/webhooks/{hook_id}/", json={"is_active": True}, headers=admin_headers)
    assert again.json["is_active"] is True and again.json["consecutive_failures"] == 0


def test_concurrent_attempts_deliver_once(agent, endpoint, receiver, make_ticket, app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL (concurrent connections)")
    receiver.statuses = [500]
    ticket = make_ticket()
    tickets.transition_ticket(user=agent, ticket=ticket, status="IN_PROGRESS")
    db.session.commit()
    row_id = db.session.scalars(sa.select(WebhookDelivery.id)).one()
    for _ in range(3):  # bounded rounds of two workers racing for the same due delivery
        _make_due()
        db.session.execute(sa.update(WebhookDelivery).values(status="pending"))
        db.session.commit()
        barrier, outcomes = threading.Barrier(2), []

        def worker(barrier: threading.Barrier = barrier, outcomes: list = outcomes) -> None:
            with app.app_context(), Session(db.engine) as session:
                barrier.wait(timeout=10)
                outcomes.append(delivery_module.attempt(session, row_id))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes, key=str) == [None, "delivered"]
    assert len(receiver.requests) == 4  # the first failed attempt, then one per round
    assert tasks.deliver(row_id).get() is None  # a duplicate job for a delivered one is a no-op


def test_model_promotion_is_an_event(app, endpoint, receiver):
    from app.ml.signals import announce_promotion

    announce_promotion(version="7", reason="forced")
    body = _verify(*receiver.requests[0], "s" * 32)
    assert body["event"] == "model.promoted"
    assert body["data"] == {"model_name": app.config["MODEL_NAME"], "version": "7", "reason": "forced"}


@pytest.mark.parametrize("endpoint_count", [2])
def test_every_subscribed_endpoint_gets_its_own_delivery(
    client, admin, agent, auth, receiver, endpoint_count
):
    for _ in range(endpoint_count):
        client.post(
            "/api/webhooks/", json={"url": receiver.url, "events": ["ticket.created"]}, headers=auth(admin)
        )
    client.post("/api/tickets/", json=TICKET, headers=auth(agent))
    assert len(receiver.requests) == endpoint_count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == endpoint_count
