"""Model selection by stratified cross-validation, then a calibrated fit with out-of-fold probabilities."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.model_selection import (
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_val_predict,
    train_test_split,
)
from sklearn.pipeline import Pipeline

from app.ml.candidates import Candidate, base_classifier, candidates_for
from app.ml.pipeline import CalibratedLinear, build_features, fit_temperature, softmax, uses_lexicon
from app.ml.thresholds import ClassThreshold, choose_thresholds

SELECTION_MAX_SAMPLES = 2_000  # selection runs on a stratified subsample; the winner is refitted on all
# The temperature and thresholds need a representative sample, not every row: past this, out-of-fold scores
# come from a stratified subsample (the budget is 60 s of training at 100,000 tickets; bench/README.md).
CALIBRATION_MAX_SAMPLES = 20_000
FOLDS = 3  # calibration folds (five gave the same held-out precision); also the least rows per class
SELECTION_FOLDS = 5  # features are fitted once per fold for all candidates sharing them, so five are cheap
# One 5-fold split of a few hundred tickets ranks candidates by its luck (the spread between candidates is
# smaller than between splits); three repeats cost three times a selection that is capped at 2,000 rows.
SELECTION_REPEATS = 3
SEED = 42


@dataclass(frozen=True)
class CandidateScore:
    candidate: Candidate
    cv_macro_f1_mean: float
    cv_macro_f1_std: float
    seconds: float


@dataclass
class Fitted:
    """A calibrated pipeline, the out-of-fold probabilities its thresholds came from, its training matrix."""

    pipeline: Pipeline
    candidate: Candidate
    oof_proba: np.ndarray
    thresholds: dict[str, ClassThreshold]
    classes: list[str]
    matrix: Any = None  # the TF-IDF rows the classifier was fitted on, for refit_all
    labels: Any = None


def _folds(labels: np.ndarray, folds: int = FOLDS) -> StratifiedKFold:
    smallest = int(pd.Series(labels).value_counts().min())
    return StratifiedKFold(n_splits=max(2, min(folds, smallest)), shuffle=True, random_state=SEED)


def _subsample(rows: Any, labels: np.ndarray, size: int) -> tuple[Any, np.ndarray]:
    if len(labels) <= size:
        return rows, labels
    part, _, part_labels, _ = train_test_split(
        rows, labels, train_size=size, stratify=labels, random_state=SEED
    )
    return part, part_labels


def _fold_scores(
    kind: str, group: list[Candidate], sample: pd.DataFrame, labels: np.ndarray, *, lexicon: bool
) -> dict:
    """Macro F1 per fold and seconds of each candidate sharing one feature kind (vectorised once a fold)."""
    f1: dict[Candidate, list[float]] = defaultdict(list)
    seconds: dict[Candidate, float] = defaultdict(float)
    folds = _folds(labels, SELECTION_FOLDS).get_n_splits()
    splits = RepeatedStratifiedKFold(n_splits=folds, n_repeats=SELECTION_REPEATS, random_state=SEED)
    for train, test in splits.split(sample, labels):
        started = time.perf_counter()
        features = build_features(kind, len(train), lexicon=lexicon)
        fit_rows, test_rows = (
            features.fit_transform(sample.iloc[train]),
            features.transform(sample.iloc[test]),
        )
        shared = (time.perf_counter() - started) / len(group)
        for candidate in group:
            started = time.perf_counter()
            model = base_classifier(candidate, n_samples=len(train)).fit(fit_rows, labels[train])
            f1[candidate].append(f1_score(labels[test], model.predict(test_rows), average="macro"))
            seconds[candidate] += shared + time.perf_counter() - started
    return {c: (np.array(f1[c]), seconds[c]) for c in group}


def select_candidate(frame: pd.DataFrame, labels: np.ndarray) -> list[CandidateScore]:
    """Cross-validated macro F1 of every affordable candidate, best first."""
    sample, sample_labels = _subsample(frame, labels, SELECTION_MAX_SAMPLES)
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates_for(len(frame)):
        groups[candidate.features].append(candidate)
    results: dict[Candidate, tuple[np.ndarray, float]] = {}
    for kind, group in groups.items():
        # The subsample reads text as the final fit on every row will (the lexicon depends on that size).
        results |= _fold_scores(kind, group, sample, sample_labels, lexicon=uses_lexicon(len(frame)))
    scores = [
        CandidateScore(c, float(f1.mean()), float(f1.std()), seconds)
        for c in candidates_for(len(frame))
        for f1, seconds in [results[c]]
    ]
    # Stable sort: on a tie the earlier, simpler candidate wins.
    return sorted(scores, key=lambda s: -s.cv_macro_f1_mean)


def _calibration(
    candidate: Candidate, matrix: Any, labels: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Temperature fitted on out-of-fold scores of a subsample; the probabilities and labels it saw."""
    sample, sample_labels = _subsample(matrix, labels, CALIBRATION_MAX_SAMPLES)
    scores = cross_val_predict(
        base_classifier(candidate, n_samples=sample.shape[0] * (FOLDS - 1) // FOLDS),
        sample,
        sample_labels,
        cv=_folds(sample_labels),
        method="decision_function",
    )
    if scores.ndim == 1:
        scores = np.column_stack([-scores / 2, scores / 2])
    temperature = fit_temperature(scores, sample_labels, np.unique(labels))
    return temperature, softmax(scores, temperature), sample_labels


def fit_calibrated(
    candidate: Candidate, frame: pd.DataFrame, labels: np.ndarray, *, target_precision: float
) -> Fitted:
    """Fit features once, calibrate on out-of-fold scores, choose thresholds, fit the model on all rows."""
    features = build_features(candidate.features, len(frame))
    matrix = features.fit_transform(frame)
    temperature, oof, oof_labels = _calibration(candidate, matrix, labels)
    names = [str(c) for c in np.unique(labels)]
    thresholds = choose_thresholds(oof, oof_labels, names, target=target_precision)
    clf = CalibratedLinear(
        base=base_classifier(candidate, n_samples=matrix.shape[0]),
        temperature=temperature,
        thresholds={c: t.threshold for c, t in thresholds.items()},
    ).fit(matrix, labels)
    pipeline = Pipeline([("features", features), ("clf", clf)])
    return Fitted(pipeline, candidate, oof, thresholds, names, matrix, labels)


def refit_all(fitted: Fitted, extra: Any, extra_labels: np.ndarray) -> Pipeline:
    """The classifier refitted on the training rows plus `extra` (held-out TF-IDF rows), same features.

    The vocabulary stays the training part's: vectorising every text again would cost more than the few
    terms only the held-out tickets hold are worth, and the holdout's texts never shape the gate's model.
    """
    old: CalibratedLinear = fitted.pipeline.named_steps["clf"]
    clf = clone(old).fit(
        sparse.vstack([fitted.matrix, extra]).tocsr(), np.concatenate([fitted.labels, extra_labels])
    )
    return Pipeline([("features", fitted.pipeline.named_steps["features"]), ("clf", clf)])
