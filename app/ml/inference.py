"""A few texts through fitted TF-IDF and linear models without scikit-learn's per-call checks: same numbers.

For one short ticket, TfidfVectorizer.transform and a linear model's decision_function spend ~0.45 ms on
input validation, DataFrame-library probes and intermediate sparse matrices around ~0.05 ms of arithmetic.
These functions do that arithmetic as the fitted objects define it, in the same dtype and order (see
tests/ml/test_inference.py, which compares them with scikit-learn's own on the realistic corpus).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l1, inplace_csr_row_normalize_l2

_NORMALIZE = {"l1": inplace_csr_row_normalize_l1, "l2": inplace_csr_row_normalize_l2}


def _counts(vectorizer: TfidfVectorizer, texts: list[str]) -> sparse.csr_matrix:
    """CountVectorizer.transform: the in-vocabulary term counts of each text."""
    analyze, vocabulary = vectorizer.build_analyzer(), vectorizer.vocabulary_
    columns: list[int] = []
    counts: list[int] = []
    indptr = [0]
    for text in texts:
        row: dict[int, int] = {}
        for term in analyze(text):
            column = vocabulary.get(term)
            if column is not None:
                row[column] = row.get(column, 0) + 1
        columns.extend(row)
        counts.extend(row.values())
        indptr.append(len(columns))
    data = np.asarray(counts, dtype=vectorizer.dtype)
    if vectorizer.binary:
        data.fill(1)
    shape = (len(texts), len(vocabulary))
    matrix = sparse.csr_matrix(
        (data, np.asarray(columns, np.int32), np.asarray(indptr, np.int32)), shape=shape
    )
    matrix.sort_indices()
    return matrix


def tfidf_transform(vectorizer: TfidfVectorizer, texts: list[str]) -> sparse.csr_matrix:
    """vectorizer.transform(texts) for a fitted TfidfVectorizer: counts, sublinear tf, idf, row norm."""
    matrix = _counts(vectorizer, texts)
    if vectorizer.sublinear_tf:
        np.log(matrix.data, matrix.data)
        matrix.data += 1.0
    if vectorizer.use_idf:
        matrix.data *= vectorizer.idf_[matrix.indices]
    if vectorizer.norm is not None:
        _NORMALIZE[vectorizer.norm](matrix)
    return matrix


def decision_scores(model: Any, features: Any) -> np.ndarray:
    """model.decision_function(features); for a linear model computed directly as X coef' + intercept."""
    if not hasattr(model, "coef_"):
        return model.decision_function(features)
    scores = safe_sparse_dot(features, model.coef_.T, dense_output=True) + model.intercept_
    return scores.ravel() if scores.shape[1] == 1 else scores
