"""Per-class abstain thresholds chosen on out-of-fold probabilities to reach a target precision."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

# Above any probability: the model never answers for a class that cannot reach the target precision.
NEVER = 1.01
# The largest answer set whose out-of-fold precision just touches the target is an optimistic pick (the
# maximum over many noisy cut-offs): the lower Wilson bound at this z must reach it instead.
MARGIN_Z = 1.0
# Below this many out-of-fold predictions of a class its own threshold is noise (on 655 hand-written
# tickets per-class thresholds answered at 0.86 precision, one pooled threshold at 0.90): use the pooled one.
MIN_CLASS_SUPPORT = 300


@dataclass(frozen=True)
class ClassThreshold:
    """The lowest confidence at which a class's predictions reach the target precision, and what it gives."""

    threshold: float
    expected_precision: float
    expected_coverage: float  # share of the tickets predicted as this class that are answered
    support: int  # tickets predicted as this class in the out-of-fold data

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson_lower(precision: np.ndarray, n: np.ndarray, z: float) -> np.ndarray:
    """Lower bound of the Wilson score interval of a proportion observed over n trials."""
    centre = precision + z * z / (2 * n)
    spread = z * np.sqrt(precision * (1 - precision) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def _class_threshold(confidence: np.ndarray, correct: np.ndarray, target: float, z: float) -> ClassThreshold:
    if len(confidence) == 0:
        return ClassThreshold(NEVER, 0.0, 0.0, 0)
    order = np.argsort(-confidence, kind="stable")
    answered = np.arange(1, len(order) + 1)
    precision = np.cumsum(correct[order]) / answered
    reaching = np.flatnonzero(wilson_lower(precision, answered, z) >= target)
    if len(reaching) == 0:
        return ClassThreshold(NEVER, 0.0, 0.0, len(confidence))
    k = int(reaching[-1]) + 1  # the most answers that still keep the target
    return ClassThreshold(
        threshold=float(confidence[order][k - 1]),
        expected_precision=float(precision[k - 1]),
        expected_coverage=k / len(confidence),
        support=len(confidence),
    )


def _at(threshold: float, confidence: np.ndarray, correct: np.ndarray) -> ClassThreshold:
    """What answering at or above a given threshold gives on these predictions."""
    kept = confidence >= threshold
    precision = float(correct[kept].mean()) if kept.any() else 0.0
    return ClassThreshold(threshold, precision, float(kept.mean()) if len(kept) else 0.0, len(confidence))


def choose_thresholds(
    proba: np.ndarray,
    labels: np.ndarray,
    classes: list[str],
    *,
    target: float,
    z: float = MARGIN_Z,
    min_support: int = MIN_CLASS_SUPPORT,
) -> dict[str, ClassThreshold]:
    """One threshold per class (the pooled one for rarely predicted classes): answer at or above it."""
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    correct = predicted == np.asarray(labels)
    pooled = _class_threshold(confidence, correct, target, z).threshold
    chosen = {}
    for c in classes:
        mine = predicted == c
        if mine.sum() >= min_support:
            chosen[c] = _class_threshold(confidence[mine], correct[mine], target, z)
        else:
            chosen[c] = _at(pooled, confidence[mine], correct[mine])
    return chosen


def answered(
    proba: np.ndarray, classes: list[str], thresholds: dict[str, float], floor: float = 0.0
) -> np.ndarray:
    """Which rows the model answers instead of abstaining."""
    limits = np.array([max(thresholds.get(c, NEVER), floor) for c in classes])
    top = proba.argmax(axis=1)
    return proba.max(axis=1) >= limits[top]


def coverage_and_precision(
    proba: np.ndarray,
    labels: np.ndarray,
    classes: list[str],
    thresholds: dict[str, float],
    floor: float = 0.0,
) -> tuple[float, float]:
    """Share of rows answered, and the precision of those answers."""
    mask = answered(proba, classes, thresholds, floor)
    if not mask.any():
        return 0.0, 0.0
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    return float(mask.mean()), float((predicted[mask] == np.asarray(labels)[mask]).mean())
