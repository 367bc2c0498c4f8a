"""Users and API tokens in the admin: list, create, roles, deactivation, the last-admin rule, revocation."""

from __future__ import annotations

import re
from html import unescape

import sqlalchemy as sa

from app.auth import service as auth_service
from app.auth.models import ApiToken, User
from app.auth.passwords import verify_password
from app.extensions import db
from tests.factories import PASSWORD
from tests.helpers.forms import login, post_form

NEW_PASSWORD = "a brand new passphrase"


def listed(html: str, column: str) -> list[str]:
    cells = re.findall(rf'<td class="col-{column}">\s*(.*?)\s*</td>', html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


def usernames(client, query: str = "") -> list[str]:
    return listed(client.get(f"/admin/user/?{query}").get_data(as_text=True), "username")


def edit_user(client, user: User, **changes):
    form = {"email": user.email or "", "role": user.role, "password": ""}
    if user.is_active:
        form["is_active"] = "y"
    form.update(changes)
    form = {key: value for key, value in form.items() if value is not None}
    response = post_form(client, f"/admin/user/edit/?id={user.id}", form)
    db.session.expire_all()
    return response


def test_users_list_search_and_filters(admin_client, make_user):
    make_user(username="alice", role="agent", email="alice@desk.example")
    make_user(username="bob", role="requester", is_active=False)
    make_user(username="carol", role="agent")
    assert usernames(admin_client) == ["admin", "alice", "bob", "carol"]
    assert usernames(admin_client, "search=desk.example") == ["alice"]
    assert usernames(admin_client, "flt0_0=agent") == ["alice", "carol"]
    assert usernames(admin_client, "flt0_1=0") == ["bob"]
    assert usernames(admin_client, "flt0_0=agent&flt1_1=1") == ["alice", "carol"]


def test_the_users_pages_never_show_password_hashes(admin_client, admin):
    for url in ("/admin/user/", f"/admin/user/edit/?id={admin.id}", "/admin/user/new/"):
        html = admin_client.get(url).get_data(as_text=True)
        assert "argon2" not in html and "password_hash" not in html
    edit = admin_client.get(f"/admin/user/edit/?id={admin.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="password"[^>]*type="password"', edit)
    assert 'name="password" type="password" value=""' in edit


def test_creating_a_user_hashes_the_password(admin_client):
    form = {"username": "dora", "email": "dora@example.com", "role": "agent", "password": NEW_PASSWORD}
    response = post_form(admin_client, "/admin/user/new/", form)
    assert "Record was successfully created." in response.get_data(as_text=True)
    user = db.session.scalar(sa.select(User).where(User.username == "dora"))
    assert (user.role, user.is_active, user.email) == ("agent", True, "dora@example.com")
    assert user.password_hash.startswith("$argon2id$") and verify_password(user.password_hash, NEW_PASSWORD)
    assert auth_service.authenticate_password(username="dora", password=NEW_PASSWORD) == user


def test_creating_a_user_enforces_the_password_rules_and_unique_names(admin_client):
    page = post_form(
        admin_client, "/admin/user/new/", {"username": "eve", "role": "agent", "password": "short"}
    ).get_data(as_text=True)
    assert "Password must be at least 12 characters long." in page
    page = post_form(
        admin_client, "/admin/user/new/", {"username": "admin", "role": "agent", "password": NEW_PASSWORD}
    ).get_data(as_text=True)
    assert "User &#39;admin&#39; already exists." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_changing_a_role(admin_client, agent, app):
    edit_user(admin_client, agent, role="admin")
    assert agent.role == "admin"
    client = app.test_client()
    login(client, "agent")
    assert client.get("/admin/").status_code == 200


def test_setting_a_new_password_ends_the_users_other_sessions(admin_client, app, agent):
    edit_user(admin_client, agent, role="admin")
    other = app.test_client()
    login(other, "agent")
    assert other.get("/admin/").status_code == 200
    edit_user(admin_client, agent, password=NEW_PASSWORD)
    assert verify_password(agent.password_hash, NEW_PASSWORD)
    assert other.get("/admin/").status_code == 302
    page = edit_user(admin_client, agent, password="weak").get_data(as_text=True)
    assert "Password must be at least 12 characters long." in page


def test_deactivating_a_user_stops_their_tokens_immediately(admin_client, agent, auth, client):
    headers = auth(agent)
    assert client.get("/api/users/me/", headers=headers).status_code == 200
    edit_user(admin_client, agent, is_active=None)
    assert agent.is_active is False
    assert client.get("/api/users/me/", headers=headers).status_code == 401
    basic = client.get("/api/users/me/", auth=("agent", PASSWORD))
    assert basic.status_code == 401


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(admin_client, admin, make_user):
    make_user(role="admin", username="retired-admin", is_active=False)
    page = edit_user(admin_client, admin, role="agent").get_data(as_text=True)
    assert "The last active admin cannot be deactivated or demoted" in page
    page = edit_user(admin_client, admin, is_active=None).get_data(as_text=True)
    assert "The last active admin cannot be deactivated or demoted" in page
    assert (admin.role, admin.is_active) == ("admin", True)


def test_an_admin_can_be_demoted_while_another_remains(admin_client, admin, make_user):
    second = make_user(role="admin", username="second")
    make_user(role="admin", username="third")
    edit_user(admin_client, second, role="agent")
    assert second.role == "agent"
    edit_user(admin_client, admin, is_active=None)
    assert admin.is_active is False
    assert admin_client.get("/admin/").status_code == 302, "the deactivated admin's session ended"


def test_tokens_list_shows_metadata_but_never_the_hash(admin_client, agent):
    token, secret = auth_service.issue_token(user=agent, name="ci-bot")
    html = admin_client.get("/admin/api_token/").get_data(as_text=True)
    assert listed(html, "name") == ["ci-bot"]
    assert listed(html, "user") == ["agent"]
    assert listed(html, "expires_at")[0].endswith("UTC")
    assert token.token_hash not in html and secret not in html
    assert admin_client.get(f"/admin/api_token/edit/?id={token.id}").status_code == 302
    assert admin_client.get(f"/admin/api_token/details/?id={token.id}").status_code == 302


def test_revoking_tokens_cuts_api_access(admin_client, agent, requester, auth, client):
    agent_headers, requester_headers = auth(agent), auth(requester)
    ids = [str(t.id) for t in db.session.scalars(sa.select(ApiToken))]
    response = post_form(
        admin_client,
        "/admin/api_token/action/",
        {"action": "revoke", "rowid": ids},
        form_page="/admin/api_token/",
    )
    assert "Revoked 2 token(s)." in response.get_data(as_text=True)
    for headers in (agent_headers, requester_headers):
        assert client.get("/api/users/me/", headers=headers).status_code == 401
    revoked = admin_client.get("/admin/api_token/?flt0_0=0").get_data(as_text=True)
    assert listed(revoked, "name") == ["test"] * 2


def test_the_edit_page_says_whose_account_it_is(admin_client, make_user):
    user = make_user(username="margherita", role="agent")
    html = admin_client.get(f"/admin/user/edit/?id={user.id}").get_data(as_text=True)
    heading = re.search(r'<h2[^>]*id="editing-user"[^>]*>(.*?)</h2>', html, re.S)
    assert heading and "margherita" in heading.group(1) and "agent" in heading.group(1)
