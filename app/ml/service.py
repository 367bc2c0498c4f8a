"""ML use cases for the web layer and CLI: predict, similar tickets, promote, model and run info."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from app import metrics
from app.auth.models import User
from app.errors import Conflict, NotFound
from app.jobs import service as jobs
from app.jobs.models import Job
from app.ml import registry, tasks
from app.ml.pipeline import explain_features, text_features, text_frame, ticket_text, vectorize
from app.ml.predictions import live_performance, record_prediction
from app.ml.quality_tasks import after_promotion
from app.ml.serving import LoadedModel, model_cache
from app.ml.signals import announce_promotion
from app.ml.similarity import describe, similar_tickets
from app.tickets import service as tickets
from app.tickets.models import CategorySource, Ticket
from app.timeutil import utcnow


@dataclass
class Prediction:
    category: str
    confidence: float
    probabilities: dict[str, float]
    abstained: bool
    model_name: str
    model_version: str
    threshold: float = 0.0
    explanation: list[str] = field(default_factory=list)
    ticket_id: int | None = None
    applied: bool = False


def _threshold(model: LoadedModel, category: str) -> float:
    thresholds = getattr(model.pipeline[-1], "thresholds", None) or {}
    return max(float(thresholds.get(category, 0.0)), current_app.config["ML_MIN_CONFIDENCE"])


def _probabilities(model: LoadedModel, text: str) -> tuple[Any, Any]:
    """(features, probabilities) of one text; features is None when only the whole pipeline can read it."""
    features = text_features(model.pipeline, [text])
    if features is None:
        return None, model.pipeline.predict_proba(text_frame([text]))[0]
    return features, model.pipeline.named_steps["clf"].predict_proba(features)[0]


def classify(model: LoadedModel, *, title: str, description: str, explained: bool = True) -> Prediction:
    """The model's category for a text (and, if explained, the terms behind it); abstains below threshold."""
    text = ticket_text(title, description)
    features, probabilities = _probabilities(model, text)
    ranked = dict(sorted(zip(model.classes, map(float, probabilities), strict=True), key=lambda kv: -kv[1]))
    category, confidence = next(iter(ranked.items()))
    threshold = _threshold(model, category)
    prediction = Prediction(
        category=category,
        confidence=confidence,
        probabilities=ranked,
        abstained=confidence < threshold,
        model_name=model.name,
        model_version=model.version,
        threshold=threshold,
    )
    if explained:  # only the predict endpoints return it; the features are reused, not recomputed
        features = features if features is not None else vectorize(model.pipeline, text_frame([text]))
        prediction.explanation = explain_features(model.pipeline, features, category)
    return prediction


def predict_text(*, title: str, description: str) -> Prediction:
    """Classify free text, writing nothing."""
    prediction = classify(model_cache(current_app).current(), title=title, description=description)
    metrics.record_prediction(metrics.prediction_outcome(abstained=prediction.abstained, applied=False))
    return prediction


def apply_prediction(ticket: Ticket, prediction: Prediction, *, overwrite: bool, source: str) -> bool:
    """Write a confident prediction (source=model) and log it, in the caller's transaction (flushed only).

    Never over a human label unless overwrite.
    """
    prediction.ticket_id = ticket.id
    applied = not prediction.abstained and (ticket.category_source != "human" or overwrite)
    if applied and (ticket.category, ticket.category_source) != (prediction.category, "model"):
        tickets.set_category(
            ticket=ticket, category=prediction.category, source=CategorySource.MODEL, actor=None
        )
    prediction.applied = applied
    record_prediction(ticket_id=ticket.id, prediction=prediction, source=source)
    metrics.record_prediction(metrics.prediction_outcome(abstained=prediction.abstained, applied=applied))
    return applied


def predict_ticket(*, user: User, ticket_id: int, overwrite: bool) -> Prediction:
    """Classify a ticket and, when confident, set its category (source=model); the caller commits."""
    ticket = tickets.get_ticket(user=user, ticket_id=ticket_id)
    prediction = classify(
        model_cache(current_app).current(), title=ticket.title, description=ticket.description
    )
    apply_prediction(ticket, prediction, overwrite=overwrite, source="ml_predict")
    return prediction


def confirm_category(*, user: User, ticket_id: int) -> Ticket:
    """An agent confirms the category a model set: it becomes a human label (and feedback); flushed."""
    ticket = tickets.get_ticket(user=user, ticket_id=ticket_id)
    if ticket.category is None or ticket.category_source != CategorySource.MODEL:
        raise Conflict(f"Ticket {ticket_id} has no category set by a model to confirm.")
    return tickets.set_category(
        ticket=ticket, category=ticket.category, source=CategorySource.HUMAN, actor=user
    )


def _owner(user: User) -> int | None:
    return None if user.is_staff else user.id


