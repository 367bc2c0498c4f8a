"""Exact top-k cosine search over one index build, pruned MaxScore-style so common terms cost little.

Every term t of a query bounds what it can add to any row's score by q_t * max(X[:, t]) (the build stores the
column maxima). Once k eligible rows with exact scores are known, the k-th of them (theta) is a floor: terms
whose bounds, smallest first, sum to less than theta are "non-essential", and a row found only in those cannot
reach theta, so only the essential terms' postings (the rare, high-idf, short columns) are gathered. The
skipped terms are then looked up per candidate row, highest bound first, dropping rows whose bound falls below
theta; the rest are completed exactly from the row-major copy, best bound first, until no bound reaches theta.
Requesters' searches score their own rows directly (the build keeps the rows sorted by owner).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.ml.index_files import IndexBuild, Pruning

SEED_POSTINGS = 50_000  # postings of the highest-bound terms read to find the first theta
SEED_ROWS = 8  # times k: the best partial rows of those scored exactly
REFINE_UNTIL = 512  # candidates looked up term by term in the skipped columns while more than this remain
# Terms are skipped only while their bounds sum to under this share of theta: a few more postings gathered
# leave far fewer candidates to look up row by row (measured at 1,000,000 tickets: 0.35-0.5 best).
SKIP_FRACTION = 0.35
BATCH = 256  # candidates completed exactly per round, best bound first
SCRATCH_SHARE = 0.2  # measured at 1,000,000 rows: np.add.at beats a dense bincount below ~200,000 postings
OWNER_DIRECT_ROWS = 50_000  # a requester with up to this many tickets has them scored directly
SLACK = 1e-9  # float64 sums of the same float32 products differ by far less; keeps bounds safe


@dataclass(frozen=True)
class Query:
    """A query vector: its term columns and their float64 weights."""

    terms: np.ndarray
    weights: np.ndarray

    def dense(self, n_features: int) -> np.ndarray:
        """The query as a dense vector (zero pages cost nothing until written)."""
        vector = np.zeros(n_features)
        vector[self.terms] = self.weights
        return vector


Eligible = Callable[[np.ndarray], np.ndarray]  # row positions -> mask of the rows the caller may get


def exact_scores(pruning: Pruning, rows: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """Cosines of base rows with a dense query, from the row-major copy (each row summed in column order)."""
    starts = pruning.row_indptr[rows].astype(np.int64)
    lengths = pruning.row_indptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(len(rows))
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
    values = pruning.row_data[offsets].astype(np.float64) * dense[pruning.row_indices[offsets]]
    return np.bincount(np.repeat(np.arange(len(rows)), lengths), weights=values, minlength=len(rows))


def _postings(build: IndexBuild, query: Query, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and weighted values of the chosen query terms' columns."""
    if len(which) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0)
    starts, ends = build.indptr[query.terms[which]], build.indptr[query.terms[which] + 1]
    # Plain views of the mapped arrays: a memmap slice costs Python-level bookkeeping per column.
    indices, data = build.indices.view(np.ndarray), build.data.view(np.ndarray)
    rows = np.concatenate([indices[s:e] for s, e in zip(starts, ends, strict=True)])
    stored = np.concatenate([data[s:e] for s, e in zip(starts, ends, strict=True)])
    return rows, stored.astype(np.float64) * np.repeat(query.weights[which], ends - starts)


