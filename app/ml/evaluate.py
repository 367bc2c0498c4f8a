"""Fitting and scoring the pipeline: stratified holdout, cross-validation on small data, the gate."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score, log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline

from app.ml.pipeline import build_pipeline

HOLDOUT_FRACTION = 0.2
SEED = 42
CV_MAX_SAMPLES = 5_000  # below this a single holdout is noisy, so cross-validate too


@dataclass
class Evaluation:
    """Scores of a fitted pipeline on its holdout, plus the holdout itself for comparisons."""

    metrics: dict[str, float]
    report: dict[str, Any]
    confusion_png: bytes
    classes: list[str]
    holdout: pd.DataFrame
    holdout_labels: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)


def macro_f1(model: Any, frame: pd.DataFrame, labels: np.ndarray) -> float:
    """Macro-averaged F1 of any fitted classifier over the frame."""
    return float(f1_score(labels, model.predict(frame), average="macro", zero_division=0))


def _per_class(report: dict[str, Any], classes: list[str]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for name in classes:
        for key, short in (("precision", "precision"), ("recall", "recall"), ("f1-score", "f1")):
            metrics[f"{short}_{name}"] = float(report[name][key])
    return metrics


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


def _cross_validate(frame: pd.DataFrame, labels: np.ndarray) -> dict[str, float]:
    folds = int(min(5, pd.Series(labels).value_counts().min()))
    if len(frame) > CV_MAX_SAMPLES or folds < 2:
        return {}
    scores = cross_val_score(
        build_pipeline(n_samples=len(frame)),
        frame,
        labels,
        scoring="f1_macro",
        cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED),
    )
    return {"cv_macro_f1_mean": float(scores.mean()), "cv_macro_f1_std": float(scores.std())}


def fit_and_evaluate(frame: pd.DataFrame, labels: np.ndarray) -> tuple[Pipeline, Evaluation]:
    """Fit on a stratified 80% split and score on the 20% holdout (the fitted model is the one scored)."""
    train_x, test_x, train_y, test_y = train_test_split(
        frame, labels, test_size=HOLDOUT_FRACTION, stratify=labels, random_state=SEED
    )
    pipeline = build_pipeline(n_samples=len(train_x))
    pipeline.fit(train_x, train_y)
    classes = [str(c) for c in pipeline.classes_]
    predicted = pipeline.predict(test_x)
    report = classification_report(test_y, predicted, labels=classes, output_dict=True, zero_division=0)
    metrics = {
        "accuracy": float(accuracy_score(test_y, predicted)),
        "macro_f1": float(f1_score(test_y, predicted, average="macro", zero_division=0)),
        "log_loss": float(log_loss(test_y, pipeline.predict_proba(test_x), labels=pipeline.classes_)),
        **_per_class(report, classes),
        **_cross_validate(frame, labels),
    }
    params = {
        "holdout_fraction": HOLDOUT_FRACTION,
        "split_seed": SEED,
        "n_train": len(train_x),
        "n_holdout": len(test_x),
    }
    return pipeline, Evaluation(
        metrics=metrics,
        report=report,
        classes=classes,
        params=params,
        confusion_png=confusion_png(test_y, predicted, classes),
        holdout=test_x,
        holdout_labels=np.asarray(test_y),
    )


@dataclass(frozen=True)
class Decision:
    """Whether a new version becomes champion, and why."""

    promote: bool
    reason: str


def promote_if_better(*, new_f1: float, champion_f1: float | None, tolerance: float, force: bool) -> Decision:
    """The gate: promote when forced, when there is no champion, or when not worse beyond tolerance."""
    if force:
        return Decision(True, "forced by the caller")
    if champion_f1 is None:
        return Decision(True, "no champion yet")
    if new_f1 >= champion_f1 - tolerance:
        return Decision(True, f"macro F1 {new_f1:.4f} >= champion {champion_f1:.4f} - tolerance {tolerance}")
    return Decision(False, f"macro F1 {new_f1:.4f} < champion {champion_f1:.4f} - tolerance {tolerance}")
