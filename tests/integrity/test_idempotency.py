"""Idempotency-Key on POSTs that create: a retry replays the first answer and creates nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import ApiToken
from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.tickets.models import Ticket
from tests.factories import PASSWORD
from tests.helpers.races import race

BODY = {"title": "Invoice twice", "description": "I was charged twice."}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(client, requester, auth):
    headers = {**auth(requester), "Idempotency-Key": "order-42"}
    first = client.post("/api/tickets/", json=BODY, headers=headers)
    retry = client.post("/api/tickets/", json=dict(reversed(BODY.items())), headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(Ticket) == 1


def test_the_same_key_with_another_body_is_refused(client, requester, auth):
    headers = {**auth(requester), "Idempotency-Key": "order-42"}
    assert client.post("/api/tickets/", json=BODY, headers=headers).status_code == 201
    other = client.post("/api/tickets/", json={**BODY, "priority": "HIGH"}, headers=headers)
    assert other.status_code == 422
    body = other.get_json()
    assert body["code"] == 422 and "different request" in body["message"]
    assert _count(Ticket) == 1


def test_keys_are_per_user(client, requester, make_user, auth):
    someone = make_user()
    for user in (requester, someone):
        response = client.post("/api/tickets/", json=BODY, headers={**auth(user), "Idempotency-Key": "k"})
        assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert _count(Ticket) == 2


def test_a_failed_request_does_not_use_up_its_key(client, requester, auth):
    headers = {**auth(requester), "Idempotency-Key": "retry-me"}
    assert client.post("/api/tickets/", json={"title": ""}, headers=headers).status_code == 422
    assert client.post("/api/tickets/", json=BODY, headers=headers).status_code == 201
    assert _count(Ticket) == 1


def test_expired_keys_are_purged_and_can_be_used_again(app, client, requester, auth):
    headers = {**auth(requester), "Idempotency-Key": "old"}
    first = client.post("/api/tickets/", json=BODY, headers=headers)
    old = app.config["IDEMPOTENCY_KEY_TTL_HOURS"] + 1
    db.session.execute(
        sa.update(IdempotencyKey).values(created_at=IdempotencyKey.created_at - timedelta(hours=old))
    )
    db.session.commit()
    again = client.post("/api/tickets/", json=BODY, headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] != first.get_json()["id"]
    assert _count(IdempotencyKey) == 1


def test_an_invalid_key_is_a_400_in_the_error_shape(client, requester, auth):
    response = client.post(
        "/api/tickets/", json=BODY, headers={**auth(requester), "Idempotency-Key": "x" * 256}
    )
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"Idempotency-Key": ["Invalid key."]}


def test_token_creation_is_idempotent_and_the_replay_withholds_the_secret(client, requester):
    headers = {"Idempotency-Key": "token-1"}
    first = client.post(
        "/api/auth/tokens/", json={"name": "ci"}, auth=(requester.username, PASSWORD), headers=headers
    )
    retry = client.post(
        "/api/auth/tokens/", json={"name": "ci"}, auth=(requester.username, PASSWORD), headers=headers
    )
    assert first.status_code == retry.status_code == 201
    assert first.get_json()["token"] and "token" not in retry.get_json()
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert _count(ApiToken) == 1
    stored = db.session.scalar(sa.select(IdempotencyKey.response_body))
    assert first.get_json()["token"] not in stored


@pytest.mark.slow
def test_concurrent_requests_with_one_key_create_one_ticket(app, postgres_only, requester, auth):
    headers = {**auth(requester), "Idempotency-Key": "burst"}
    for round_ in range(10):
        headers["Idempotency-Key"] = f"burst-{round_}"
        calls = [lambda c: c.post("/api/tickets/", json=BODY, headers=headers)] * 4
        results = race(app, calls)
        assert [r.status_code for r in results] == [201] * 4, f"round {round_}"
        assert len({r.get_json()["id"] for r in results}) == 1
        assert sum("Idempotent-Replayed" not in r.headers for r in results) == 1
    assert _count(Ticket) == 10
