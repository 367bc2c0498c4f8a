"""Cursor (keyset) pagination, the incremental export and full-text search on the tickets list."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.tickets import listing
from app.tickets.models import PRIORITIES, STATUSES
from app.tickets.query import ORDERINGS
from app.timeutil import as_utc

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def many(make_ticket, requester):
    """23 tickets with many ties in every sort key (equal timestamps, priorities and statuses)."""
    rng = random.Random(5)
    return [
        make_ticket(
            created_by=requester,
            status=rng.choice(STATUSES),
            priority=rng.choice(PRIORITIES),
            created_at=T0 + timedelta(minutes=rng.randrange(4)),
            updated_at=T0 + timedelta(minutes=rng.randrange(4)),
        )
        for _ in range(23)
    ]


def _walk(client, headers, query: str, page_size: int = 5) -> tuple[list[int], int]:
    """Follow next cursors from the first page; returns the ids in order and the number of pages."""
    ids: list[int] = []
    url = f"/api/tickets/?cursor=&page_size={page_size}&{query}"
    for pages in range(1, 100):
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.json
        ids += [t["id"] for t in r.json]
        meta = json.loads(r.headers["X-Pagination"])
        if "next_cursor" not in meta:
            assert 'rel="next"' not in r.headers.get("Link", "")
            return ids, pages
        link = r.headers["Link"].split(";")[0].strip("<>")
        assert parse_qs(urlsplit(link).query)["cursor"] == [meta["next_cursor"]]
        url = link
    raise AssertionError("too many pages")


@pytest.mark.parametrize("ordering", [*ORDERINGS, *(f"-{o}" for o in ORDERINGS)])
def test_cursor_pages_match_the_offset_listing_for_every_ordering(client, agent, auth, many, ordering):
    h = auth(agent)
    expected = [
        t["id"] for t in client.get(f"/api/tickets/?page_size=100&ordering={ordering}", headers=h).json
    ]
    ids, pages = _walk(client, h, f"ordering={ordering}")
    assert ids == expected and len(ids) == 23 and pages == 5


def test_cursor_with_filters_and_exact_page_boundary(client, agent, auth, many):
    h = auth(agent)
    wanted = sorted(t.id for t in many if t.status == "OPEN")
    ids, _ = _walk(client, h, "status=OPEN&ordering=id", page_size=len(wanted))
    assert ids == wanted


def test_tampered_or_foreign_cursors_are_400(client, agent, auth, many):
    h = auth(agent)
    first = client.get("/api/tickets/?cursor=&page_size=5", headers=h)
    cursor = json.loads(first.headers["X-Pagination"])["next_cursor"]
    for bad in (cursor[:-2] + "xx", "garbage", cursor + "."):
        r = client.get(f"/api/tickets/?cursor={bad}&page_size=5", headers=h)
        assert r.status_code == 400 and r.json["code"] == 400 and "cursor" in r.json["message"]
    other = client.get(f"/api/tickets/?cursor={cursor}&page_size=5&status=OPEN", headers=h)
    assert other.status_code == 400 and "another query" in other.json["message"]
    assert client.get(f"/api/tickets/?cursor={cursor}&page=2", headers=h).status_code == 422


def test_cursor_mode_counts_only_when_asked(client, agent, auth, many):
    h = auth(agent)
    plain = json.loads(client.get("/api/tickets/?cursor=&status=OPEN", headers=h).headers["X-Pagination"])
    assert "total" not in plain and "next_cursor" not in plain
    counted = client.get("/api/tickets/?cursor=&page_size=5&count=true", headers=h)
    assert json.loads(counted.headers["X-Pagination"])["total"] == 23


def test_unfiltered_first_page_reports_a_total(client, agent, auth, many):
    meta = json.loads(client.get("/api/tickets/", headers=auth(agent)).headers["X-Pagination"])
    assert meta["total"] == 23 and meta["last_page"] == 2


def test_export_sees_tickets_changed_during_it_again_and_loses_none(
    app, client, agent, auth, many, monkeypatch
):
    monkeypatch.setitem(app.config, "EXPORT_SETTLE_SECONDS", 0)
    h = auth(agent)
    since = "2026-02-28T12:00:00Z"
    url = f"/api/tickets/?cursor=&page_size=4&updated_after={since}"
    seen: list[int] = []
    for step in range(40):
        r = client.get(url, headers=h)
        assert r.status_code == 200, r.json
        seen += [t["id"] for t in r.json]
        if step == 1:  # change one ticket already exported and one not yet exported
            for ticket_id in (seen[0], next(t.id for t in many if t.id not in seen)):
                patch = client.get(f"/api/tickets/{ticket_id}/", headers=h)
                client.patch(
                    f"/api/tickets/{ticket_id}/",
                    json={"title": "changed during the export"},
                    headers={**h, "If-Match": patch.headers["ETag"]},
                )
        meta = json.loads(r.headers["X-Pagination"])
        if "next_cursor" not in meta:
            break
        url = r.headers["Link"].split(";")[0].strip("<>")
    assert set(seen) == {t.id for t in many}
    assert seen.count(seen[0]) == 2 and len(seen) == 24
    stamps = [as_utc(t.updated_at) for t in many]  # one run read a naive stamp here (not reproduced)
    assert min(stamps) < max(stamps)


def test_export_leaves_out_changes_too_recent_to_be_settled(
    app, client, agent, auth, make_ticket, monkeypatch
):
    monkeypatch.setitem(app.config, "EXPORT_SETTLE_SECONDS", 60)
    old = make_ticket(updated_at=datetime.now(UTC) - timedelta(minutes=5))
    make_ticket(updated_at=datetime.now(UTC))
    r = client.get("/api/tickets/?cursor=&updated_after=2020-01-01T00:00:00Z", headers=auth(agent))
    assert [t["id"] for t in r.json] == [old.id]


def test_updated_after_orders_by_updated_at_only(client, agent, auth):
    r = client.get("/api/tickets/?updated_after=2020-01-01T00:00:00Z&ordering=-id", headers=auth(agent))
    assert r.status_code == 422 and "ordering" in r.json["errors"]["query"]


@pytest.fixture
def texts(make_ticket):
    rows = [
        ("Refund for a duplicate invoice", "I was charged twice this month."),
        ("Cannot log in", "The login page rejects my password; maybe an invoice problem."),
        ("Fattura duplicata", "Ho ricevuto due fatture per lo stesso ordine."),
        ("Feature request: dark mode", "Please add a dark theme to the dashboard."),
    ]
    return [
        make_ticket(title=t, description=d, created_at=T0 + timedelta(hours=i))
        for i, (t, d) in enumerate(rows)
    ]


def _search(client, headers, query: str) -> list[int]:
    r = client.get(f"/api/tickets/?{query}", headers=headers)
    assert r.status_code == 200, r.json
    return [t["id"] for t in r.json]


def test_search_stems_words_and_keeps_the_list_ordering(client, agent, auth, texts):
    h = auth(agent)
    assert _search(client, h, "q=invoice") == [texts[1].id, texts[0].id]
    assert _search(client, h, "q=invoice&ordering=created_at") == [texts[0].id, texts[1].id]
    if db.engine.dialect.name == "postgresql":
        assert _search(client, h, "q=invoices") == [texts[1].id, texts[0].id]  # stemmed
        assert _search(client, h, "q=invoice -password") == [texts[0].id]
        assert _search(client, h, 'q="dark theme"') == [texts[3].id]
        assert _search(client, h, "q=refund or login") == [texts[1].id, texts[0].id]
        assert _search(client, h, "q=fattura&lang=italian") == [texts[2].id]  # 'fatture' too: same stem


def test_search_cursor_pages_and_bad_language(client, agent, auth, texts):
    h = auth(agent)
    ids, pages = _walk(client, h, "q=invoice", page_size=1)
    assert ids == [texts[1].id, texts[0].id] and pages == 2
    assert client.get("/api/tickets/?q=x&lang=klingon", headers=h).status_code == 422


@pytest.mark.parametrize(
    ("walk_rows", "believed"),
    [(0, None), (10**9, None), (2, (1e6, 1.0))],
    ids=["all matches from the index", "walk the ordering", "walk too short, then the index"],
)
def test_every_search_plan_gives_the_same_pages(
    app, client, agent, requester, auth, make_ticket, monkeypatch, walk_rows, believed
):
    app.config.update(SEARCH_WALK_ROWS=walk_rows)
    if believed is not None:  # the planner believes every ticket matches: the 2-row walk first, which fails
        monkeypatch.setattr(listing, "estimated_matches", lambda **_: believed)
    plans: list[str] = []
    chosen = listing._text_plan
    monkeypatch.setattr(listing, "_text_plan", lambda *a: plans.append(chosen(*a).kind) or chosen(*a))
    try:
        made = [
            make_ticket(
                title=f"Invoice {i}" if i % 3 else f"Other {i}",
                description="Charged twice." if i % 2 else "Nothing to see.",
                created_at=T0 + timedelta(minutes=i),
                created_by=requester if i % 4 == 0 else agent,
            )
            for i in range(24)
        ]
        newest = list(reversed(made))
        invoices = [t.id for t in newest if t.title.startswith("Invoice")]
        h = auth(agent)
        assert _search(client, h, "q=invoice&page_size=5&page=2") == invoices[5:10]
        assert _walk(client, h, "q=invoice", page_size=3)[0] == invoices
        assert _search(client, h, "q=invoice&ordering=created_at&page_size=4") == invoices[::-1][:4]
        own = [t.id for t in newest if t.created_by_id == requester.id and t.title.startswith("Invoice")]
        assert _search(client, auth(requester), "q=invoice") == own
        meta = json.loads(client.get("/api/tickets/?q=invoice&count=true", headers=h).headers["X-Pagination"])
        assert meta["total"] == len(invoices)
        if db.engine.dialect.name == "postgresql":  # two words: both must appear (LIKE reads one phrase)
            both = [
                t.id for t in newest if t.title.startswith("Invoice") and t.description.startswith("Charged")
            ]
            assert _walk(client, h, "q=invoice charged", page_size=3)[0] == both
            assert set(plans) == {"gin" if walk_rows == 0 else "walk"}
    finally:
        app.config.update(SEARCH_WALK_ROWS=10_000)


def test_a_word_the_newest_tickets_lack_is_found_by_a_longer_walk_not_the_index(
    app, client, agent, auth, make_ticket, monkeypatch
):
    app.config.update(SEARCH_WALK_ROWS=4)
    # The planner believes the word common, so a 4-row walk comes first; the newest five tickets lack it.
    monkeypatch.setattr(listing, "estimated_matches", lambda **_: (1e6, 1e6))
    reads: list[tuple[str, int]] = []
    build = listing.filtered_query

    def noted(*args, plan, **kwargs):
        reads.append((plan.kind, plan.window))
        return build(*args, plan=plan, **kwargs)

    monkeypatch.setattr(listing, "filtered_query", noted)
    try:
        older = [
            make_ticket(title=f"Invoice {i}", description="d", created_at=T0 + timedelta(minutes=i))
            for i in range(6)
        ]
        for i in range(5):
            make_ticket(title=f"Other {i}", description="d", created_at=T0 + timedelta(hours=1, minutes=i))
        found = _search(client, auth(agent), "q=invoice&page_size=2")
    finally:
        app.config.update(SEARCH_WALK_ROWS=10_000)
    assert found == [older[5].id, older[4].id]
    if db.engine.dialect.name == "postgresql":  # the first read is the page's total, without q= plans
        assert [r for r in reads if r[0] != "filter"] == [("walk", 4), ("walk", 40)]
