"""ML follow-ups on the Huey queue: re-triage after a promotion, live figures into MLflow."""

from __future__ import annotations

import logging

from flask import Flask, current_app
from huey import crontab

from app.jobs.queue import huey, in_app_context

log = logging.getLogger(__name__)
PERFORMANCE_DAYS = 30


@huey.task()
@in_app_context
def retriage_task() -> dict[str, object]:
    """Re-triage open uncategorised tickets with the (new) champion."""
    from app.ml.retriage import retriage

    result = retriage()
    log.info("re-triage with version %s: %s examined, %s applied", *vars(result).values())
    return vars(result)


@huey.periodic_task(crontab(minute="*/30"))
@in_app_context
def log_performance_task() -> int:
    """Log live precision, coverage and override rates as metrics on each model version in MLflow."""
    from app.ml.service import log_live_metrics

    return log_live_metrics(days=PERFORMANCE_DAYS)


def after_promotion(app: Flask) -> None:
    """Swap in the new champion here and queue a re-triage (every worker follows the alias on its own)."""
    app.extensions["ml_model"].refresh_soon()
    if current_app.config["ML_RETRIAGE_ON_PROMOTION"]:
        retriage_task()
