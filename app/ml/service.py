"""ML use cases for the web layer and CLI: predict, similar tickets, promote, model and run info."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from app.auth.models import User
from app.errors import NotFound, ServiceUnavailable
from app.jobs import service as jobs
from app.jobs.models import Job
from app.ml import registry, tasks
from app.ml.pipeline import text_frame, ticket_text
from app.ml.serving import LoadedModel, model_cache
from app.ml.similarity import describe, similar_tickets
from app.tickets import service as tickets
from app.tickets.models import Ticket


@dataclass
class Prediction:
    category: str
    confidence: float
    probabilities: dict[str, float]
    abstained: bool
    model_name: str
    model_version: str
    ticket_id: int | None = None
    applied: bool = False


def classify(model: LoadedModel, *, title: str, description: str) -> Prediction:
    """The model's category for a text; abstains below ML_MIN_CONFIDENCE."""
    probabilities = model.pipeline.predict_proba(text_frame([ticket_text(title, description)]))[0]
    ranked = dict(sorted(zip(model.classes, map(float, probabilities), strict=True), key=lambda kv: -kv[1]))
    category, confidence = next(iter(ranked.items()))
    return Prediction(
        category=category,
        confidence=confidence,
        probabilities=ranked,
        abstained=confidence < current_app.config["ML_MIN_CONFIDENCE"],
        model_name=model.name,
        model_version=model.version,
    )


def predict_text(*, title: str, description: str) -> Prediction:
    """Classify free text, writing nothing."""
    return classify(model_cache(current_app).current(), title=title, description=description)


def apply_prediction(ticket: Ticket, prediction: Prediction, *, overwrite: bool, commit: bool) -> bool:
    """Write a confident prediction with source=model, never over a human label unless overwrite."""
    if prediction.abstained or (ticket.category_source == "human" and not overwrite):
        return False
    if (ticket.category, ticket.category_source) == (prediction.category, "model"):
        return False
    tickets.set_category(
        ticket=ticket, category=prediction.category, source="model", actor=None, commit=commit
    )
    return True


def predict_ticket(*, user: User, ticket_id: int, overwrite: bool) -> Prediction:
    """Classify a ticket and, when confident, set its category (source=model)."""
    ticket = tickets.get_ticket(user=user, ticket_id=ticket_id)
    prediction = predict_text(title=ticket.title, description=ticket.description)
    prediction.ticket_id = ticket.id
    prediction.applied = apply_prediction(ticket, prediction, overwrite=overwrite, commit=True)
    return prediction


def _similar(user: User, text: str, *, exclude_id: int | None, top: int) -> list[dict[str, Any]]:
    owner = None if user.is_staff else user.id
    return similar_tickets(text=text, owner_id=owner, exclude_id=exclude_id, top=top)


def similar_to_ticket(*, user: User, ticket_id: int, top: int) -> list[dict[str, Any]]:
    """Tickets the user may see that read most like this one, best first."""
    ticket = tickets.get_ticket(user=user, ticket_id=ticket_id)
    return _similar(user, ticket_text(ticket.title, ticket.description), exclude_id=ticket.id, top=top)


def similar_to_text(*, user: User, title: str, description: str, top: int) -> list[dict[str, Any]]:
    """Tickets the user may see that read most like the given text."""
    return _similar(user, ticket_text(title, description), exclude_id=None, top=top)


def _registry_call(action: str, fn: Any, *args: Any) -> Any:
    try:
        with registry.guard(action):
            return fn(*args)
    except registry.RegistryUnavailable as exc:
        raise ServiceUnavailable(str(exc)) from exc


def promote(*, version: str) -> dict[str, Any]:
    """Move the champion alias to an existing version (this is also the rollback)."""
    target = _registry_call("looking up the version", registry.get_version, version)
    if target is None:
        raise NotFound(f"Model {current_app.config['MODEL_NAME']} has no version {version}.")
    previous = _registry_call("reading the champion", registry.version_by_alias, registry.CHAMPION)
    _registry_call("moving the champion alias", registry.set_alias, registry.CHAMPION, target.version)
    tasks.start_index_build(target.version, user_id=None)  # a no-op job when the version has its index
    model_cache(current_app).refresh_soon()
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
    params = run.get("params", {})
    return {
        "name": champion.name,
        "worker": worker,
        "champion": {
            "version": champion.version,
            "run_id": champion.run_id,
            "created_at": champion.created_at,
            "aliases": champion.aliases,
            "metrics": run.get("metrics", {}),
            "classes": [c for c in params.get("classes", "").split(",") if c],
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
