"""Model selection by stratified cross-validation, then a calibrated fit with out-of-fold probabilities."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline

from app.ml.pipeline import (
    CalibratedLinear,
    Candidate,
    base_classifier,
    build_features,
    build_pipeline,
    candidates_for,
    fit_temperature,
    softmax,
)
from app.ml.thresholds import ClassThreshold, choose_thresholds

SELECTION_MAX_SAMPLES = 2_000  # selection runs on a stratified subsample; the winner is refitted on all
# The temperature and thresholds need a representative sample, not every row: past this, out-of-fold scores
# come from a stratified subsample (the budget is 60 s of training at 100,000 tickets; bench/README.md).
CALIBRATION_MAX_SAMPLES = 20_000
FOLDS = 3
SEED = 42


@dataclass(frozen=True)
class CandidateScore:
    candidate: Candidate
    cv_macro_f1_mean: float
    cv_macro_f1_std: float
    seconds: float


@dataclass
class Fitted:
    """A calibrated pipeline and the out-of-fold probabilities its thresholds came from."""

    pipeline: Pipeline
    candidate: Candidate
    oof_proba: np.ndarray
    thresholds: dict[str, ClassThreshold]
    classes: list[str]


def _folds(labels: np.ndarray) -> StratifiedKFold:
    smallest = int(pd.Series(labels).value_counts().min())
    return StratifiedKFold(n_splits=max(2, min(FOLDS, smallest)), shuffle=True, random_state=SEED)


def _subsample(rows: Any, labels: np.ndarray, size: int) -> tuple[Any, np.ndarray]:
    if len(labels) <= size:
        return rows, labels
    part, _, part_labels, _ = train_test_split(
        rows, labels, train_size=size, stratify=labels, random_state=SEED
    )
    return part, part_labels


def select_candidate(frame: pd.DataFrame, labels: np.ndarray) -> list[CandidateScore]:
    """Cross-validated macro F1 of every affordable candidate, best first."""
    sample, sample_labels = _subsample(frame, labels, SELECTION_MAX_SAMPLES)
    scores = []
    for candidate in candidates_for(len(frame)):
        started = time.perf_counter()
        f1 = cross_val_score(
            build_pipeline(candidate, n_samples=len(sample)),
            sample,
            sample_labels,
            scoring="f1_macro",
            cv=_folds(sample_labels),
        )
        scores.append(
            CandidateScore(candidate, float(f1.mean()), float(f1.std()), time.perf_counter() - started)
        )
    # Stable sort: on a tie the earlier, simpler candidate wins.
    return sorted(scores, key=lambda s: -s.cv_macro_f1_mean)


def fit_calibrated(
    candidate: Candidate, frame: pd.DataFrame, labels: np.ndarray, *, target_precision: float
) -> Fitted:
    """Fit features once, calibrate on out-of-fold scores, choose thresholds, fit the model on all rows."""
    features = build_features(candidate.features, len(frame))
    matrix = features.fit_transform(frame)
    sample, sample_labels = _subsample(matrix, labels, CALIBRATION_MAX_SAMPLES)
    scores = cross_val_predict(
        base_classifier(candidate),
        sample,
        sample_labels,
        cv=_folds(sample_labels),
        method="decision_function",
    )
    classes = np.unique(labels)
    if scores.ndim == 1:
        scores = np.column_stack([-scores / 2, scores / 2])
    temperature = fit_temperature(scores, sample_labels, classes)
    oof = softmax(scores, temperature)
    names = [str(c) for c in classes]
    thresholds = choose_thresholds(oof, sample_labels, names, target=target_precision)
    clf = CalibratedLinear(
        base=base_classifier(candidate),
        temperature=temperature,
        thresholds={c: t.threshold for c, t in thresholds.items()},
    ).fit(matrix, labels)
    pipeline = Pipeline([("features", features), ("clf", clf)])
    return Fitted(pipeline, candidate, oof, thresholds, names)


def refit_all(fitted: Fitted, frame: pd.DataFrame, labels: np.ndarray) -> Pipeline:
    """The same candidate, temperature and thresholds, with features and weights fitted on every row."""
    features = build_features(fitted.candidate.features, len(frame))
    matrix = features.fit_transform(frame)
    old: CalibratedLinear = fitted.pipeline.named_steps["clf"]
    clf = CalibratedLinear(
        base=base_classifier(fitted.candidate), temperature=old.temperature, thresholds=old.thresholds
    ).fit(matrix, labels)
    return Pipeline([("features", features), ("clf", clf)])
