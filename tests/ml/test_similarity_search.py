"""Pruned exact search agrees with brute force: random and realistic data, filters, delta, deleted rows."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import sparse

from app.ml import index_files, similarity_search
from app.ml.pipeline import Candidate, build_pipeline, text_frame
from app.ml.shared_index import SharedIndex
from tests.helpers.corpus import realistic_texts


def _brute(matrix, query, ids, eligible, limit):
    """Every eligible row's cosine, best first, ties by id, zero scores left out."""
    scores = np.asarray(matrix.astype(np.float64) @ query.astype(np.float64).T.toarray()).ravel()
    ranked = sorted((-scores[r], int(ids[r])) for r in range(len(ids)) if eligible[r] and scores[r] > 0)
    return [(i, -s) for s, i in ranked[:limit]]


def _random_matrix(rng, rows, cols, density):
    """A TF-IDF-like matrix: Zipf-skewed columns, L2-normalised rows, some duplicates and empty rows."""
    weights = 1.0 / np.arange(1, cols + 1) ** 0.8
    dense = np.zeros((rows, cols), dtype=np.float32)
    for r in range(rows):
        n = rng.integers(0, max(2, int(density * cols)))
        terms = rng.choice(cols, size=min(n, cols), replace=False, p=weights / weights.sum())
        dense[r, terms] = rng.random(len(terms)) + 0.05
    if rows > 10:
        dense[rows // 2 : rows // 2 + 5] = dense[3]  # exact ties, broken by id
    matrix = sparse.csr_matrix(dense)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix(sparse.diags(1 / norms) @ matrix, dtype=np.float32)


def _open(tmp_path, matrix, ids, owners):
    path = index_files.write_build(
        index_files.BuildSlot(tmp_path, "m", "1"),
        matrix,
        ids=ids,
        owners=owners,
        stamps=np.zeros(len(ids)),
        watermark=None,
    )
    return index_files.open_build(path)


def _search(build, alive, query, *, owner_id, exclude, limit, floor=None):
    excluded = -1 if exclude is None else int(np.searchsorted(build.ids, exclude))

    def eligible(rows):
        keep = alive[rows] & (rows != excluded)
        return keep & (build.owners[rows] == owner_id) if owner_id is not None else keep

    q = similarity_search.Query(query.indices.astype(np.int64), query.data.astype(np.float64))
    scratch = np.zeros(build.rows)
    rows, scores = similarity_search.search(
        build,
        q,
        eligible=eligible,
        owner_id=owner_id,
        k=limit,
        floor=np.empty(0) if floor is None else floor,
        scratch=scratch,
    )
    assert not scratch.any()  # left as found for the next query
    ids, scores = similarity_search.best(build.ids[rows], scores, limit)
    return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]


@pytest.mark.parametrize("seed", range(6))
def test_random_matrices_agree_with_brute_force(tmp_path, monkeypatch, seed):
    if seed % 2:  # tiny seeds and batches: many rounds of pruning, and the owner path's fallback
        monkeypatch.setattr(similarity_search, "SEED_POSTINGS", 5)
        monkeypatch.setattr(similarity_search, "BATCH", 3)
        monkeypatch.setattr(similarity_search, "OWNER_DIRECT_ROWS", 10)
        monkeypatch.setattr(similarity_search, "REFINE_UNTIL", 2)
        monkeypatch.setattr(similarity_search, "SCRATCH_SHARE", 2.0)  # sums always in the scratch buffer
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(50, 3000)), int(rng.integers(20, 400))
    matrix = _random_matrix(rng, rows, cols, density=float(rng.choice([0.02, 0.1, 0.3])))
    ids = np.sort(rng.choice(10 * rows, size=rows, replace=False)) + 1
    owners = rng.integers(1, 6, size=rows)
    build = _open(tmp_path, matrix, ids, owners)
    alive = rng.random(rows) > 0.1  # deleted or superseded rows
    for _ in range(15):
        query = _random_matrix(rng, 1, cols, density=float(rng.choice([0.01, 0.05, 0.2])))
        for owner_id in (None, int(owners[0])):
            for limit in (1, 5, 15, rows + 10):  # also more than there are matches
                exclude = int(ids[rng.integers(rows)])
                eligible = alive & (ids != exclude) & ((owners == owner_id) if owner_id else True)
                expected = _brute(matrix, query, ids, eligible, limit)
                got = _search(build, alive, query, owner_id=owner_id, exclude=exclude, limit=limit)
                assert [i for i, _ in got] == [i for i, _ in expected]
                assert np.allclose([s for _, s in got], [s for _, s in expected], rtol=1e-9)