def similar_to_ticket(*, user: User, ticket_id: int, top: int) -> list[dict[str, Any]]:
    """Tickets the user may see that read most like this one, best first."""
    columns = (Ticket.id, Ticket.title, Ticket.description, Ticket.updated_at)
    ticket = tickets.get_ticket_columns(user=user, ticket_id=ticket_id, columns=columns)
    text = ticket_text(ticket.title, ticket.description)
    return similar_tickets(
        text=text, owner_id=_owner(user), exclude_id=ticket.id, top=top, updated_at=ticket.updated_at
    )


def similar_to_text(*, user: User, title: str, description: str, top: int) -> list[dict[str, Any]]:
    """Tickets the user may see that read most like the given text."""
    return similar_tickets(
        text=ticket_text(title, description), owner_id=_owner(user), exclude_id=None, top=top
    )


def _registry_call(action: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with registry.guard(action):
        return fn(*args, **kwargs)


def promote(*, version: str) -> dict[str, Any]:
    """Move the champion alias to an existing version (this is also the rollback)."""
    target = _registry_call("looking up the version", registry.get_version, version)
    if target is None:
        raise NotFound(f"Model {current_app.config['MODEL_NAME']} has no version {version}.")
    previous = _registry_call("reading the champion", registry.version_by_alias, registry.CHAMPION)
    _registry_call("moving the champion alias", registry.set_alias, registry.CHAMPION, target.version)
    tasks.start_index_build(target.version, user_id=None)  # a no-op job when the version has its index
    after_promotion(current_app._get_current_object())  # type: ignore[attr-defined]
    announce_promotion(version=target.version, previous_version=previous.version if previous else None)
    return {
        "model_name": current_app.config["MODEL_NAME"],
        "version": target.version,
        "previous_version": previous.version if previous else None,
    }


def model_info() -> dict[str, Any]:
    """The champion as the registry sees it, and what this worker serves."""
    worker = {**model_cache(current_app).state(), "similarity_index": describe(current_app)}
    champion = _registry_call("reading the champion", registry.version_by_alias, registry.CHAMPION)
    if champion is None:
        return {"name": current_app.config["MODEL_NAME"], "champion": None, "worker": worker}
    run = _registry_call("reading the run", registry.run_data, champion.run_id) if champion.run_id else {}
    params, metrics = run.get("params", {}), run.get("metrics", {})
    classes = [c for c in params.get("classes", "").split(",") if c]
    return {
        "name": champion.name,
        "worker": worker,
        "champion": {
            "version": champion.version,
            "run_id": champion.run_id,
            "created_at": champion.created_at,
            "aliases": champion.aliases,
            "metrics": metrics,
            "classes": classes,
            "candidate": params.get("candidate"),
            "target_precision": float(params.get("target_precision") or 0) or None,
            "thresholds": {
                c: {
                    "threshold": metrics.get(f"threshold_{c}"),
                    "expected_precision": metrics.get(f"expected_precision_{c}"),
                    "expected_coverage": metrics.get(f"expected_coverage_{c}"),
                }
                for c in classes
            },
        },
    }


def start_training(*, user: User, force: bool) -> Job:
    """Queue a training job (202); 409 with the active job's URL while one is queued or running."""
    return tasks.start_training(force=force, user_id=user.id, username=user.username)


def get_job(*, job_id: int) -> Job:
    """One background job."""
    return jobs.get_job(job_id)


def list_jobs(*, kind: str | None, limit: int) -> list[Job]:
    """Background jobs, newest first."""
    return jobs.list_jobs(kind=kind, limit=limit)


def list_runs(*, limit: int) -> list[dict[str, Any]]:
    """Recent training runs with their metrics."""
    return _registry_call("listing runs", registry.list_runs, limit)


def performance(*, days: int) -> list[dict[str, Any]]:
    """Live quality per model version and class over the last `days` days."""
    return live_performance(days=days)


LIVE_METRICS = {
    "live_precision": "live_precision",
    "coverage": "live_coverage",
    "abstain_rate": "live_abstain_rate",
    "override_rate": "live_override_rate",
}


def _flat(entry: dict[str, Any]) -> dict[str, float]:
    """A version's live figures as MLflow metric names: overall, then per class."""
    metrics = {name: entry[k] for k, name in LIVE_METRICS.items() if entry[k] is not None}
    for category, figures in entry["classes"].items():
        metrics |= {
            f"{name}_{category}": figures[k] for k, name in LIVE_METRICS.items() if figures[k] is not None
        }
    return metrics


def log_live_metrics(*, days: int) -> int:
    """Log the live figures of every version seen in the window on that version in MLflow."""
    entries = live_performance(days=days)
    step = int(utcnow().timestamp() // 86_400)  # one point per day in the MLflow charts
    for entry in entries:
        metrics = _flat(entry)
        if metrics:
            _registry_call(
                "logging live metrics",
                registry.log_version_metrics,
                entry["model_version"],
                metrics,
                step=step,
            )
    return len(entries)
