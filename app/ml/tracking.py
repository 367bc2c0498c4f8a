"""What a training logs in MLflow: parent and child runs, the dataset, the model, the decision, aliases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app

from app.ml import registry
from app.ml.dataset import class_counts
from app.ml.evaluate import confusion_png
from app.ml.gate import HOLDOUT_PERCENT
from app.ml.pipeline import hyperparameters, text_frame
from app.ml.selection import SELECTION_FOLDS, SELECTION_MAX_SAMPLES, SELECTION_REPEATS
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.ml.train import Trained

# Invented tickets: the example stored with the model must never be customer text.
MADE_UP_EXAMPLE = text_frame(
    [
        "Export fails\nHello, since this morning the export button shows an error page. Thanks, Sam",
        "Fattura doppia\nBuongiorno, ho ricevuto due addebiti per lo stesso mese. Grazie",
    ]
)


def _children(trained: Trained) -> list[registry.ChildRun]:
    size = min(len(trained.frame), SELECTION_MAX_SAMPLES)
    return [
        registry.ChildRun(
            name=score.candidate.name,
            params={
                "features": score.candidate.features,
                "classifier": score.candidate.classifier,
                "C": score.candidate.C,
                "selection_samples": size,
                "folds": SELECTION_FOLDS,
                "repeats": SELECTION_REPEATS,
                "chosen": score.candidate == trained.fitted.candidate,
            },
            metrics={
                "cv_macro_f1_mean": score.cv_macro_f1_mean,
                "cv_macro_f1_std": score.cv_macro_f1_std,
                "seconds": score.seconds,
            },
        )
        for score in trained.ranking
    ]


def _threshold_figures(trained: Trained) -> dict[str, float]:
    figures: dict[str, float] = {}
    for name, t in trained.fitted.thresholds.items():
        figures |= {
            f"threshold_{name}": t.threshold,
            f"expected_precision_{name}": t.expected_precision,
            f"expected_coverage_{name}": t.expected_coverage,
        }
    return figures


def _params(trained: Trained) -> dict[str, Any]:
    frame, snapshot = trained.frame, trained.snapshot
    return {
        "n_samples": len(frame),
        "n_holdout": len(trained.holdout_labels),
        "n_classes": len(trained.fitted.classes),
        "classes": ",".join(trained.fitted.classes),
        **{f"count_{c}": n for c, n in class_counts(frame).items()},
        "min_samples_per_class": current_app.config["ML_MIN_SAMPLES_PER_CLASS"],
        "target_precision": current_app.config["ML_TARGET_PRECISION"],
        "holdout_percent": HOLDOUT_PERCENT,
        "candidate": trained.fitted.candidate.name,
        "data_max_ticket_id": snapshot.max_ticket_id,
        "data_max_updated_at": snapshot.max_updated_at.isoformat() if snapshot.max_updated_at else None,
        **hyperparameters(trained.final),
    }


def _gate_tags(trained: Trained) -> dict[str, str]:
    return {
        "promoted": str(trained.decision.promote).lower(),
        "promotion_reason": trained.decision.reason,
        "champion_version": trained.champion_version or "",
    }


def log_and_register(
    trained: Trained, *, trigger: str, user: str | None, tags: dict[str, str] | None = None
) -> registry.LoggedRun:
    """Log the training, register the refitted model, record the gate's decision and move an alias."""
    snapshot = trained.snapshot
    best = trained.ranking[0]
    thresholds = {c: t.as_dict() for c, t in trained.fitted.thresholds.items()}
    logged = registry.log_training_run(
        run_name=f"train {utcnow():%Y-%m-%d %H:%M:%S} ({trigger}, {trained.fitted.candidate.name})",
        params=_params(trained),
        metrics={
            **trained.metrics,
            "cv_macro_f1": best.cv_macro_f1_mean,
            **_threshold_figures(trained),
            **{f"gate_{k}": v for k, v in trained.decision.details.items()},
        },
        tags={
            "trigger": trigger,
            "user": user or "",
            "warnings": " | ".join(trained.warnings),
            **(tags or {}),
        },
        data=registry.TrainingData(
            digest=snapshot.digest,
            query=snapshot.query,
            n_rows=len(trained.frame),
            label_counts=class_counts(trained.frame),
            frame=trained.frame[["id", "category"]],
        ),
        children=_children(trained),
        artifacts={
            "classification_report.json": trained.report,
            "thresholds.json": thresholds,
            "gate.json": {**_gate_tags(trained), "details": trained.decision.details},
        },
        confusion_png=confusion_png(
            trained.holdout_labels, trained.holdout_predicted, trained.fitted.classes
        ),
        model=trained.final,
        input_example=MADE_UP_EXAMPLE,
    )
    registry.set_version_tags(
        logged.version,
        {
            "data_max_ticket_id": str(snapshot.max_ticket_id or 0),
            "data_digest": snapshot.digest,
            "candidate": trained.fitted.candidate.name,
            "target_precision": str(current_app.config["ML_TARGET_PRECISION"]),
            **{k: f"{v:.6f}" for k, v in _threshold_figures(trained).items()},
        },
    )
    promoted = trained.decision.promote
    registry.set_alias(registry.CHAMPION if promoted else registry.CHALLENGER, logged.version)
    registry.record_decision(
        run_id=logged.run_id,
        version=logged.version,
        tags=_gate_tags(trained),
        metrics={f"gate_{k}": v for k, v in trained.decision.details.items()},
    )
    return logged
