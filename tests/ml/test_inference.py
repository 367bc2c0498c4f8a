"""The direct TF-IDF and linear scores give scikit-learn's numbers exactly, on text we did not generate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.svm import SVC, LinearSVC

from app.ml.inference import decision_scores, tfidf_transform
from app.ml.pipeline import build_features, text_frame
from tests.helpers.corpus import realistic_texts

# Beside the corpus: nothing left after normalising, words the vocabulary never saw, one repeated term.
EDGES = ["", "   \n  ", "zzzqx wvvkj", "refund refund refund refund"]


def _identical(ours, theirs) -> bool:
    theirs = theirs.tocsr()
    theirs.sort_indices()
    return (
        ours.dtype == theirs.dtype
        and ours.shape == theirs.shape
        and np.array_equal(ours.indptr, theirs.indptr)
        and np.array_equal(ours.indices, theirs.indices)
        and np.array_equal(ours.data, theirs.data)
    )


@pytest.mark.parametrize("n_samples", [800, 200_000], ids=["small data", "large data"])
@pytest.mark.parametrize("kind", ["word", "char"])
def test_the_project_vectorisers_transform_identically(kind, n_samples):
    texts, _ = realistic_texts()
    features = build_features(kind, n_samples).fit(text_frame(texts[:600]))
    vectorizer = features.transformers_[0][1]
    unseen = texts[600:] + EDGES  # rows the vocabulary was not fitted on, as in production
    assert _identical(tfidf_transform(vectorizer, unseen), vectorizer.transform(unseen))
    for text in unseen[:50]:  # one at a time, as a request vectorises
        assert _identical(tfidf_transform(vectorizer, [text]), vectorizer.transform([text]))


@pytest.mark.parametrize(
    "settings",
    [
        {"binary": True, "norm": "l1", "dtype": np.float64},
        {"use_idf": False, "norm": None, "sublinear_tf": False},
        {"analyzer": "char", "ngram_range": (1, 3), "smooth_idf": False},
    ],
)
def test_other_vectoriser_settings_transform_identically(settings):
    texts, _ = realistic_texts()
    vectorizer = TfidfVectorizer(**settings).fit(texts[:600])
    unseen = texts[600:] + EDGES
    assert _identical(tfidf_transform(vectorizer, unseen), vectorizer.transform(unseen))


@pytest.mark.parametrize(
    "model",
    [SGDClassifier(random_state=0), LogisticRegression(max_iter=300), LinearSVC()],
    ids=lambda m: type(m).__name__,
)
@pytest.mark.parametrize("binary", [False, True], ids=["five classes", "two classes"])
def test_linear_scores_equal_decision_function(model, binary):
    texts, labels = realistic_texts()
    vectorizer = TfidfVectorizer(sublinear_tf=True, dtype=np.float32).fit(texts)
    features = vectorizer.transform(texts)
    targets = [label == "bug" for label in labels] if binary else labels
    model.fit(features[:600], targets[:600])
    assert np.array_equal(decision_scores(model, features[600:]), model.decision_function(features[600:]))


def test_a_model_without_coefficients_is_asked_itself():
    texts, labels = realistic_texts()
    features = TfidfVectorizer().fit_transform(texts)
    model = SVC(kernel="rbf").fit(features, labels)  # not linear: no coef_ to multiply
    assert np.array_equal(decision_scores(model, features[:20]), model.decision_function(features[:20]))
