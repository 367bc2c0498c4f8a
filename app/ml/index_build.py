"""Building similarity index files, in the jobs worker only: a full build and folding changes into it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from scipy import sparse

from app.extensions import db
from app.ml import index_files
from app.ml.pipeline import text_frame, ticket_text, vectorize
from app.tickets.models import Ticket
from app.timeutil import as_utc

BATCH = 10_000
# Rows committed late may carry an updated_at a little older than the newest already seen.
SYNC_MARGIN = timedelta(seconds=5)
COLUMNS = (Ticket.id, Ticket.title, Ticket.description, Ticket.created_by_id, Ticket.updated_at)


def stamp(value: datetime) -> float:
    """updated_at as Unix seconds (how builds and deltas compare versions of a row)."""
    return as_utc(value).timestamp()


def vectorize_rows(pipeline: Any, rows: Sequence[sa.Row]) -> sparse.csr_matrix:
    """The model's TF-IDF vectors of ticket rows."""
    return vectorize(pipeline, text_frame([ticket_text(r.title, r.description) for r in rows]))


def _columns(rows: Sequence[sa.Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids = np.fromiter((r.id for r in rows), dtype=np.int64, count=len(rows))
    owners = np.fromiter((r.created_by_id for r in rows), dtype=np.int64, count=len(rows))
    stamps = np.fromiter((stamp(r.updated_at) for r in rows), dtype=np.float64, count=len(rows))
    return ids, owners, stamps


def _newest(rows: Sequence[sa.Row], current: datetime | None) -> datetime | None:
    for row in rows:
        value = as_utc(row.updated_at)
        current = value if current is None or value > current else current
    return current


def build_full(pipeline: Any, slot: index_files.BuildSlot, progress: Callable[[str], None]) -> Path:
    """Vectorise every ticket with the version's TF-IDF and write a build."""
    blocks: list[sparse.csr_matrix] = []
    ids: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    stamps: list[np.ndarray] = []
    watermark: datetime | None = None
    result = db.session.execute(sa.select(*COLUMNS).order_by(Ticket.id).execution_options(yield_per=BATCH))
    for batch in result.partitions(BATCH):
        blocks.append(vectorize_rows(pipeline, batch))
        for column, values in zip((ids, owners, stamps), _columns(batch), strict=True):
            column.append(values)
        watermark = _newest(batch, watermark)
        progress(f"Similarity index: {sum(map(len, ids)):,} tickets vectorised")
    if not blocks:
        blocks.append(vectorize(pipeline, text_frame([""]))[:0])
    matrix = sparse.vstack(blocks, format="csr")
    empty = np.empty(0)
    return index_files.write_build(
        slot,
        matrix,
        ids=np.concatenate(ids) if ids else empty,
        owners=np.concatenate(owners) if owners else empty,
        stamps=np.concatenate(stamps) if stamps else empty,
        watermark=watermark,
    )


def held_positions(build: index_files.IndexBuild, rows: Sequence[sa.Row]) -> np.ndarray:
    """Each (id, updated_at) row's position in the build when it holds that very version, else -1."""
    ids = np.fromiter((r.id for r in rows), dtype=np.int64, count=len(rows))
    stamps = np.fromiter((stamp(r.updated_at) for r in rows), dtype=np.float64, count=len(rows))
    if build.rows == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(build.ids, ids), build.rows - 1)
    return np.where((build.ids[pos] == ids) & (build.stamps[pos] == stamps), pos, -1)


def changed_since(build: index_files.IndexBuild) -> list[sa.Row]:
    """Tickets created or edited after the build (compared by updated_at), with their text."""
    query = sa.select(*COLUMNS)
    if build.watermark is not None:
        query = query.where(Ticket.updated_at >= build.watermark - SYNC_MARGIN)
    rows = db.session.execute(query).all()
    return [row for row, pos in zip(rows, held_positions(build, rows).tolist(), strict=True) if pos < 0]


def fold(pipeline: Any, slot: index_files.BuildSlot, progress: Callable[[str], None]) -> Path | None:
    """Write a new build: the current one without deleted or superseded rows, plus the changed tickets."""
    path = index_files.current_path(slot)
    if path is None:
        return build_full(pipeline, slot, progress)
    build = index_files.open_build(path)
    changed = changed_since(build)
    existing = np.fromiter(db.session.scalars(sa.select(Ticket.id)), dtype=np.int64)
    new_ids, new_owners, new_stamps = _columns(changed)
    keep = np.isin(build.ids, existing) & ~np.isin(build.ids, new_ids)
    if not changed and keep.all():
        progress("Similarity index: nothing to fold")
        return None
    progress(f"Similarity index: folding {len(changed):,} changed and {int((~keep).sum()):,} dropped rows")
    parts = [index_files.as_csr(build)[keep]]
    if changed:
        parts.append(vectorize_rows(pipeline, changed))
    return index_files.write_build(
        slot if slot.run_id else replace(slot, run_id=build.run_id),
        sparse.vstack(parts, format="csr"),
        ids=np.concatenate([build.ids[keep], new_ids]),
        owners=np.concatenate([build.owners[keep], new_owners]),
        stamps=np.concatenate([build.stamps[keep], new_stamps]),
        watermark=_newest(changed, build.watermark),
    )
