"""The classifier itself: selection, calibration, thresholds, explanations and the gate's arithmetic."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.ml.candidates import CANDIDATES, LARGE_CANDIDATES, Candidate, candidates_for
from app.ml.evaluate import scores
from app.ml.gate import Scored, bootstrap_delta, compare, in_holdout
from app.ml.pipeline import (
    explain,
    explain_features,
    predict_proba_texts,
    text_features,
    text_frame,
    ticket_text,
    vectorize,
)
from app.ml.selection import fit_calibrated, refit_all, select_candidate
from app.ml.thresholds import NEVER, choose_thresholds, coverage_and_precision
from tests.ml.corpus import PHRASES, sample_text

UNSEEN = {
    "billing": ("Refund please", "You charged my credit card twice for the same invoice."),
    "bug": ("Crash", "The app crashes with an error 500 when I click save."),
    "account": ("Login problem", "I cannot log in, the password reset email never arrives."),
    "feature": ("Suggestion", "It would be great if you could add a dark mode option."),
    "other": ("Hello", "A general question about your office hours and where the company is located."),
}


def _corpus(per_category: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = random.Random(seed)
    texts, labels = [], []
    for category in PHRASES:
        for _ in range(per_category):
            texts.append(ticket_text(*sample_text(category, rng)))
            labels.append(category)
    return texts, np.asarray(labels)


def test_selection_scores_every_affordable_candidate_and_the_winner_learns():
    texts, labels = _corpus(20, seed=1)
    ranking = select_candidate(text_frame(texts), labels)
    assert {s.candidate for s in ranking} == set(CANDIDATES)
    assert ranking[0].cv_macro_f1_mean == max(s.cv_macro_f1_mean for s in ranking)
    fitted = fit_calibrated(ranking[0].candidate, text_frame(texts), labels, target_precision=0.9)
    predicted = fitted.pipeline.predict(text_frame([ticket_text(*t) for t in UNSEEN.values()]))
    assert list(predicted) == list(UNSEEN)
    proba = fitted.pipeline.predict_proba(text_frame([ticket_text(*UNSEEN["bug"])]))
    assert abs(proba.sum() - 1) < 1e-6 and fitted.oof_proba.shape == (len(texts), 5)


def test_large_training_sets_skip_the_costly_character_candidates():
    assert {c.features for c in candidates_for(1_000_000)} == {"word"}
    assert {c.classifier for c in candidates_for(100_000)} == {"sgd"}  # linear in the data
    assert {c.features for c in candidates_for(500)} == {"word", "union"}


def test_refit_on_all_keeps_the_thresholds_and_explains_with_words():
    texts, labels = _corpus(16, seed=3)
    fitted = fit_calibrated(
        Candidate("union", "lr", 4.0), text_frame(texts[::2]), labels[::2], target_precision=0.9
    )
    held_out = vectorize(fitted.pipeline, text_frame(texts[1::2]))
    final = refit_all(fitted, held_out, labels[1::2])
    assert final[-1].thresholds == fitted.pipeline[-1].thresholds
    assert final[-1].temperature == fitted.pipeline[-1].temperature
    # The training part's vocabulary is kept: the refit only adds rows.
    assert final.named_steps["features"] is fitted.pipeline.named_steps["features"]
    assert len(final[-1].base.coef_[0]) == held_out.shape[1]
    frame = text_frame([ticket_text(*UNSEEN["billing"])])
    terms = explain(final, frame, "billing")
    assert terms and set(terms) & {"charged", "credit", "card", "invoice", "credit card", "refund"}
    assert all(" " not in t or t.count(" ") == 1 for t in terms)  # words and bigrams, no char fragments


def test_thresholds_reach_the_target_precision_on_held_out_data():
    # A calibrated model: the top class is right with probability equal to its confidence.
    rng = np.random.default_rng(0)
    classes = ["a", "b", "c"]
    n = 6000
    confidence = rng.uniform(0.34, 1.0, n)
    top = rng.integers(0, 3, n)
    proba = np.zeros((n, 3))
    proba[np.arange(n), top] = confidence
    for i in range(n):
        proba[i, [j for j in range(3) if j != top[i]]] = (1 - confidence[i]) / 2
    right = rng.uniform(size=n) < confidence
    truth = np.where(right, np.asarray(classes)[top], np.asarray(classes)[(top + 1) % 3])
    chosen = choose_thresholds(proba[:3000], truth[:3000], classes, target=0.9)
    limits = {c: t.threshold for c, t in chosen.items()}
    coverage, precision = coverage_and_precision(proba[3000:], truth[3000:], classes, limits)
    assert precision >= 0.88 and 0.2 < coverage < 0.6
    assert all(0.75 < t.threshold < 0.9 and t.expected_precision >= 0.9 for t in chosen.values())


def test_a_class_that_never_reaches_the_target_is_never_answered():
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]])
    chosen = choose_thresholds(proba, np.array(["b", "b", "b"]), ["a", "b"], target=0.9, z=0, min_support=0)
    assert chosen["a"].threshold == NEVER and chosen["a"].expected_coverage == 0
    assert chosen["b"].threshold == 0.7
    metrics, _ = scores(proba, np.array(["b", "b", "b"]), ["a", "b"], {"a": NEVER, "b": 0.7})
    assert metrics["coverage_at_target"] == pytest.approx(1 / 3) and metrics["precision_at_target"] == 1.0


def test_the_margin_asks_more_than_the_raw_precision_of_few_answers():
    # Nine right then one wrong: 9/9 is 100% raw precision but its Wilson lower bound (z=1) is only 0.90.
    proba = np.column_stack([np.linspace(0.99, 0.9, 10), np.linspace(0.01, 0.1, 10)])
    truth = np.array(["a"] * 9 + ["b"])
    raw = choose_thresholds(proba, truth, ["a", "b"], target=0.9, z=0, min_support=0)
    strict = choose_thresholds(proba, truth, ["a", "b"], target=0.95, z=1, min_support=0)
    assert raw["a"].threshold == pytest.approx(0.9) and raw["a"].expected_coverage == 1.0
    assert strict["a"].threshold == NEVER


def test_rarely_predicted_classes_share_the_pooled_threshold():
    rng = np.random.default_rng(2)
    n = 400
    top = np.where(rng.uniform(size=n) < 0.9, 0, 1)  # "b" is predicted about 40 times
    confidence = rng.uniform(0.5, 1.0, n)
    proba = np.column_stack(
        [np.where(top == 0, confidence, 1 - confidence), np.where(top == 1, confidence, 1 - confidence)]
    )
    truth = np.where(rng.uniform(size=n) < confidence, np.array(["a", "b"])[top], np.array(["b", "a"])[top])
    chosen = choose_thresholds(proba, truth, ["a", "b"], target=0.9, min_support=100)
    pooled = choose_thresholds(
        proba, np.where(top == 0, truth, truth), ["a", "b"], target=0.9, min_support=10_000
    )
    assert chosen["b"].threshold == pooled["a"].threshold == pooled["b"].threshold
    assert chosen["b"].support == int((top == 1).sum()) and chosen["a"].support == int((top == 0).sum())


def test_the_holdout_is_fixed_per_ticket_id_whatever_the_data():
    first = {i for i in range(1, 1001) if in_holdout(i)}
    grown = {i for i in range(1, 3001) if in_holdout(i)}
    assert first == {i for i in grown if i <= 1000}  # growing the data never moves a ticket
    assert 150 < len(first) < 250


def _scored(predicted: list[str], answered: float = 1.0) -> Scored:
    mask = np.arange(len(predicted)) < answered * len(predicted)
    return Scored(np.asarray(predicted), mask)


def test_gate_accepts_an_equal_challenger_and_refuses_a_worse_one():
    labels = np.array(["a", "b", "c"] * 40)
    good = list(labels[:-6]) + ["a"] * 6
    same = compare(
        labels, _scored(good), _scored(good), tolerance=0.01, recall_margin=0.05, coverage_margin=0.05
    )
    assert same.promote and same.details["macro_f1_delta"] == 0 and "not worse" in same.reason
    worse = ["a" if x == "c" else x for x in labels]  # forgets class c
    refused = compare(
        labels, _scored(good), _scored(worse), tolerance=0.01, recall_margin=0.05, coverage_margin=0.05
    )
    assert (
        not refused.promote and "recall of c drops" in refused.reason and "macro F1 worse" in refused.reason
    )
    assert refused.details["ci_high"] < 0 and refused.details["recall_delta_c"] < -0.5
    shy = compare(
        labels, _scored(good), _scored(good, 0.5), tolerance=0.01, recall_margin=0.05, coverage_margin=0.05
    )
    assert not shy.promote and "coverage" in shy.reason


def test_bootstrap_interval_contains_the_point_estimate():
    rng = np.random.default_rng(1)
    labels = rng.choice(["a", "b"], 300)
    old = np.where(rng.uniform(size=300) < 0.8, labels, "a")
    new = np.where(rng.uniform(size=300) < 0.8, labels, "a")
    delta, low, high = bootstrap_delta(labels, old, new)
    assert low <= delta <= high and high - low < 0.3


@pytest.mark.parametrize("candidate", CANDIDATES + LARGE_CANDIDATES, ids=lambda c: c.name)
def test_fast_probabilities_equal_the_pipelines(candidate):
    texts, labels = _corpus(20, seed=3)
    fitted = fit_calibrated(candidate, text_frame(texts), labels, target_precision=0.9)
    unseen = [ticket_text(*sample_text(category, random.Random(9))) for category in PHRASES]
    fast = predict_proba_texts(fitted.pipeline, unseen)
    assert np.allclose(fast, fitted.pipeline.predict_proba(text_frame(unseen)), atol=1e-12)


def _explained_the_long_way(pipeline, text: str, category: str) -> list[str]:
    """The explanation computed through the ColumnTransformer and its full vocabulary, as it used to be."""
    row = pipeline[:-1].transform(text_frame([text])).tocsr().getrow(0)
    base = pipeline[-1].base
    weights = base.coef_[list(base.classes_).index(category)][row.indices] * row.data
    names = pipeline.named_steps["features"].get_feature_names_out()[row.indices]
    pairs = [(w, n) for w, n in zip(weights, names, strict=True)]
    if any(n.startswith("word__") for _, n in pairs):
        pairs = [(w, n) for w, n in pairs if n.startswith("word__")]
    terms: list[str] = []
    for weight, name in sorted(pairs, key=lambda pair: -pair[0]):
        term = name.split("__", 1)[1].strip()
        if weight > 0 and term and term not in terms:
            terms.append(term)
    return terms[:5]


@pytest.mark.parametrize("candidate", CANDIDATES, ids=lambda c: c.name)
def test_explanations_from_the_prediction_features_equal_the_long_way(candidate):
    texts, labels = _corpus(20, seed=3)
    pipeline = fit_calibrated(candidate, text_frame(texts), labels, target_precision=0.9).pipeline
    for category, words in UNSEEN.items():
        text = ticket_text(*words)
        features = text_features(pipeline, [text])
        slow = pipeline[:-1].transform(text_frame([text]))
        assert features is not None and np.allclose(features.toarray(), slow.toarray(), atol=1e-7)
        assert (vectorize(pipeline, text_frame([text])) != features).nnz == 0
        expected = _explained_the_long_way(pipeline, text, category)
        assert explain_features(pipeline, features, category) == expected
        assert explain(pipeline, text_frame([text]), category) == expected
