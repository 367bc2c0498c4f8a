"""Per-class abstain thresholds chosen on out-of-fold probabilities to reach a target precision."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

# Above any probability: the model never answers for a class that cannot reach the target precision.
NEVER = 1.01


@dataclass(frozen=True)
class ClassThreshold:
    """The lowest confidence at which a class's predictions reach the target precision, and what it gives."""

    threshold: float
    expected_precision: float
    expected_coverage: float  # share of the tickets predicted as this class that are answered
    support: int  # tickets predicted as this class in the out-of-fold data

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _class_threshold(confidence: np.ndarray, correct: np.ndarray, target: float) -> ClassThreshold:
    if len(confidence) == 0:
        return ClassThreshold(NEVER, 0.0, 0.0, 0)
    order = np.argsort(-confidence, kind="stable")
    precision = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    reaching = np.flatnonzero(precision >= target)
    if len(reaching) == 0:
        return ClassThreshold(NEVER, 0.0, 0.0, len(confidence))
    k = int(reaching[-1]) + 1  # the most answers that still keep the target
    return ClassThreshold(
        threshold=float(confidence[order][k - 1]),
        expected_precision=float(precision[k - 1]),
        expected_coverage=k / len(confidence),
        support=len(confidence),
    )


def choose_thresholds(
    proba: np.ndarray, labels: np.ndarray, classes: list[str], *, target: float
) -> dict[str, ClassThreshold]:
    """One threshold per class: answer a predicted class only at or above it."""
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    correct = predicted == np.asarray(labels)
    return {c: _class_threshold(confidence[predicted == c], correct[predicted == c], target) for c in classes}


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
