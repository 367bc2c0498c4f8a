"""Listing tickets: filters, ordering whitelist, pagination headers."""

import json
from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def tickets(make_ticket, agent, requester):
    """Five tickets with distinct attributes, created one hour apart."""
    specs = [
        dict(status="OPEN", priority="LOW", category="billing", title="Refund for double charge"),
        dict(status="IN_PROGRESS", priority="URGENT", category="bug", assigned_to=agent, title="App crashes"),
        dict(status="RESOLVED", priority="HIGH", category=None, title="Question about 50% discount"),
        dict(status="CLOSED", priority="MEDIUM", category="account", assigned_to=agent, title="Locked out"),
        dict(
            status="OPEN",
            priority="HIGH",
            category="feature",
            title="Dark mode please",
            description="Would love a DARK theme.",
        ),
    ]
    return [
        make_ticket(created_by=requester, created_at=T0 + timedelta(hours=i), **spec)
        for i, spec in enumerate(specs)
    ]


def _ids(client, headers, query=""):
    r = client.get(f"/api/tickets/?{query}", headers=headers)
    assert r.status_code == 200, r.json
    return [t["id"] for t in r.json]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", [4, 3, 2, 1, 0]),
        ("status=OPEN", [4, 0]),
        ("status=OPEN&status=CLOSED", [4, 3, 0]),
        ("priority=HIGH", [4, 2]),
        ("category=bug", [1]),
        ("category=none", [2]),
        ("assigned_to=me", [3, 1]),
        ("assigned_to=none", [4, 2, 0]),
        ("q=dark", [4]),
        ("q=50%25", [2]),
        ("q=double%20CHARGE", [0]),
        ("created_after=2026-03-01T14:00:00Z", [4, 3, 2]),
        ("created_before=2026-03-01T14:00:00Z", [1, 0]),
        ("created_after=2026-03-01T15:00:00%2B02:00", [4, 3, 2, 1]),
        ("ordering=created_at", [0, 1, 2, 3, 4]),
        ("ordering=-priority", [1, 4, 2, 3, 0]),
        ("ordering=status", [3, 1, 0, 4, 2]),
        ("ordering=-id", [4, 3, 2, 1, 0]),
    ],
)
def test_filters_and_ordering(client, agent, auth, tickets, query, expected):
    assert _ids(client, auth(agent), query) == [tickets[i].id for i in expected]


def test_assigned_to_and_created_by_ids(client, agent, requester, auth, tickets):
    h = auth(agent)
    assert _ids(client, h, f"assigned_to={agent.id}") == [tickets[3].id, tickets[1].id]
    assert len(_ids(client, h, f"created_by={requester.id}")) == 5
    assert _ids(client, h, "created_by=me") == []


@pytest.mark.parametrize(
    "query",
    [
        "ordering=title",
        "ordering=--id",
        "status=DONE",
        "priority=low",
        "assigned_to=someone",
        "created_by=none",
        "assigned_to=99999999999",
        "created_by=4294967296",
        "assigned_to=-1",
        "page_size=101",
        "page=0",
        "created_after=yesterday",
    ],
)
def test_bad_query_args_are_422(client, agent, auth, query):
    r = client.get(f"/api/tickets/?{query}", headers=auth(agent))
    assert r.status_code == 422
    assert r.json["code"] == 422 and r.json["errors"]


def test_pagination_headers_and_links(client, agent, auth, make_ticket):
    for i in range(7):
        make_ticket(created_at=T0 + timedelta(minutes=i))
    r = client.get("/api/tickets/?page=2&page_size=3&status=OPEN&count=true", headers=auth(agent))
    assert [t["title"] for t in r.json] and len(r.json) == 3
    meta = json.loads(r.headers["X-Pagination"])
    assert meta == {
        "page_size": 3,
        "total": 7,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 2,
        "previous_page": 1,
        "next_page": 3,
    }
    links = r.headers["Link"]
    assert "page=3" in links and 'rel="next"' in links and 'rel="prev"' in links
    assert "status=OPEN" in links and "page_size=3" in links
    last = client.get("/api/tickets/?page=3&page_size=3", headers=auth(agent))
    assert len(last.json) == 1 and 'rel="next"' not in last.headers["Link"]


def test_default_page_size_is_20_and_pages_do_not_overlap(client, agent, auth, make_ticket):
    for _ in range(25):
        make_ticket(created_at=T0)  # equal timestamps: the id tiebreak keeps pages stable
    first = _ids(client, auth(agent), "")
    second = _ids(client, auth(agent), "page=2")
    assert len(first) == 20 and len(second) == 5 and not set(first) & set(second)


def test_a_page_far_past_the_end_is_empty(client, agent, auth, make_ticket):
    make_ticket()
    r = client.get("/api/tickets/?page=3", headers=auth(agent))
    assert r.status_code == 200 and r.json == []
    assert json.loads(r.headers["X-Pagination"])["total"] == 1


@pytest.mark.parametrize(
    "page,page_size", [("501", "20"), ("101", "100"), ("102713226830516525727744", "20")]
)
def test_offset_pages_past_10000_records_are_refused(client, agent, auth, page, page_size):
    r = client.get(f"/api/tickets/?page={page}&page_size={page_size}", headers=auth(agent))
    assert r.status_code == 400 and r.json["code"] == 400
    assert "cursor" in r.json["message"]


def test_filtered_lists_count_only_when_asked(client, agent, auth, make_ticket):
    for i in range(3):
        make_ticket(created_at=T0 + timedelta(minutes=i))
    r = client.get("/api/tickets/?status=OPEN&page_size=2", headers=auth(agent))
    meta = json.loads(r.headers["X-Pagination"])
    assert meta == {"page": 1, "page_size": 2, "first_page": 1, "next_page": 2}
    assert 'rel="last"' not in r.headers["Link"] and 'rel="next"' in r.headers["Link"]
    counted = client.get("/api/tickets/?status=OPEN&page_size=2&count=true", headers=auth(agent))
    assert json.loads(counted.headers["X-Pagination"])["total"] == 3
