"""Hostile or odd input gets a 4xx in the one error shape, never a 5xx."""

from __future__ import annotations

import io

import pytest

from tests.factories import PASSWORD

DEEP_JSON = "[" * 100_000 + "]" * 100_000
HUGE = 32 * 1024 * 1024


def _is_error_shape(response, code: int) -> bool:
    body = response.get_json()
    return response.status_code == code and body is not None and body["code"] == code and "status" in body


@pytest.mark.parametrize(
    "query",
    [
        "assigned_to=²",
        "created_by=²",
        "assigned_to=%D9%A3",  # ARABIC-INDIC DIGIT THREE: isdigit() but not an ASCII id
        "created_after=0001-01-01T00:00:00%2B01:00",
        "created_before=9999-12-31T23:59:59-01:00",
    ],
)
def test_ticket_list_filters_refuse_odd_values_with_422(client, agent, auth, query):
    response = client.get(f"/api/tickets/?{query}", headers=auth(agent))
    assert _is_error_shape(response, 422), response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01T00:00:00%2B01:00&to=0001-01-05",
        "from=9999-12-01&to=9999-12-31",
        "from=9999-12-31T00:00:00&to=9999-12-31T23:59:59-01:00",
        "from=0001-01-01&to=0001-01-07",
        "assigned_to=²",
    ],
)
def test_analytics_windows_near_the_calendar_ends_are_422(client, agent, auth, query):
    for report in ("trends/?interval=month", "trends/?interval=week", "mttr/", "reopens/", "backlog/"):
        sep = "&" if "?" in report else "?"
        response = client.get(f"/api/analytics/{report}{sep}{query}", headers=auth(agent))
        assert _is_error_shape(response, 422), (report, response.get_data(as_text=True))


def test_admin_id_filters_and_ids_ignore_non_ascii_digits(admin_client):
    assert admin_client.get("/admin/ticket_event/?flt0_0=²").status_code == 200
    assert admin_client.get("/admin/ticket/?flt4_4=²").status_code == 200
    assert admin_client.get("/admin/ticket/edit/?id=²").status_code == 302  # back to the list: no such record


@pytest.mark.parametrize("path", ["/api/tickets/", "/api/auth/tokens/", "/admin/login/"])
def test_json_nested_100000_levels_is_a_400(client, requester, auth, path):
    headers = auth(requester) if path == "/api/tickets/" else {}
    response = client.post(path, data=DEEP_JSON, content_type="application/json", headers=headers)
    assert _is_error_shape(response, 400), response.status_code


@pytest.mark.parametrize("path", ["/api/tickets/", "/admin/login/"])
def test_a_32_mib_body_is_413_before_anything_reads_it(client, path, monkeypatch):
    parsed = []
    monkeypatch.setattr("flask.Request.get_data", lambda *a, **k: parsed.append(1) or b"")
    response = client.post(path, data=b"{" + b" " * HUGE + b"}", content_type="application/json")
    assert _is_error_shape(response, 413)
    assert parsed == []


def test_a_body_without_content_length_is_cut_off_at_the_limit(app, client):
    response = client.post(
        "/admin/login/",
        input_stream=io.BytesIO(b"x" * HUGE),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # what gunicorn sets for a chunked upload
    )
    assert response.status_code == 413
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_a_body_within_the_limit_still_works(client, requester):
    response = client.post("/api/auth/tokens/", json={"name": "x" * 50}, auth=(requester.username, PASSWORD))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("post", "/api/tickets/", {"json": {"title": "Nul\u0000byte", "description": "d"}}),
        ("post", "/api/tickets/", {"json": {"title": "t", "description": "d", "extra": {"k\u0000": 1}}}),
        ("get", "/api/tickets/?q=invoice%00", {}),
        ("post", "/api/ml/predict/", {"json": {"title": "t", "description": "\u0000"}}),
    ],
)
def test_nul_characters_are_a_422_and_nothing_is_written(client, agent, auth, method, path, kwargs):
    response = getattr(client, method)(path, headers=auth(agent), **kwargs)
    assert _is_error_shape(response, 422), (response.status_code, response.get_data(as_text=True))
    assert "NUL" in response.json["message"]
    assert client.get("/api/tickets/", headers=auth(agent)).json == []


def test_a_nul_character_in_an_admin_form_is_refused(admin_client):
    response = admin_client.post("/admin/login/", data={"username": "a\u0000", "password": "x"})
    assert response.status_code == 422
