"""The shared similarity index: memory-mapped builds, exact results with a delta, deletions, folding."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.ml import index_files, shared_index
from app.ml.index_build import stamp
from app.ml.pipeline import text_frame, ticket_text, vectorize
from app.ml.serving import model_cache
from app.ml.similarity import build_slot, index_for, similar_tickets
from app.ml.tasks import build_index, fold_similarity_index
from app.tickets.models import Ticket
from app.timeutil import utcnow
from tests.ml.corpus import add_corpus

QUERIES = (
    "The editor crashes on save",
    "charged twice on my card",
    "cannot log in to my account",
    "dark mode",
)


def _brute_force(model, text: str, *, owner_id: int | None, exclude_id: int | None, top: int) -> list[int]:
    """Cosine over freshly vectorised tickets: what the index must agree with."""
    query = sa.select(Ticket).order_by(Ticket.id)
    if owner_id is not None:
        query = query.where(Ticket.created_by_id == owner_id)
    tickets = [t for t in db.session.scalars(query) if t.id != exclude_id]
    if not tickets:
        return []
    vectors = vectorize(model.pipeline, text_frame([ticket_text(t.title, t.description) for t in tickets]))
    scores = (vectors @ vectorize(model.pipeline, text_frame([text])).T).toarray().ravel()
    ranked = sorted((-s, t.id) for s, t in zip(scores, tickets, strict=True) if s > 0)
    return [ticket_id for _, ticket_id in ranked[:top]]


def _found(text: str, **kwargs) -> list[int]:
    return [hit["id"] for hit in similar_tickets(text=text, **kwargs)]


@pytest.fixture
def indexed(app, serving):
    """The module's model serving, with an index built over a fresh corpus."""
    add_corpus(per_category=12, seed=3)
    build_index(serving.version)
    return serving


def test_workers_memory_map_the_build(app, indexed):
    index = index_for(app, indexed)
    assert isinstance(index.build.data, np.memmap) and isinstance(index.build.indices, np.memmap)
    assert index.build.rows == 60 and list(index.build.ids) == sorted(index.build.ids)


def test_results_stay_exact_through_creates_edits_and_deletions(app, indexed, make_user, make_ticket):
    owner = make_user(username="owner")
    for n in range(6):
        make_ticket(created_by=owner, title=f"Crash number {n}", description="The editor crashes on save.")
    victims = db.session.scalars(sa.select(Ticket).order_by(Ticket.id).limit(12)).all()
    for ticket in victims[:6]:
        ticket.title, ticket.description = "Charged twice", "My card was charged twice this month."
        ticket.updated_at = utcnow()
    for ticket in victims[6:]:
        db.session.delete(ticket)
    db.session.commit()
    for text in QUERIES:
        for owner_id, exclude_id in ((None, None), (owner.id, None), (None, victims[0].id)):
            args = {"owner_id": owner_id, "exclude_id": exclude_id, "top": 8}
            assert _found(text, **args) == _brute_force(indexed, text, **args), (text, owner_id)
    index = index_for(app, indexed)
    assert len(index.delta) == 12 and not index.alive[: len(victims)].all()


def test_a_ticket_is_searched_with_its_indexed_vector_only_while_it_is_that_version(app, indexed):
    index = index_for(app, indexed)
    tickets = db.session.scalars(sa.select(Ticket).order_by(Ticket.id).limit(4)).all()
    tickets[0].title, tickets[0].updated_at = "Charged twice on my card", utcnow()  # now in the delta
    db.session.commit()
    index.sync()
    for ticket in tickets:
        text = ticket_text(ticket.title, ticket.description)
        vector = index.indexed_vector(ticket.id, stamp(ticket.updated_at))
        assert vector is not None
        assert (vector != vectorize(indexed.pipeline, text_frame([text]))).nnz == 0  # the very same vector
        args = {"owner_id": None, "exclude_id": ticket.id, "top": 6}
        found = [hit["id"] for hit in similar_tickets(text=text, updated_at=ticket.updated_at, **args)]
        assert found == _brute_force(indexed, text, **args)
    assert index.indexed_vector(tickets[1].id, stamp(tickets[1].updated_at) + 1) is None  # another version


def test_after_a_burst_of_writes_the_sync_window_moves_on_with_the_clock(app, indexed, monkeypatch):
    # A re-triage stamps thousands of tickets within seconds; every similar request used to re-read them all.
    monkeypatch.setattr(shared_index, "SYNC_MARGIN", timedelta(milliseconds=300))
    index = index_for(app, indexed)
    burst = db.session.scalars(sa.select(Ticket).order_by(Ticket.id).limit(20)).all()
    for ticket in burst:
        ticket.title, ticket.updated_at = "Refund still missing", utcnow()
    db.session.commit()
    assert index.sync() >= 20 and set(index.delta) == {t.id for t in burst}
    time.sleep(0.4)
    index.sync()  # the burst is still within the margin of the previous sync's start
    time.sleep(0.4)
    assert index.sync() == 0  # now it is not: nothing is read again
    assert _found("refund still missing", owner_id=None, exclude_id=None, top=20) == _brute_force(
        indexed, "refund still missing", owner_id=None, exclude_id=None, top=20
    )


