"""The champion against the challenger on held-out tickets that neither model trained on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from flask import current_app

from app.ml import registry
from app.ml.gate import Decision, Scored, compare
from app.ml.selection import Fitted
from app.ml.thresholds import answered


def _scored(pipeline: Any, frame: pd.DataFrame, thresholds: dict[str, float] | None) -> Scored:
    proba = pipeline.predict_proba(frame[["text"]])
    classes = [str(c) for c in pipeline.classes_]
    floor = current_app.config["ML_MIN_CONFIDENCE"]
    # A model without thresholds answers above the floor alone.
    limits = thresholds if thresholds is not None else dict.fromkeys(classes, 0.0)
    return Scored(np.asarray(classes)[proba.argmax(axis=1)], answered(proba, classes, limits, floor))


def _champion_pipeline(champion: registry.VersionInfo) -> Any:
    loaded = current_app.extensions["ml_model"].loaded
    if loaded is not None and loaded.version == champion.version:
        return loaded.pipeline
    return registry.load_version(champion.version)


def champion_decision(fitted: Fitted, holdout: pd.DataFrame, *, force: bool) -> tuple[Decision, str | None]:
    """The gate's verdict on the challenger fitted without the holdout; also the champion's version."""
    config = current_app.config
    champion = registry.version_by_alias(registry.CHAMPION)
    if force:
        return Decision(True, "forced by the caller"), champion.version if champion else None
    if champion is None:
        return Decision(True, "no champion yet"), None
    try:
        model = _champion_pipeline(champion)
    except registry.UntrustedModel as exc:
        return Decision(True, f"the champion cannot be served: {exc}"), champion.version
    # The champion was refitted on every label up to this id: only newer holdout tickets are unseen by both.
    cutoff = int(champion.tags.get("data_max_ticket_id") or 0)
    unseen = holdout[holdout["id"] > cutoff]
    minimum = config["ML_GATE_MIN_TICKETS"]
    if len(unseen) < minimum:
        reason = (
            f"only {len(unseen)} held-out tickets are newer than champion v{champion.version}'s data "
            f"(ML_GATE_MIN_TICKETS={minimum}); keeping the champion"
        )
        return Decision(False, reason, {"n_compared": float(len(unseen))}), champion.version
    champion_thresholds = getattr(model[-1], "thresholds", None)
    challenger_thresholds = {c: t.threshold for c, t in fitted.thresholds.items()}
    decision = compare(
        unseen["category"].to_numpy(),
        _scored(model, unseen, champion_thresholds),
        _scored(fitted.pipeline, unseen, challenger_thresholds),
        tolerance=config["ML_PROMOTION_TOLERANCE"],
        recall_margin=config["ML_GATE_RECALL_MARGIN"],
        coverage_margin=config["ML_GATE_COVERAGE_MARGIN"],
    )
    return decision, champion.version
