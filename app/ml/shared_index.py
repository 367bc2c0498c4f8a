"""One model version's shared index in a worker: the memory-mapped base build plus this worker's delta.

The base (index_files) is column-major and read-only, shared by every process that maps it; tickets created or
edited since the build are vectorised into a small delta searched together with it, and the base rows they
replace, and rows of deleted tickets, are masked out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from scipy import sparse

from app.extensions import db
from app.ml import index_files, similarity_search
from app.ml.delta_rows import DeltaRows
from app.ml.index_build import COLUMNS, SYNC_MARGIN, held_positions, stamp, vectorize_rows
from app.ml.pipeline import text_features, text_frame, vectorize
from app.ml.serving import LoadedModel
from app.tickets.models import Ticket
from app.timeutil import as_utc, utcnow


def query_vectorizer(pipeline: Any) -> Callable[[str], sparse.csr_matrix]:
    """Vectorise one query as the pipeline would, without its DataFrame when its feature blocks allow."""

    def vectorize_query(text: str) -> sparse.csr_matrix:
        features = text_features(pipeline, [text])
        return features if features is not None else vectorize(pipeline, text_frame([text]))

    return vectorize_query


class SharedIndex:
    """One model version's base build (shared, read-only) and this worker's delta and deletions."""

    def __init__(self, model: LoadedModel, build: index_files.IndexBuild) -> None:
        self.model, self.build = model, build
        self.vectorize_query = query_vectorizer(model.pipeline)
        self.alive = np.ones(build.rows, dtype=bool)  # False: superseded by the delta, or deleted
        self.scratch = np.zeros(build.rows)  # the search's per-row sums, used under the lock
        self.delta: dict[int, float] = {}  # ticket id -> updated_at stamp of the version the delta holds
        self._delta_rows = DeltaRows()  # the delta's vectors and owners, stacked for search
        self.watermark = build.watermark
        self.lock = threading.Lock()  # the delta and masks, against concurrent searches
        self.sync_lock = threading.Lock()

    def _base_position(self, ticket_id: int) -> int:
        pos = int(np.searchsorted(self.build.ids, ticket_id))
        return pos if pos < self.build.rows and self.build.ids[pos] == ticket_id else -1

    def sync(self) -> int:
        """Vectorise tickets created or edited since the last sync into the delta; return the rows read.

        A write commits within SYNC_MARGIN of stamping updated_at, so the window starts that long before the
        later of the newest stamp seen and the previous sync's start: after a burst of writes (a re-triage)
        it moves on with the clock instead of re-reading the burst at every request until a later write.
        Syncs run one at a time, so a slower one never applies an older read over a newer one, and a burst
        is vectorised once, not by every request that arrives meanwhile.
        """
        with self.sync_lock:
            started = utcnow()
            query = sa.select(Ticket.id, Ticket.updated_at)
            if self.watermark is not None:
                query = query.where(Ticket.updated_at >= self.watermark - SYNC_MARGIN)
            seen = db.session.execute(query).all()
            changed = self._changed(seen)
            rows = (
                db.session.execute(sa.select(*COLUMNS).where(Ticket.id.in_(changed))).all() if changed else []
            )
            self._apply(rows, seen, started)
            return len(seen)

    def _apply(self, rows: Sequence[sa.Row], seen: Sequence[sa.Row], started: datetime) -> None:
        """Put the changed rows' vectors in the delta and move the watermark past what the sync saw."""
        vectors = vectorize_rows(self.model.pipeline, rows) if rows else None
        with self.lock:
            for n, row in enumerate(rows):
                self._put(row.id, vectors[n], row.created_by_id, stamp(row.updated_at))  # type: ignore[index]
            newest = as_utc(max((r.updated_at for r in seen), default=None))
            self.watermark = max(t for t in (self.watermark, newest, started) if t is not None)

    def _changed(self, seen: Sequence[sa.Row]) -> list[int]:
        """Ids among (id, updated_at) rows whose version this index does not hold (one pass, not per row)."""
        pos = held_positions(self.build, seen)
        held = pos >= 0
        held[held] = self.alive[pos[held]]
        if self.delta:
            for n in np.flatnonzero(~held).tolist():
                held[n] = self.delta.get(seen[n].id) == stamp(seen[n].updated_at)
        return [row.id for row, known in zip(seen, held.tolist(), strict=True) if not known]

    def _put(self, ticket_id: int, vector: sparse.csr_matrix, owner_id: int, updated: float) -> None:
        """Hold this version of the ticket in the delta, in place of any it held (caller holds the lock)."""
        self._forget(ticket_id)
        self.delta[ticket_id] = updated
        self._delta_rows.add(ticket_id, vector, owner_id)

    def _forget(self, ticket_id: int) -> None:
        pos = self._base_position(ticket_id)
        if pos >= 0:
            self.alive[pos] = False
        if self.delta.pop(ticket_id, None) is not None:
            self._delta_rows.remove(ticket_id)

    def forget(self, ticket_ids: list[int]) -> None:
        """Drop tickets found deleted."""
        with self.lock:
            for ticket_id in ticket_ids:
                self._forget(ticket_id)

    def indexed_vector(self, ticket_id: int, updated: float) -> sparse.csr_matrix | None:
        """The ticket's vector as this index holds it, if it holds the version stamped `updated`."""
        held = self.delta.get(ticket_id)
        if held is not None:
            return self._delta_rows.vector(ticket_id) if held == updated else None
        pos, pruning = self._base_position(ticket_id), self.build.pruning
        if pos < 0 or pruning is None or not self.alive[pos] or self.build.stamps[pos] != updated:
            return None
        lo, hi = int(pruning.row_indptr[pos]), int(pruning.row_indptr[pos + 1])
        row = (np.array(pruning.row_data[lo:hi]), np.array(pruning.row_indices[lo:hi]), [0, hi - lo])
        return sparse.csr_matrix(row, shape=(1, self.build.n_features))

    def _delta_scores(self, query: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._delta_rows.scores(query.T.toarray().astype(np.float64))

    def _eligible(self, owner_id: int | None, exclude_id: int | None) -> similarity_search.Eligible:
        excluded = self._base_position(exclude_id) if exclude_id is not None else -1

        def eligible(rows: np.ndarray) -> np.ndarray:
            keep = self.alive[rows]
            if owner_id is not None:
                keep &= self.build.owners[rows] == owner_id
            return keep & (rows != excluded)

        return eligible

    def search(
        self,
        text: str,
        *,
        owner_id: int | None,
        exclude_id: int | None,
        limit: int,
        vector: sparse.csr_matrix | None = None,
    ) -> list[tuple[int, float]]:
        """Up to `limit` (ticket id, cosine score) pairs, best first (ties by id), zero scores left out.

        vector: the text's vector when already known (the same one vectorize_query would return).
        """
        vector = self.vectorize_query(text) if vector is None else vector
        query = similarity_search.Query(vector.indices.astype(np.int64), vector.data.astype(np.float64))
        with self.lock:
            d_ids, d_owners, d_scores = self._delta_scores(vector)
            mask = (d_scores > 0) & (d_ids != exclude_id)
            if owner_id is not None:
                mask &= d_owners == owner_id
            rows, scores = similarity_search.search(
                self.build,
                query,
                eligible=self._eligible(owner_id, exclude_id),
                owner_id=owner_id,
                k=limit,
                floor=d_scores[mask],
                scratch=self.scratch,
            )
        ids = np.concatenate([self.build.ids[rows], d_ids[mask]])
        ids, scores = similarity_search.best(ids, np.concatenate([scores, d_scores[mask]]), limit)
        return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]
