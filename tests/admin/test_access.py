"""Who gets into /admin/: session login, 403 for non-admins, CSRF, logout, and the API staying stateless."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD
from tests.helpers.forms import csrf_token, login

ADMIN_PAGES = [
    "/admin/",
    "/admin/ticket/",
    "/admin/ticket_event/",
    "/admin/deletion/",
    "/admin/user/",
    "/admin/api_token/",
    "/admin/user/new/",
    "/admin/ticket/new/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/?next=")


def test_anonymous_form_posts_do_not_reach_the_views(client, make_ticket):
    ticket = make_ticket(priority="LOW")
    response = client.post(f"/admin/ticket/edit/?id={ticket.id}", data={"priority": "URGENT"})
    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]
    assert ticket.priority == "LOW"


def test_an_admin_logs_in_and_returns_to_the_page_asked_for(client, admin):
    response = login(client, "admin", next_url="/admin/ticket/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/ticket/"
    page = client.get("/admin/ticket/")
    assert page.status_code == 200
    assert "admin (admin)" in page.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin/", "/api/users/me/"])
def test_login_never_redirects_off_the_admin_site(client, admin, target):
    response = login(client, "admin", next_url=target)
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["agent", "requester"])
def test_logged_in_non_admins_get_403(app, make_user, role, url):
    make_user(role=role, username="someone")
    client = app.test_client()
    assert login(client, "someone").status_code == 302
    response = client.get(url)
    assert response.status_code == 403
    assert "403 Forbidden" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admins_get_every_page(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_failed_logins_do_not_say_which_field_was_wrong(client, admin):
    wrong_password = login(client, "admin", "not the password at all").get_data(as_text=True)
    unknown_user = login(client, "nobody", PASSWORD).get_data(as_text=True)
    messages = [
        page.split('id="login-error">')[1].split("</div>")[0].strip()
        for page in (wrong_password, unknown_user)
    ]
    assert messages == ["Invalid username or password."] * 2
    assert client.get("/admin/").status_code == 302


def test_a_deactivated_admin_cannot_log_in(client, make_user):
    make_user(role="admin", username="gone", is_active=False)
    response = login(client, "gone")
    assert response.status_code == 200
    assert "Invalid username or password." in response.get_data(as_text=True)


def test_the_login_form_rejects_a_post_without_its_csrf_token(client, admin):
    response = client.post("/admin/login/", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 200
    assert "please try again" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_model_forms_reject_a_post_without_its_csrf_token(admin_client, make_ticket):
    ticket = make_ticket(title="Original", priority="LOW")
    form = {
        "title": "Changed",
        "description": "x",
        "status": "OPEN",
        "priority": "URGENT",
        "category": "",
        "assigned_to_id": "",
    }
    response = admin_client.post(f"/admin/ticket/edit/?id={ticket.id}", data=form)
    assert response.status_code == 200
    assert "nothing was saved" in response.get_data(as_text=True)
    assert (ticket.title, ticket.priority) == ("Original", "LOW")


def test_the_session_cookie_is_httponly_and_samesite_lax(client, admin):
    response = login(client, "admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_when_configured_for_https(app, admin):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = login(app.test_client(), "admin")
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_logout_is_a_csrf_protected_post(admin_client):
    assert admin_client.get("/admin/logout/").status_code == 405
    admin_client.post("/admin/logout/", data={})
    assert admin_client.get("/admin/").status_code == 200, "a forged logout must not end the session"
    token = csrf_token(admin_client.get("/admin/").get_data(as_text=True), logout=True)
    response = admin_client.post("/admin/logout/", data={"csrf_token": token})
    assert response.headers["Location"] == "/admin/login/"
    assert admin_client.get("/admin/").status_code == 302


def test_the_admin_session_does_not_authenticate_the_api(admin_client):
    assert admin_client.get("/admin/").status_code == 200
    me = admin_client.get("/api/users/me/")
    assert me.status_code == 401
    created = admin_client.post("/api/tickets/", json={"title": "From a cookie", "description": "CSRF?"})
    assert created.status_code == 401


def test_the_api_still_works_with_a_token_while_logged_in(admin_client, admin, auth):
    response = admin_client.get("/api/users/me/", headers=auth(admin))
    assert response.status_code == 200
    assert response.get_json()["username"] == "admin"


def test_deactivation_ends_the_admin_session_on_the_next_request(admin_client, admin):
    from app.extensions import db

    admin.is_active = False
    db.session.commit()
    assert admin_client.get("/admin/").status_code == 302


def test_pages_load_their_assets_from_this_server_only(admin_client):
    html = admin_client.get("/admin/ticket/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css)[^"]*)"', html)
    assert assets, "expected the Bootstrap/jQuery assets"
    assert all(url.startswith("/admin/static/") for url in assets), assets
    for url in assets:
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "url,status",
    [
        ("/admin/ticket/edit/?id=99999999999", 302),  # back to the list: "record does not exist"
        ("/admin/user/edit/?id=abc", 302),
        ("/admin/ticket_event/?flt0_0=99999999999", 200),  # an empty list
        ("/admin/ticket/?flt3_0=99999999999", 200),
    ],
)
def test_absurd_ids_are_not_server_errors(admin_client, url, status):
    assert admin_client.get(url).status_code == status
