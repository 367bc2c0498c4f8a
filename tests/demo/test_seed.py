"""The realistic ticket generator and `flask seed-tickets`."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.demo.seed import AGENTS, SeedResult, sample_ticket_text, seed_tickets
from app.extensions import db
from app.tickets.models import CATEGORIES, DONE_STATUSES, PRIORITIES, STATUSES, Ticket, TicketEvent
from app.tickets.workflow import TRANSITIONS
from app.timeutil import as_utc

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def _tickets() -> list[Ticket]:
    return list(db.session.scalars(sa.select(Ticket).order_by(Ticket.id)).unique())


def _events_by_ticket() -> dict[int, list[TicketEvent]]:
    events: dict[int, list[TicketEvent]] = {}
    for event in db.session.scalars(sa.select(TicketEvent).order_by(TicketEvent.id)).unique():
        events.setdefault(event.ticket_id, []).append(event)
    return events


def _snapshot() -> list[tuple]:
    """Everything about the seeded tickets except database-assigned ids."""
    events = _events_by_ticket()
    return [
        (
            t.title,
            t.description,
            t.status,
            t.priority,
            t.category,
            t.category_source,
            as_utc(t.created_at),
            as_utc(t.updated_at),
            as_utc(t.resolved_at),
            [
                (e.kind, e.from_value, e.to_value, e.source, as_utc(e.created_at))
                for e in events[t.id]
                if e.kind != "assignment"
            ],
        )
        for t in _tickets()
    ]


def test_same_seed_and_now_give_the_same_tickets():
    seed_tickets(n=80, seed=7, now=NOW)
    first = _snapshot()
    seed_tickets(n=80, seed=7, now=NOW)
    assert _snapshot() == first
    seed_tickets(n=80, seed=8, now=NOW)
    assert _snapshot() != first


def test_seeds_the_requested_count_with_valid_values_and_reports_progress():
    chunks: list[int] = []
    result = seed_tickets(n=400, now=NOW, progress=chunks.append)

    assert isinstance(result, SeedResult) and result.created == 400 and result.seconds >= 0
    assert sum(chunks) == 400
    tickets = _tickets()
    assert len(tickets) == 400
    demo = db.session.scalar(sa.select(User).where(User.username == "demo"))
    agents = {u.id for u in db.session.scalars(sa.select(User).where(User.username.in_(AGENTS)))}
    assert demo.role == "requester" and len(agents) == len(AGENTS)
    assert {t.status for t in tickets} == set(STATUSES)
    assert {t.priority for t in tickets} == set(PRIORITIES)
    assert {t.category for t in tickets} == set(CATEGORIES) | {None}
    for t in tickets:
        assert t.category_source == ("human" if t.category else None)
        assert t.created_by_id == demo.id
        assert t.assigned_to_id is None or t.assigned_to_id in agents
        assert 20 <= len(t.title) <= 120 and t.description
    priorities = Counter(t.priority for t in tickets)
    assert priorities["MEDIUM"] > priorities["LOW"] > priorities["URGENT"]


def test_about_ten_percent_are_uncategorised():
    seed_tickets(n=1000, now=NOW)
    uncategorised = db.session.scalar(sa.select(sa.func.count()).where(Ticket.category.is_(None)))
    assert 60 <= uncategorised <= 140


def test_created_at_spreads_over_the_last_180_days():
    seed_tickets(n=500, now=NOW)
    created = [as_utc(t.created_at) for t in _tickets()]
    assert all(NOW - timedelta(days=180) <= c <= NOW for c in created)
    assert min(created) < NOW - timedelta(days=150) and max(created) > NOW - timedelta(days=20)
    weekdays = sum(c.weekday() < 5 for c in created) / len(created)
    assert weekdays > 5 / 7


def test_rows_agree_with_their_events_and_the_workflow_rules():
    seed_tickets(n=600, now=NOW)
    events = _events_by_ticket()
    reopened = 0
    for t in _tickets():
        history = events[t.id]
        first = history[0]
        assert (first.kind, first.to_value, first.actor_id) == ("created", "OPEN", t.created_by_id)
        assert as_utc(first.created_at) == as_utc(t.created_at)
        times = [as_utc(e.created_at) for e in history]
        assert times == sorted(times) and times[-1] <= NOW
        assert as_utc(t.updated_at) == times[-1]
        status, resolved_at, assignee, category = "OPEN", None, None, None
        for e in history[1:]:
            if e.kind == "status":
                assert e.from_value == status and e.to_value in TRANSITIONS[status]
                if e.to_value in DONE_STATUSES:
                    resolved_at = resolved_at if status in DONE_STATUSES else as_utc(e.created_at)
                else:
                    reopened += status in DONE_STATUSES
                    resolved_at = None
                status = e.to_value
            elif e.kind == "assignment":
                assert e.from_value is None and e.actor_id is not None
                assignee = int(e.to_value)
            elif e.kind == "category":
                assert e.source == "human" and e.actor_id is not None
                category = e.to_value
        assert (t.status, as_utc(t.resolved_at), t.assigned_to_id, t.category) == (
            status,
            resolved_at,
            assignee,
            category,
        )
        assert (t.resolved_at is not None) == (t.status in DONE_STATUSES)
    assert reopened > 0


def test_append_keeps_existing_tickets_and_ids_stay_coherent(make_ticket):
    seed_tickets(n=30, now=NOW)
    before = {t.id for t in _tickets()}
    seed_tickets(n=20, seed=3, append=True, now=NOW)
    tickets = _tickets()
    assert len(tickets) == 50 and before < {t.id for t in tickets}
    event_ids = db.session.scalars(sa.select(TicketEvent.id)).all()
    assert len(event_ids) == len(set(event_ids))
    # Ordinary inserts after seeding must not collide with the reserved ids.
    ticket = make_ticket()
    db.session.add(TicketEvent(ticket_id=ticket.id, kind="created", to_value="OPEN"))
    db.session.commit()
    assert ticket.id > max(t.id for t in tickets)


def test_seeding_without_append_replaces_tickets_and_their_events(make_ticket):
    old_title = "A ticket from before the seeding"
    old = make_ticket(title=old_title)
    db.session.add(TicketEvent(ticket_id=old.id, kind="created", to_value="OPEN"))
    db.session.commit()
    seed_tickets(n=40, now=NOW)
    seed_tickets(n=25, seed=5, now=NOW)

    tickets = _tickets()
    assert len(tickets) == 25 and old_title not in {t.title for t in tickets}
    ticket_ids_with_events = set(db.session.scalars(sa.select(TicketEvent.ticket_id)))
    assert ticket_ids_with_events == {t.id for t in tickets}
    created_events = sa.select(sa.func.count()).where(TicketEvent.kind == "created")
    assert db.session.scalar(created_events) == 25
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.username.in_(("demo", *AGENTS)))
    ) == 1 + len(AGENTS)


def test_cli_seeds_and_reports(runner):
    result = runner.invoke(args=["seed-tickets", "--n", "50"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Created 50 tickets in \d+\.\d s\.", result.output)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 50
    again = runner.invoke(args=["seed-tickets", "--n", "10", "--append", "--seed", "1"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 60
    skipped = runner.invoke(args=["seed-tickets", "--n", "10", "--if-empty"])
    assert skipped.exit_code == 0 and "already has 60 tickets; not seeding" in skipped.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 60


def test_cli_adds_by_default_and_replaces_only_when_asked(runner, make_ticket):
    kept = make_ticket(title="A real customer's ticket")
    added = runner.invoke(args=["seed-tickets", "--n", "5"])
    assert added.exit_code == 0, added.output
    assert db.session.get(Ticket, kept.id) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 6
    replaced = runner.invoke(args=["seed-tickets", "--n", "5", "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 5
    assert db.session.scalar(sa.select(sa.func.count()).where(Ticket.title == kept.title)) == 0


def test_cli_refuses_to_replace_in_production(app, runner, make_ticket):
    make_ticket()
    app.config["APP_ENV"] = "production"
    try:
        refused = runner.invoke(args=["seed-tickets", "--n", "5", "--replace"])
    finally:
        app.config["APP_ENV"] = "testing"
    assert refused.exit_code != 0
    assert "refused when APP_ENV=production" in refused.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


@pytest.mark.parametrize("category", CATEGORIES)
def test_texts_do_not_give_the_category_away(category):
    rng = random.Random(11)
    texts = [sample_ticket_text(category, rng) for _ in range(400)]
    word = re.compile(rf"\b{category}\b", re.IGNORECASE)
    assert sum(bool(word.search(f"{t} {d}")) for t, d in texts) < 0.2 * len(texts)
    assert len(set(texts)) > 0.9 * len(texts)
    for title, description in texts:
        assert 20 <= len(title) <= 120
        assert 1 <= len(re.findall(r"[.!?](?=\s|$)", description)) <= 6


def test_texts_are_learnable_but_not_trivially():
    """A TF-IDF + logistic regression model should do well, but not perfectly."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    rng = random.Random(5)
    labels = [rng.choice(CATEGORIES) for _ in range(2000)]
    texts = [" ".join(sample_ticket_text(c, rng)) for c in labels]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    model = LogisticRegression(max_iter=1000, C=5).fit(vectorizer.fit_transform(texts[:1500]), labels[:1500])
    score = f1_score(labels[1500:], model.predict(vectorizer.transform(texts[1500:])), average="macro")
    assert 0.75 <= score <= 0.96


def test_unknown_category_is_rejected():
    with pytest.raises(ValueError):
        sample_ticket_text("hardware", random.Random(1))
