"""Scores of calibrated probabilities on labelled data, and the confusion-matrix picture."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score, log_loss

from app.ml.thresholds import coverage_and_precision


def scores(
    proba: np.ndarray, labels: np.ndarray, classes: list[str], thresholds: dict[str, float]
) -> tuple[dict[str, float], dict[str, Any]]:
    """accuracy, macro F1, log loss, coverage and precision at the thresholds, per-class figures; report."""
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    report = classification_report(labels, predicted, labels=classes, output_dict=True, zero_division=0)
    coverage, precision = coverage_and_precision(proba, labels, classes, thresholds)
    known = np.isin(labels, classes)
    metrics = {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, average="macro", zero_division=0)),
        "log_loss": float(log_loss(labels[known], proba[known], labels=classes)) if known.any() else 0.0,
        "coverage_at_target": coverage,
        "precision_at_target": precision,
    }
    for name in classes:
        for key, short in (("precision", "precision"), ("recall", "recall"), ("f1-score", "f1")):
            metrics[f"{short}_{name}"] = float(report[name][key])
    return metrics, report


def confusion_png(labels: np.ndarray, predicted: np.ndarray, classes: list[str]) -> bytes:
    """A confusion-matrix heatmap as PNG bytes (Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    matrix = confusion_matrix(labels, predicted, labels=classes)
    fig = Figure(figsize=(1.2 * len(classes) + 2, 1.2 * len(classes) + 1.5))
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(
            j, i, str(value), ha="center", va="center", color="white" if value > matrix.max() / 2 else "black"
        )
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
