"""The classifier itself: it learns clear-cut categories, and the promotion gate decides as documented."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.ml.evaluate import fit_and_evaluate, promote_if_better
from app.ml.pipeline import build_pipeline, predict_proba_texts, text_frame, ticket_text
from tests.ml.corpus import PHRASES, sample_text


def _corpus(per_category: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for category in PHRASES:
        for _ in range(per_category):
            texts.append(ticket_text(*sample_text(category, rng)))
            labels.append(category)
    return texts, labels


def test_classifier_gets_clear_cut_texts_right():
    texts, labels = _corpus(20, seed=1)
    pipeline = build_pipeline(n_samples=len(texts)).fit(text_frame(texts), labels)
    unseen = {
        "billing": ("Refund please", "You charged my credit card twice for the same invoice."),
        "bug": ("Crash", "The app crashes with an error 500 when I click save."),
        "account": ("Login problem", "I cannot log in, the password reset email never arrives."),
        "feature": ("Suggestion", "It would be great if you could add a dark mode option."),
        "other": ("Hello", "A general question about your office hours and where the company is located."),
    }
    predicted = pipeline.predict(text_frame([ticket_text(*t) for t in unseen.values()]))
    assert list(predicted) == list(unseen)


def test_evaluation_reports_metrics_and_a_confusion_matrix():
    texts, labels = _corpus(12, seed=2)
    _, evaluation = fit_and_evaluate(text_frame(texts), np.asarray(labels))
    assert evaluation.metrics["macro_f1"] > 0.8
    assert {"accuracy", "log_loss", "f1_bug", "precision_billing", "recall_other", "cv_macro_f1_mean"} <= set(
        evaluation.metrics
    )
    assert evaluation.confusion_png.startswith(b"\x89PNG")
    assert len(evaluation.holdout) == len(evaluation.holdout_labels) == 12


@pytest.mark.parametrize(
    ("new", "champion", "force", "promote"),
    [
        (0.5, None, False, True),
        (0.80, 0.805, False, True),
        (0.70, 0.80, False, False),
        (0.1, 0.9, True, True),
    ],
)
def test_promotion_gate(new, champion, force, promote):
    decision = promote_if_better(new_f1=new, champion_f1=champion, tolerance=0.01, force=force)
    assert decision.promote is promote
    assert decision.reason


def test_fast_probabilities_equal_the_pipelines():
    texts, labels = _corpus(20, seed=3)
    pipeline = build_pipeline(n_samples=len(texts)).fit(text_frame(texts), labels)
    unseen = [ticket_text(*sample_text(category, random.Random(9))) for category in PHRASES]
    fast = predict_proba_texts(pipeline, unseen)
    assert np.allclose(fast, pipeline.predict_proba(text_frame(unseen)), atol=1e-12)