def test_a_write_committed_after_a_sync_but_stamped_before_it_still_reaches_the_delta(
    app, postgres_only, indexed, monkeypatch
):
    monkeypatch.setattr(shared_index, "SYNC_MARGIN", timedelta(seconds=5))
    index = index_for(app, indexed)
    target = db.session.scalars(sa.select(Ticket.id).order_by(Ticket.id).limit(1)).one()
    with db.engine.connect() as writer:  # another agent's transaction, open across the sync
        writer.execute(
            sa.update(Ticket)
            .where(Ticket.id == target)
            .values(title="Charged twice on my card", updated_at=utcnow() - timedelta(seconds=1))
        )
        index.sync()
        db.session.rollback()
        assert target not in index.delta  # not committed yet: invisible
        writer.commit()
    index.sync()
    assert target in index.delta
    args = {"owner_id": None, "exclude_id": None, "top": 5}
    found = _found("charged twice on my card", **args)
    assert target in found and found == _brute_force(indexed, "charged twice on my card", **args)


def test_a_fold_writes_a_new_build_that_workers_switch_to(app, indexed, make_ticket):
    make_ticket(title="Crash again", description="The editor crashes on save once more.")
    gone = db.session.scalars(sa.select(Ticket).order_by(Ticket.id).limit(3)).all()
    for ticket in gone:
        db.session.delete(ticket)
    db.session.commit()
    before = {text: _found(text, owner_id=None, exclude_id=None, top=5) for text in QUERIES}
    old = index_for(app, indexed).build.path
    app.config["SIMILARITY_FOLD_ROWS"] = 1
    app.config["MODEL_NAME"] = indexed.name
    assert fold_similarity_index.call_local() is not None
    new = index_files.current_path(build_slot(app, indexed))
    assert new != old and index_files.open_build(new).rows == 58
    model_cache(app).refresh(wait=True)  # each check follows the newest build of the served version
    index = index_for(app, model_cache(app).current())
    assert index.build.path == new and index.delta == {}
    assert {text: _found(text, owner_id=None, exclude_id=None, top=5) for text in QUERIES} == before
    app.config["SIMILARITY_FOLD_ROWS"] = 10_000
    assert fold_similarity_index.call_local() is None  # nothing worth folding


def test_similar_without_a_built_index_is_a_clear_503(app, client, agent, auth, serving, make_ticket):
    app.config["SIMILARITY_INDEX_DIR"] = app.config["SIMILARITY_INDEX_DIR"] + "-empty"
    app.config["MLFLOW_TRACKING_URI"] = "http://127.0.0.1:9"  # and nothing to download it from
    ticket = make_ticket(title="Crash", description="It crashes.")
    response = client.get(f"/api/tickets/{ticket.id}/similar/", headers=auth(agent))
    assert response.status_code == 503 and "similarity index" in response.json["message"]


def test_a_cached_build_of_the_same_version_number_from_another_registry_is_not_served(app, indexed):
    # A recreated registry numbers its versions from 1 again; the cache folder may outlive it.
    slot = build_slot(app, indexed)
    any_build = replace(slot, run_id=None)
    stale = index_files.write_build(
        replace(slot, run_id="an-earlier-registrys-run"),
        vectorize(indexed.pipeline, text_frame(["an older model's only ticket"])),
        ids=np.array([999_999]),
        owners=np.array([1]),
        stamps=np.zeros(1),
        watermark=None,
    )
    assert index_files.current_path(any_build) == stale  # no run asked: any build
    assert index_files.current_path(slot) is None
    app.extensions.pop("ml_similarity", None)  # a worker starting now
    index = index_for(app, indexed)  # fetches the version's own build from its run
    assert index.build.path != stale and index.build.run_id == indexed.run_id and index.build.rows == 60
    assert index_files.current_path(slot) == index.build.path


def test_a_cached_build_that_names_no_run_is_fetched_again_and_named(app, indexed):
    # Builds written before they recorded their run could be another registry's: not trusted.
    slot = build_slot(app, indexed)
    unnamed = index_files.write_build(
        replace(slot, run_id=None),
        vectorize(indexed.pipeline, text_frame(["a build of unknown origin"])),
        ids=np.array([999_999]),
        owners=np.array([1]),
        stamps=np.zeros(1),
        watermark=None,
    )
    assert index_files.current_path(slot) is None
    app.extensions.pop("ml_similarity", None)
    index = index_for(app, indexed)
    assert index.build.path != unnamed and index.build.rows == 60 and index.build.run_id == indexed.run_id


def test_a_downloaded_build_that_names_no_run_is_named_after_the_run_it_came_from(tmp_path, indexed):
    source = tmp_path / "download"
    logged = index_files.write_build(
        index_files.BuildSlot(source, "m", "1"),
        vectorize(indexed.pipeline, text_frame(["a ticket"])),
        ids=np.array([1]),
        owners=np.array([1]),
        stamps=np.zeros(1),
        watermark=None,
    )
    slot = index_files.BuildSlot(tmp_path / "cache", "m", "1", "run-a")
    adopted = index_files.adopt(logged, slot)
    assert index_files.current_path(slot) == adopted
    assert index_files.open_build(adopted).run_id == "run-a"
