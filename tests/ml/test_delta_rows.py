"""The delta's stacked rows: the same scores as stacking every live row afresh, whatever the edit order."""

from __future__ import annotations

import random

import numpy as np
from scipy import sparse

from app.ml import delta_rows
from app.ml.delta_rows import DeltaRows

FEATURES = 50


def _vector(rng: random.Random) -> sparse.csr_matrix:
    dense = np.zeros((1, FEATURES), dtype=np.float32)
    for column in rng.sample(range(FEATURES), 4):
        dense[0, column] = rng.random()
    return sparse.csr_matrix(dense)


def _expected(rows: dict, query: np.ndarray) -> dict[int, tuple[int, float]]:
    return {tid: (owner, float((vector @ query).item())) for tid, (vector, owner) in rows.items()}


def _found(delta: DeltaRows, query: np.ndarray) -> dict[int, tuple[int, float]]:
    ids, owners, scores = delta.scores(query)
    assert len(set(ids.tolist())) == len(ids)  # one live row per ticket
    return {int(t): (int(o), float(s)) for t, o, s in zip(ids, owners, scores, strict=True)}


def test_scores_and_rows_match_a_fresh_stack_through_adds_edits_and_removals(monkeypatch):
    monkeypatch.setattr(delta_rows, "COMPACT_AFTER", 20)  # restack often enough to be exercised
    rng = random.Random(7)
    delta, truth = DeltaRows(), {}
    query = np.array([[rng.random()] for _ in range(FEATURES)])
    for step in range(600):
        tid = rng.randrange(120)
        if rng.random() < 0.2:
            delta.remove(tid)
            truth.pop(tid, None)
        else:
            vector, owner = _vector(rng), rng.randrange(3)
            delta.add(tid, vector, owner)
            truth[tid] = (vector, owner)
        if step % rng.choice((1, 3, 17)) == 0:  # searches between writes, sometimes after a burst
            found, expected = _found(delta, query), _expected(truth, query)
            assert found.keys() == expected.keys()
            for tid, (owner, score) in expected.items():
                assert found[tid][0] == owner and abs(found[tid][1] - score) < 1e-5
            assert len(delta) == len(truth)
        probe = rng.randrange(120)  # rows are read back whether still pending or stacked
        held = delta.vector(probe)
        assert (held is None) == (probe not in truth)
        assert held is None or (held != truth[probe][0]).nnz == 0


def test_blocks_stay_few_and_dead_rows_are_dropped_by_a_restack():
    rng = random.Random(1)
    delta = DeltaRows()
    query = np.ones((FEATURES, 1))
    for tid in range(5000):
        delta.add(tid, _vector(rng), 0)
        delta.scores(query)  # a search after every new ticket
    assert len(delta._blocks) <= 13  # log2(5000): one per set bit of the row count
    for tid in range(4000):
        delta.remove(tid)
    ids, _, _ = delta.scores(query)
    assert sorted(ids.tolist()) == list(range(4000, 5000))
    assert delta._live.size == 1000 and len(delta._blocks) == 1
