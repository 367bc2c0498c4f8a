"""Training: labelled data -> model selection -> calibrated fit -> the gate -> refit on all -> MLflow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from flask import current_app
from threadpoolctl import threadpool_limits

from app.errors import ServiceUnavailable, ValidationFailed
from app.metrics import record_training
from app.ml import registry
from app.ml.dataset import DataSnapshot, class_counts, load_labelled
from app.ml.evaluate import scores
from app.ml.gate import Decision, in_holdout
from app.ml.locking import training_lock
from app.ml.pipeline import vectorize
from app.ml.promotion import champion_decision
from app.ml.selection import FOLDS, CandidateScore, Fitted, fit_calibrated, refit_all, select_candidate
from app.ml.signals import announce_promotion
from app.ml.tracking import log_and_register


@dataclass
class TrainResult:
    run_id: str
    experiment_id: str
    model_name: str
    model_version: str
    promoted: bool
    promotion_reason: str
    metrics: dict[str, float]
    champion_metrics: dict[str, Any] | None
    n_samples: int
    n_classes: int
    classes: list[str]
    warnings: list[str]
    candidate: str = ""
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class Trained:
    """Everything a training produced before it is logged: the data, the fits, the scores, the decision."""

    frame: pd.DataFrame
    snapshot: DataSnapshot
    ranking: list[CandidateScore]
    fitted: Fitted
    final: Any
    metrics: dict[str, float]
    report: dict[str, Any]
    holdout_labels: np.ndarray
    holdout_predicted: np.ndarray
    decision: Decision
    champion_version: str | None
    warnings: list[str]


def _quiet(message: str) -> None:
    """Default progress sink: say nothing."""


def _usable(frame: pd.DataFrame, minimum: int) -> tuple[pd.DataFrame, list[str]]:
    """Drop categories with too few samples (overall, or in the training part), or refuse."""
    counts = class_counts(frame)
    train_counts = class_counts(frame[~frame["id"].map(in_holdout)])
    small = {c: n for c, n in counts.items() if n < minimum or train_counts.get(c, 0) < FOLDS}
    warnings = [
        f"Category {c!r} dropped: {n} human-labelled tickets, fewer than the minimum {minimum} "
        f"(or fewer than {FOLDS} outside the holdout)."
        for c, n in small.items()
    ]
    kept = frame[~frame["category"].isin(list(small))]
    if kept["category"].nunique() < 2:
        raise ValidationFailed(
            f"Training needs at least 2 categories with at least {minimum} human-labelled tickets each "
            f"(ML_MIN_SAMPLES_PER_CLASS); found {counts or 'none'}.",
            errors={"categories": warnings or ["Fewer than 2 categories have human labels."]},
        )
    return kept.reset_index(drop=True), warnings


def _fit(frame: pd.DataFrame, progress: Callable[[str], None]) -> tuple[list[CandidateScore], Fitted]:
    """Choose a candidate on the training part and fit it calibrated, with out-of-fold thresholds."""
    labels = frame["category"].to_numpy()
    ranking = select_candidate(frame[["text"]], labels)
    best = ranking[0].candidate
    progress(
        f"Chose {best.name} (cross-validated macro F1 {ranking[0].cv_macro_f1_mean:.4f}); calibrating..."
    )
    target = current_app.config["ML_TARGET_PRECISION"]
    return ranking, fit_calibrated(best, frame[["text"]], labels, target_precision=target)


def _holdout_scores(
    fitted: Fitted, matrix: Any, labels: np.ndarray
) -> tuple[dict[str, float], dict[str, Any], np.ndarray]:
    if len(labels) == 0:
        return {}, {}, np.array([], dtype=object)
    proba = fitted.pipeline.named_steps["clf"].predict_proba(matrix)
    thresholds = {c: t.threshold for c, t in fitted.thresholds.items()}
    metrics, report = scores(proba, labels, fitted.classes, thresholds)
    return metrics, report, np.asarray(fitted.classes)[proba.argmax(axis=1)]


def _train(*, force: bool, progress: Callable[[str], None]) -> Trained:
    config = current_app.config
    progress("Loading human-labelled tickets...")
    frame, snapshot = load_labelled()
    frame, warnings = _usable(frame, config["ML_MIN_SAMPLES_PER_CLASS"])
    held = frame["id"].map(in_holdout).to_numpy(dtype=bool)
    train_part, holdout = frame[~held], frame[held]
    progress(f"Selecting a model on {len(train_part)} tickets ({len(holdout)} held out by ticket id)...")
    ranking, fitted = _fit(train_part, progress)
    holdout_labels = holdout["category"].to_numpy()
    holdout_matrix = vectorize(fitted.pipeline, holdout[["text"]])
    metrics, report, predicted = _holdout_scores(fitted, holdout_matrix, holdout_labels)
    progress("Comparing with the champion on held-out tickets neither model trained on...")
    with registry.guard("comparing with the champion"):
        decision, champion_version = champion_decision(fitted, holdout, force=force)
    progress(
        f"Gate: {'promote' if decision.promote else 'keep the champion'}; refitting on all {len(frame)}..."
    )
    final = refit_all(fitted, holdout_matrix, holdout_labels)
    return Trained(
        frame=frame,
        snapshot=snapshot,
        ranking=ranking,
        fitted=fitted,
        final=final,
        metrics=metrics,
        report=report,
        holdout_labels=holdout_labels,
        holdout_predicted=predicted,
        decision=decision,
        champion_version=champion_version,
        warnings=warnings,
    )


def train_model(
    *,
    force: bool = False,
    trigger: str = "api",
    user: str | None = None,
    progress: Callable[[str], None] = _quiet,
    tags: dict[str, str] | None = None,
) -> TrainResult:
    """Train, evaluate, log and register a new version; promote it if it passes the gate."""
    # One core: OpenMP/BLAS threads fighting the web workers and each other made fits 3x slower here.
    with training_lock(), threadpool_limits(limits=1):
        trained = _train(force=force, progress=progress)
        progress("Logging the run and registering the model in MLflow...")
        try:
            with registry.guard("logging the training"):
                logged = log_and_register(trained, trigger=trigger, user=user, tags=tags)
        except registry.RegistryUnavailable as exc:
            record_training("failed")
            raise ServiceUnavailable(str(exc)) from exc
    decision = trained.decision
    record_training("promoted" if decision.promote else "challenger")
    if decision.promote:
        from app.ml.quality_tasks import after_promotion

        after_promotion(current_app._get_current_object())  # type: ignore[attr-defined]
        announce_promotion(version=logged.version, run_id=logged.run_id, reason=decision.reason)
    progress(
        f"Version {logged.version}: {'promoted to champion' if decision.promote else 'challenger'} "
        f"({decision.reason})."
    )
    return TrainResult(
        run_id=logged.run_id,
        experiment_id=logged.experiment_id,
        model_name=current_app.config["MODEL_NAME"],
        model_version=logged.version,
        promoted=decision.promote,
        promotion_reason=decision.reason,
        metrics=trained.metrics,
        champion_metrics=(
            {"version": trained.champion_version, **decision.details} if trained.champion_version else None
        ),
        n_samples=len(trained.frame),
        n_classes=len(trained.fitted.classes),
        classes=trained.fitted.classes,
        warnings=trained.warnings,
        candidate=trained.fitted.candidate.name,
        thresholds={c: t.as_dict() for c, t in trained.fitted.thresholds.items()},
    )