def test_a_floor_from_elsewhere_keeps_the_result_exact(tmp_path):
    rng = np.random.default_rng(9)
    matrix = _random_matrix(rng, 2000, 100, density=0.1)
    build = _open(tmp_path, matrix, np.arange(1, 2001), np.ones(2000, dtype=np.int64))
    alive = np.ones(2000, dtype=bool)
    query = matrix[7]
    expected = _brute(matrix, query, build.ids, alive, 10)
    floor = np.array([expected[3][1], expected[8][1], 0.0])  # two rows of a delta scoring inside the top 10
    got = _search(build, alive, query, owner_id=None, exclude=None, limit=10, floor=floor)
    assert [i for i, _ in got][:8] == [i for i, _ in expected][:8]


def test_builds_without_pruning_arrays_are_still_searched(tmp_path):
    rng = np.random.default_rng(4)
    matrix = _random_matrix(rng, 500, 60, density=0.1)
    build = _open(tmp_path, matrix, np.arange(1, 501), rng.integers(1, 4, size=500))
    old = index_files.IndexBuild(**{**build.__dict__, "pruning": None})
    alive = np.ones(500, dtype=bool)
    for row in (1, 2, 3):
        query = matrix[row]
        scanned = _search(old, alive, query, owner_id=None, exclude=None, limit=7)
        pruned = _search(build, alive, query, owner_id=None, exclude=None, limit=7)
        assert [i for i, _ in scanned] == [i for i, _ in pruned]
        assert np.allclose([s for _, s in scanned], [s for _, s in pruned], rtol=1e-6)


def test_realistic_corpus_with_delta_and_deletions_agrees_with_brute_force(tmp_path):
    texts, labels = realistic_texts()
    pipeline = build_pipeline(Candidate("word", "svm", 0.5), n_samples=len(texts))
    pipeline.fit(text_frame(texts), labels)
    word = pipeline.named_steps["features"].named_transformers_["word"]
    matrix = sparse.csr_matrix(word.transform(texts), dtype=np.float32)
    base = len(texts) - 40
    ids, owners = np.arange(1, base + 1), np.arange(base) % 7 + 1
    index = SharedIndex(
        SimpleNamespace(pipeline=pipeline, version="1"), _open(tmp_path, matrix[:base], ids, owners)
    )
    put = {}
    for n, text in enumerate(texts[base:]):  # edits of old tickets and new tickets live in the delta
        ticket_id = int(ids[n * 5]) if n < 20 else base + n + 1
        put[ticket_id] = (sparse.csr_matrix(word.transform([text]), dtype=np.float32), n % 7 + 1)
        index._put(ticket_id, *put[ticket_id], 0.0)
    index.forget([int(i) for i in ids[1::9]])  # deleted
    final = {int(i): (matrix[r], int(owners[r])) for r, i in enumerate(ids) if index.alive[r]}
    final.update({i: put[i] for i in index.delta})
    assert all((index.indexed_vector(i, 0.0) != put[i][0]).nnz == 0 for i in index.delta)
    order = sorted(final)
    everything = sparse.vstack([final[i][0] for i in order], format="csr")
    all_ids, all_owners = np.array(order), np.array([final[i][1] for i in order])
    for text in texts[::37] + ["charged twice", "cannot log in", "zzz unknown words"]:
        query = sparse.csr_matrix(word.transform([text]), dtype=np.float32)
        for owner_id, exclude in ((None, None), (3, None), (None, order[5])):
            eligible = (all_ids != exclude) & ((all_owners == owner_id) if owner_id else True)
            expected = _brute(everything, query, all_ids, eligible, 15)
            got = index.search(text, owner_id=owner_id, exclude_id=exclude, limit=15)
            assert [i for i, _ in got] == [i for i, _ in expected], (text, owner_id)


def test_folds_read_the_same_matrix_from_either_layout(tmp_path):
    rng = np.random.default_rng(5)
    matrix = _random_matrix(rng, 300, 40, density=0.2)
    build = _open(tmp_path, matrix, np.arange(1, 301), np.ones(300, dtype=np.int64))
    old = index_files.IndexBuild(**{**build.__dict__, "pruning": None})
    assert (index_files.as_csr(build) != matrix).nnz == 0
    assert (index_files.as_csr(old) != matrix).nnz == 0
    assert np.allclose(build.pruning.colmax, matrix.max(axis=0).toarray().ravel())
