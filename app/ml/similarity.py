"""Similar tickets: the shared index each worker serves, its swaps at promotion and folds, the search answer.

Each model version has one index (shared_index.SharedIndex: the memory-mapped build plus a per-worker delta);
web workers open the build a job wrote, never build one themselves.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from app.errors import ServiceUnavailable
from app.extensions import db
from app.ml import index_files
from app.ml.index_build import stamp
from app.ml.serving import LoadedModel, SwapDeferred, model_cache
from app.ml.shared_index import SharedIndex
from app.tickets.models import Ticket

log = logging.getLogger(__name__)

RETRY_SECONDS = 10  # how long a worker waits before looking for a missing index again
MAX_ROUNDS = 8


class _Holder:
    """This worker's open indexes by version (the served one, and the next while it swaps in)."""

    def __init__(self) -> None:
        self.indexes: dict[str, SharedIndex] = {}
        self.missing: dict[str, float] = {}  # version -> when it was last looked for in vain
        self.lock = threading.Lock()


def _holder(app: Flask) -> _Holder:
    return app.extensions.setdefault("ml_similarity", _Holder())


def build_slot(app: Flask, model: LoadedModel) -> index_files.BuildSlot:
    """Where this machine caches the served version's similarity index builds."""
    return index_files.BuildSlot(app.config["SIMILARITY_INDEX_DIR"], model.name, model.version, model.run_id)


def _locate(app: Flask, model: LoadedModel, *, download: bool) -> index_files.IndexBuild | None:
    """This machine's current build of the version, fetched from the registry into the cache if allowed."""
    slot = build_slot(app, model)
    path = index_files.current_path(slot)
    if path is None and download and model.run_id:
        from app.ml import registry

        try:
            with registry.guard("downloading the similarity index"):
                path = registry.fetch_similarity_index(
                    model.run_id, lambda local: index_files.adopt(local, slot)
                )
        except registry.RegistryUnavailable as exc:
            log.warning("similarity index of version %s not fetched: %s", model.version, exc)
    return index_files.open_build(path) if path is not None else None


def index_for(app: Flask, model: LoadedModel) -> SharedIndex:
    """The open index of the model's version; ServiceUnavailable (503) while it has not been built."""
    holder = _holder(app)
    index = holder.indexes.get(model.version)
    if index is not None and index.model is model:
        return index
    with holder.lock:
        index = holder.indexes.get(model.version)
        if index is None or index.model is not model:
            last = holder.missing.get(model.version)
            build = _locate(app, model, download=last is None or time.monotonic() - last > RETRY_SECONDS)
            if build is None:
                holder.missing[model.version] = time.monotonic()
                raise ServiceUnavailable(
                    f"The similarity index of model version {model.version} is not built yet: the jobs "
                    "worker (`flask jobs worker`) builds it after training or promotion."
                )
            index = SharedIndex(model, build)
            holder.indexes = {model.version: index}  # the previous version's mapping is released
            holder.missing.pop(model.version, None)
        return index


def prepare_swap(app: Flask, model: LoadedModel) -> None:
    """Swap listener: open the new version's index first, or defer the swap until it exists."""
    try:
        index_for(app, model)
    except ServiceUnavailable as exc:
        raise SwapDeferred(exc.message) from exc


def follow_builds(app: Flask, model: LoadedModel) -> None:
    """Check listener: switch to a newer build of the served version (a fold) when one appears."""
    index = _holder(app).indexes.get(model.version)
    if index is None:
        return
    path = index_files.current_path(build_slot(app, model))
    if path is not None and path != index.build.path:
        fresh = SharedIndex(model, index_files.open_build(path))
        fresh.sync()
        with _holder(app).lock:
            _holder(app).indexes[model.version] = fresh


def _ticket_rows(ids: list[int]) -> dict[int, sa.Row]:
    query = sa.select(Ticket.id, Ticket.title, Ticket.status, Ticket.category).where(Ticket.id.in_(ids))
    return {r.id: r for r in db.session.execute(query)} if ids else {}


def similar_tickets(
    *, text: str, owner_id: int | None, exclude_id: int | None, top: int, updated_at: datetime | None = None
) -> list[dict[str, Any]]:
    """The `top` tickets closest to the text among those visible (owner_id: only that user's).

    updated_at: the text is ticket exclude_id's as of then, so its indexed vector can stand for it.
    """
    index = index_for(current_app, model_cache(current_app).current())
    index.sync()
    vector = None
    if updated_at is not None and exclude_id is not None:
        vector = index.indexed_vector(exclude_id, stamp(updated_at))
    found: list[dict[str, Any]] = []
    for _ in range(MAX_ROUNDS):
        hits = index.search(text, owner_id=owner_id, exclude_id=exclude_id, limit=top + 10, vector=vector)
        # The spare hits stand in for tickets deleted since the index saw them: read them only then.
        rows = _ticket_rows([i for i, _ in hits[:top]])
        if len(rows) < len(hits[:top]):
            rows |= _ticket_rows([i for i, _ in hits[top:]])
        found = [{**rows[i]._asdict(), "score": round(s, 6)} for i, s in hits if i in rows]
        missing = [i for i, _ in hits if i not in rows]
        if len(found) >= top or not missing:
            break
        index.forget(missing)  # deleted since they were indexed; search again without them
    return found[:top]


def describe(app: Flask) -> dict[str, object] | None:
    """The similarity index this worker serves: version, build, live rows and delta size."""
    model = model_cache(app).loaded
    index = _holder(app).indexes.get(model.version) if model else None
    if index is None:
        return None
    return {
        "model_version": index.model.version,
        "build": index.build.path.name,
        "tickets": int(index.alive.sum()) + len(index.delta),
        "delta": len(index.delta),
    }


def connect(app: Flask) -> None:
    """Subscribe the similarity index to the model cache's swaps and checks."""
    cache = model_cache(app)
    cache.on_swap(lambda model: prepare_swap(app, model))
    cache.on_check(lambda model: follow_builds(app, model))
