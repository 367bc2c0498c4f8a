"""Ticket classification: MLflow-tracked training, a gated registry, hot-swapped serving, similar tickets."""

from __future__ import annotations

import click
from flask import Flask


def _serves_requests() -> bool:
    """False inside CLI commands other than `flask run` (train, promote, db...): no background load."""
    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.info_name == "run"


def init_app(app: Flask) -> None:
    """Wire the model cache, auto-triage and the readiness report into the app."""
    from app.health import add_readiness_check
    from app.ml import (  # noqa: F401 - they register the ML jobs
        models,
        quality_tasks,
        similarity,
        tasks,
    )
    from app.ml.predictions import connect_feedback
    from app.ml.serving import ModelCache, dashboard_card, readiness_check
    from app.ml.triage import connect_auto_triage

    cache = ModelCache(app)
    app.extensions["ml_model"] = cache
    similarity.connect(app)
    add_readiness_check(app, lambda: readiness_check(cache))
    app.extensions.setdefault("admin_dashboard_cards", []).append(lambda: dashboard_card(cache))
    connect_auto_triage(app)
    connect_feedback(app)
    if app.config["ML_LOAD_ON_START"] and _serves_requests():
        cache.start()