def _accumulate(rows: np.ndarray, values: np.ndarray, scratch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows and the sum of their values (rows ascending after a dense pass, else in no set order).

    Fewer postings than SCRATCH_SHARE of the rows are summed in `scratch` (zeros, left so) and read back per
    posting, never touching the other rows; past that one dense pass over all rows is cheaper.
    """
    if len(rows) >= SCRATCH_SHARE * len(scratch):
        dense = np.bincount(rows, weights=values, minlength=len(scratch))
        hit = np.flatnonzero(dense > 0)  # stored values are positive; a boolean scan is several times faster
        return hit, dense[hit]
    marks = np.arange(1, len(rows) + 1, dtype=np.float64)
    try:
        np.add.at(scratch, rows, values)
        sums = scratch[rows]
        scratch[rows] = marks  # one mark per row survives: its posting stands for the row
        first = scratch[rows] == marks
    finally:
        scratch[rows] = 0
    return rows[first].astype(np.int64), sums[first]


def _candidates(
    rows: np.ndarray, values: np.ndarray, scratch: np.ndarray, *, rest: float, theta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows (ascending) whose summed values plus `rest` can reach theta, with those sums."""
    if theta > 0 and len(rows) >= SCRATCH_SHARE * len(scratch):
        dense = np.bincount(rows, weights=values, minlength=len(scratch))
        # A cut a little under the exact test's keeps a superset (the test below decides) and reads only
        # the few rows near theta, not the hundreds of thousands any posting touched.
        cut = max(theta / (1 + SLACK) - rest - theta * SLACK, np.finfo(float).tiny)
        hit = np.flatnonzero(dense >= cut)
        sums = dense[hit]
    else:
        hit, sums = _accumulate(rows, values, scratch)
    passed = (sums + rest) * (1 + SLACK) >= theta
    hit, sums = hit[passed], sums[passed]
    order = np.argsort(hit)
    return hit[order], sums[order]


def kth(scores: np.ndarray, k: int) -> float:
    """The k-th largest positive score, or 0 while fewer than k are positive."""
    positive = scores[scores > 0]
    return float(np.partition(positive, len(positive) - k)[len(positive) - k]) if len(positive) >= k else 0.0


class _Found:
    """Exactly scored eligible rows, and theta (the k-th best score among them and the outside floor)."""

    def __init__(self, k: int, floor: np.ndarray, pruning: Pruning, dense: np.ndarray) -> None:
        self.k, self.floor, self.pruning, self.dense = k, floor, pruning, dense
        self.rows: list[np.ndarray] = []
        self.scores: list[np.ndarray] = []
        self.theta = kth(floor, k)

    def add(self, rows: np.ndarray, scores: np.ndarray) -> None:
        self.rows.append(rows)
        self.scores.append(scores)
        self.theta = kth(np.concatenate([self.floor, *self.scores]), self.k)

    def exact(self, rows: np.ndarray) -> np.ndarray:
        return exact_scores(self.pruning, rows, self.dense)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.rows:
            return np.empty(0, dtype=np.int64), np.empty(0)
        rows, scores = np.concatenate(self.rows), np.concatenate(self.scores)
        keep = scores > 0
        return rows[keep], scores[keep]


def _seed(
    build: IndexBuild,
    query: Query,
    bounds: np.ndarray,
    eligible: Eligible,
    found: _Found,
    scratch: np.ndarray,
) -> None:
    """Score exactly the best partial rows of the highest-bound terms: a first theta."""
    order = np.argsort(-bounds, kind="stable")
    lengths = (build.indptr[query.terms + 1] - build.indptr[query.terms])[order]
    count = max(1, int(np.searchsorted(np.cumsum(lengths), SEED_POSTINGS, side="right")))
    rows, partial = _accumulate(*_postings(build, query, order[:count]), scratch)
    keep = eligible(rows)
    rows, partial = rows[keep], partial[keep]
    if len(rows) > SEED_ROWS * found.k:
        rows = np.sort(rows[np.argpartition(-partial, SEED_ROWS * found.k)[: SEED_ROWS * found.k]])
    found.add(rows, found.exact(rows))


def _column_values(build: IndexBuild, term: int, weight: float, rows: np.ndarray) -> np.ndarray:
    """One column's weighted values at the given (sorted) rows, zero where absent: a per-row lookup."""
    start, end = int(build.indptr[term]), int(build.indptr[term + 1])
    if end == start or len(rows) == 0:
        return np.zeros(len(rows))
    column = build.indices[start:end]
    # Needles of the column's own dtype: otherwise searchsorted first converts the whole column.
    at = np.minimum(np.searchsorted(column, rows.astype(column.dtype)), end - start - 1)
    return np.where(column[at] == rows, build.data[start + at].astype(np.float64) * weight, 0.0)


class _Plan:
    """Which query terms to skip: those that save the most postings per unit of bound, summing under theta.

    `skipped` holds them highest bound first (the order they are looked up in); `rest(i)` is the most the
    skipped terms from the i-th on can add to a row.
    """

    def __init__(self, bounds: np.ndarray, lengths: np.ndarray, theta: float) -> None:
        order = np.argsort(-lengths / np.maximum(bounds, np.finfo(float).tiny), kind="stable")
        prefix = np.cumsum(bounds[order]) * (1 + SLACK)
        count = int(np.searchsorted(prefix, theta * SKIP_FRACTION, side="left"))
        self.essential = order[count:]
        self.skipped = order[:count][np.argsort(-bounds[order[:count]], kind="stable")]
        self._tail = np.cumsum(bounds[self.skipped][::-1])[::-1] * (1 + SLACK)

    def rest(self, i: int) -> float:
        """The most the skipped terms from the i-th on can add to a row."""
        return float(self._tail[i]) if i < len(self._tail) else 0.0


def _refine(
    build: IndexBuild, query: Query, plan: _Plan, rows: np.ndarray, partial: np.ndarray, found: _Found
) -> tuple[np.ndarray, np.ndarray, float]:
    """Add skipped terms' values, highest bound first, dropping rows whose bound falls below theta."""
    rest = plan.rest(0)
    for i, term in enumerate(plan.skipped):
        if len(rows) <= REFINE_UNTIL:
            break
        partial = partial + _column_values(build, int(query.terms[term]), float(query.weights[term]), rows)
        rest = plan.rest(i + 1)
        keep = (partial + rest) * (1 + SLACK) >= found.theta
        rows, partial = rows[keep], partial[keep]
    return rows, partial, rest


def search_pruned(
    build: IndexBuild,
    pruning: Pruning,
    query: Query,
    *,
    eligible: Eligible,
    k: int,
    floor: np.ndarray,
    scratch: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Base rows and exact scores, including every eligible row of the top k (floor: other rows' scores)."""
    found = _Found(k, floor, pruning, query.dense(build.n_features))
    bounds = query.weights * pruning.colmax[query.terms]
    scratch = np.zeros(build.rows) if scratch is None else scratch
    _seed(build, query, bounds, eligible, found, scratch)
    lengths = build.indptr[query.terms + 1] - build.indptr[query.terms]
    plan = _Plan(bounds, lengths, found.theta)
    rows, partial = _candidates(
        *_postings(build, query, plan.essential), scratch, rest=plan.rest(0), theta=found.theta
    )
    keep = eligible(rows) & ~np.isin(rows, np.concatenate(found.rows))
    rows, partial, rest = _refine(build, query, plan, rows[keep], partial[keep], found)
    bound = partial + rest
    order = np.argsort(-bound, kind="stable")
    rows, bound = rows[order], bound[order]
    for start in range(0, len(rows), BATCH):
        if bound[start] * (1 + SLACK) < found.theta:
            break
        batch = rows[start : start + BATCH]
        found.add(batch, found.exact(batch))
    return found.result()


def search_owner(
    build: IndexBuild, pruning: Pruning, query: Query, *, owner_id: int, eligible: Eligible
) -> tuple[np.ndarray, np.ndarray] | None:
    """All of one owner's eligible rows scored exactly, or None when they are too many to score directly."""
    lo, hi = np.searchsorted(pruning.owner_keys, [owner_id, owner_id + 1])
    if hi - lo > OWNER_DIRECT_ROWS:
        return None
    rows = np.sort(pruning.owner_order[lo:hi]).astype(np.int64)
    rows = rows[eligible(rows)]
    scores = exact_scores(pruning, rows, query.dense(build.n_features))
    keep = scores > 0
    return rows[keep], scores[keep]


def search_scan(build: IndexBuild, query: Query, *, eligible: Eligible) -> tuple[np.ndarray, np.ndarray]:
    """Every eligible row with a positive score: for builds written before pruning existed."""
    rows, scores = _accumulate(*_postings(build, query, np.arange(len(query.terms))), np.zeros(build.rows))
    keep = eligible(rows) & (scores > 0)
    return rows[keep], scores[keep]


def search(
    build: IndexBuild,
    query: Query,
    *,
    eligible: Eligible,
    owner_id: int | None,
    k: int,
    floor: np.ndarray,
    scratch: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Base rows and exact scores that include the top k eligible rows (floor: scores found elsewhere).

    scratch: zeros, one per row, that the search may use and leaves zero (else it allocates its own).
    """
    pruning = build.pruning
    if pruning is None or len(query.terms) == 0:
        return search_scan(build, query, eligible=eligible)
    if owner_id is not None:
        found = search_owner(build, pruning, query, owner_id=owner_id, eligible=eligible)
        if found is not None:
            return found
    return search_pruned(build, pruning, query, eligible=eligible, k=k, floor=floor, scratch=scratch)


def best(ids: np.ndarray, scores: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The `limit` best by score, ties by ascending id, in that order."""
    if len(scores) > limit:
        cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        keep = scores >= cut
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:limit]
    return ids[order], scores[order]
