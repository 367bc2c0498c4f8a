"""Who may read analytics, and how bad windows and filters are refused."""

import pytest

ENDPOINTS = ("trends", "mttr", "backlog", "reopens", "first-response")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_anonymous_gets_401(client, path):
    response = client.get(f"/api/analytics/{path}/")
    assert response.status_code == 401
    assert response.get_json()["code"] == 401


@pytest.mark.parametrize("path", ENDPOINTS)
def test_requester_gets_403(client, auth, requester, path):
    response = client.get(f"/api/analytics/{path}/", headers=auth(requester))
    assert response.status_code == 403


@pytest.mark.parametrize("path", [p for p in ENDPOINTS if p != "backlog"])
def test_agent_and_admin_get_the_default_30_day_window(client, auth, agent, admin, frozen_now, path):
    for user in (agent, admin):
        body = client.get(f"/api/analytics/{path}/", headers=auth(user)).get_json()
        assert body["from"] == "2024-05-11T12:00:00+00:00"
        assert body["to"] == "2024-06-10T12:00:00+00:00"


def test_backlog_defaults_to_the_longest_window(client, auth, agent, frozen_now):
    body = client.get("/api/analytics/backlog/", headers=auth(agent)).get_json()
    assert (body["from"], body["to"]) == ("2014-06-13T12:00:00+00:00", "2024-06-10T12:00:00+00:00")


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "params",
    [
        {"days": "0"},
        {"days": "3651"},
        {"days": "-3"},
        {"days": "abc"},
        {"days": "1.5"},
        {"from": "2024-03-05", "to": "2024-03-04"},
        {"from": "2024-03-04T10:00:00Z", "to": "2024-03-04T09:59:59Z"},
        {"from": "2024-03-04"},
        {"to": "2024-03-04"},
        {"days": "7", "from": "2024-03-01", "to": "2024-03-04"},
        {"from": "2010-01-01", "to": "2024-01-01"},
        {"from": "2024-02-30", "to": "2024-03-04"},
        {"from": "yesterday", "to": "2024-03-04"},
        {"category": "billingx"},
        {"priority": "low"},
        {"assigned_to": "someone"},
        {"assigned_to": "99999999999"},
    ],
)
def test_bad_windows_and_filters_get_422(get, path, params):
    body = get(path, expect=422, **params)
    assert body["code"] == 422


def test_bad_interval_gets_422(get):
    assert get("trends", expect=422, interval="year")["code"] == 422


def test_days_bounds_are_accepted(get, frozen_now):
    assert get("trends", days=1)["from"] == "2024-06-09T12:00:00+00:00"
    assert get("trends", days=3650)["from"] == "2014-06-13T12:00:00+00:00"  # 3 leap days in between


def test_the_metrics_are_documented_in_openapi(client):
    spec = client.get("/api/schema/").get_json()
    for path in ENDPOINTS:
        operation = spec["paths"][f"/api/analytics/{path}/"]["get"]
        assert "Window:" in operation["description"]
    schemas = spec["components"]["schemas"]
    assert "first resolution" in schemas["Mttr"]["properties"]["mttr_seconds"]["description"]
