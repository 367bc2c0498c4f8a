"""Training service: data -> fit and evaluate -> log and register in MLflow -> the promotion gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask import current_app

from app.errors import ServiceUnavailable, ValidationFailed
from app.ml import registry
from app.ml.dataset import DataSnapshot, class_counts, load_labelled
from app.ml.evaluate import Evaluation, fit_and_evaluate, macro_f1, promote_if_better
from app.ml.locking import training_lock
from app.ml.pipeline import hyperparameters


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


def _quiet(message: str) -> None:
    """Default progress sink: say nothing."""


def _usable(frame: pd.DataFrame, minimum: int) -> tuple[pd.DataFrame, list[str]]:
    """Drop categories with too few samples, or refuse when fewer than two remain."""
    counts = class_counts(frame)
    small = {c: n for c, n in counts.items() if n < minimum}
    warnings = [
        f"Category {c!r} dropped: {n} human-labelled tickets, fewer than the minimum {minimum}."
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


def _champion_score(evaluation: Evaluation) -> tuple[registry.VersionInfo | None, float | None]:
    """The current champion's macro F1 on this run's holdout."""
    champion = registry.version_by_alias(registry.CHAMPION)
    if champion is None:
        return None, None
    model = registry.load_version(champion.version)
    return champion, macro_f1(model, evaluation.holdout, evaluation.holdout_labels)


def _params(
    frame: pd.DataFrame, snapshot: DataSnapshot, evaluation: Evaluation, pipeline: Any, minimum: int
) -> dict[str, Any]:
    counts = class_counts(frame)
    return {
        "n_samples": len(frame),
        "n_classes": len(counts),
        "classes": ",".join(evaluation.classes),
        **{f"count_{c}": n for c, n in counts.items()},
        "min_samples_per_class": minimum,
        "data_max_ticket_id": snapshot.max_ticket_id,
        "data_max_updated_at": snapshot.max_updated_at.isoformat() if snapshot.max_updated_at else None,
        **evaluation.params,
        **hyperparameters(pipeline),
    }


def train_model(
    *,
    force: bool,
    trigger: str,
    user: str | None,
    progress: Callable[[str], None] = _quiet,
    tags: dict[str, str] | None = None,
) -> TrainResult:
    """Train, evaluate, log and register a new version; promote it if it passes the gate."""
    config = current_app.config
    minimum = config["ML_MIN_SAMPLES_PER_CLASS"]
    with training_lock():
        progress("Loading human-labelled tickets...")
        frame, snapshot = load_labelled()
        frame, warnings = _usable(frame, minimum)
        progress(f"Fitting on {len(frame)} tickets in {frame['category'].nunique()} categories...")
        pipeline, evaluation = fit_and_evaluate(frame[["text"]], frame["category"].to_numpy())
        progress(f"Holdout macro F1 {evaluation.metrics['macro_f1']:.4f}; comparing with the champion...")
        try:
            with registry.guard("training"):
                champion, champion_f1 = _champion_score(evaluation)
                decision = promote_if_better(
                    new_f1=evaluation.metrics["macro_f1"],
                    champion_f1=champion_f1,
                    tolerance=config["ML_PROMOTION_TOLERANCE"],
                    force=force,
                )
                progress("Logging the run and registering the model in MLflow...")
                logged = registry.log_training_run(
                    params=_params(frame, snapshot, evaluation, pipeline, minimum),
                    metrics=evaluation.metrics,
                    report=evaluation.report,
                    confusion_png=evaluation.confusion_png,
                    warnings=warnings,
                    model=pipeline,
                    input_example=frame[["text"]].head(3),
                    tags={
                        "trigger": trigger,
                        "user": user or "",
                        "warnings": " | ".join(warnings),
                        **(tags or {}),
                    },
                )
                registry.set_alias(
                    registry.CHAMPION if decision.promote else registry.CHALLENGER, logged.version
                )
                registry.record_decision(
                    run_id=logged.run_id,
                    tags={
                        "promoted": str(decision.promote).lower(),
                        "promotion_reason": decision.reason,
                        "champion_version": champion.version if champion else "",
                    },
                    metrics={"champion_macro_f1": champion_f1} if champion_f1 is not None else {},
                )
        except registry.RegistryUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from exc
    progress(
        f"Version {logged.version}: {'promoted to champion' if decision.promote else 'challenger'} "
        f"({decision.reason})."
    )
    return TrainResult(
        run_id=logged.run_id,
        experiment_id=logged.experiment_id,
        model_name=config["MODEL_NAME"],
        model_version=logged.version,
        promoted=decision.promote,
        promotion_reason=decision.reason,
        metrics=evaluation.metrics,
        champion_metrics=({"version": champion.version, "macro_f1": champion_f1} if champion else None),
        n_samples=len(frame),
        n_classes=len(evaluation.classes),
        classes=evaluation.classes,
        warnings=warnings,
    )
