"""Registering webhook endpoints: admins only, request-forgery guard, CRUD, the admin site pages."""

from __future__ import annotations

import pytest

from app.webhooks.signing import UnsafeURL, check_url
from tests.helpers.forms import login, post_form


@pytest.mark.parametrize("url", ["http://[::ffff:10.0.0.1]/", "http://[fe80::1]/", "http://127.1/"])
def test_disguised_private_addresses_are_refused(url):
    with pytest.raises(UnsafeURL):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_addresses_are_refused_unless_allowed(client, admin, auth, app, monkeypatch, url):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    r = client.post("/api/webhooks/", json={"url": url, "events": ["ticket.created"]}, headers=auth(admin))
    assert r.status_code == 422 and "WEBHOOK_ALLOW_PRIVATE" in r.json["errors"]["url"][0]
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    r = client.post("/api/webhooks/", json={"url": url, "events": ["ticket.created"]}, headers=auth(admin))
    assert r.status_code == 201


def test_public_addresses_are_accepted_and_bad_input_is_422(client, admin, auth, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    h = auth(admin)
    ok = client.post(
        "/api/webhooks/", json={"url": "https://93.184.215.14/h", "events": ["ticket.created"]}, headers=h
    )
    assert ok.status_code == 201 and ok.headers["Location"].endswith(f"/api/webhooks/{ok.json['id']}/")
    for body in (
        {"url": "ftp://93.184.215.14/", "events": ["ticket.created"]},
        {"url": "https://93.184.215.14/", "events": ["ticket.deleted"]},
        {"url": "https://93.184.215.14/", "events": []},
        {"url": "https://93.184.215.14/", "events": ["ticket.created"], "secret": "short"},
        {"url": "https://no-such-host.invalid/", "events": ["ticket.created"]},
    ):
        r = client.post("/api/webhooks/", json=body, headers=h)
        assert r.status_code == 422, body


def test_crud_and_admin_only(client, admin, agent, auth, receiver):
    h = auth(admin)
    created = client.post(
        "/api/webhooks/",
        json={"url": receiver.url, "events": ["ticket.created"], "secret": "x" * 20},
        headers=h,
    ).json
    assert created["secret"] == "x" * 20
    hook_id = created["id"]
    listed = client.get("/api/webhooks/", headers=h).json
    assert [w["id"] for w in listed] == [hook_id] and "secret" not in listed[0]
    r = client.patch(
        f"/api/webhooks/{hook_id}/", json={"events": ["ticket.updated", "ticket.updated"]}, headers=h
    )
    assert r.json["events"] == ["ticket.updated"] and "secret" not in r.json
    assert client.get(f"/api/webhooks/{hook_id}/deliveries/", headers=h).json == []
    assert client.get("/api/webhooks/", headers=auth(agent)).status_code == 403
    assert client.delete(f"/api/webhooks/{hook_id}/", headers=h).status_code == 204
    assert client.get(f"/api/webhooks/{hook_id}/", headers=h).status_code == 404


def test_admin_site_lists_creates_and_shows_deliveries(app, admin, receiver):
    client = app.test_client()
    assert login(client, admin.username).status_code == 302
    page = post_form(
        client,
        "/admin/webhook/new/",
        {"url": receiver.url, "events": ["ticket.created", "ticket.assigned"], "is_active": "y"},
    )
    assert page.status_code == 200
    listing = client.get("/admin/webhook/").get_data(as_text=True)
    assert receiver.url in listing and "ticket.assigned, ticket.created" in listing
    assert client.get("/admin/webhook_delivery/").status_code == 200
