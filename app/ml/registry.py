"""MLflow tracking and model registry: the only module that imports mlflow (lazily, inside functions)."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from flask import current_app

# The one place the API sets it: mlflow is imported only from this module, and it phones home unless told.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# A dead tracking server should fail a background check in seconds, not retry for minutes.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")

CHAMPION, CHALLENGER = "champion", "challenger"
# Exactly what the skops-saved pipeline needs to load; inferring them was slow and wrong.
_REQUIREMENTS = ("scikit-learn", "skops", "scipy", "numpy", "pandas")
# mlflow's fluent API keeps the tracking URI in process-global state; apps in one process must take turns.
_URI_LOCK = threading.RLock()


@dataclass(frozen=True)
class VersionInfo:
    """A registered model version as the registry sees it."""

    name: str
    version: str
    run_id: str | None
    created_at: datetime
    aliases: list[str]


@dataclass(frozen=True)
class LoggedRun:
    run_id: str
    experiment_id: str
    version: str


def _config() -> dict[str, Any]:
    return current_app.config


def _is_remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "databricks"))


@contextmanager
def _mlflow() -> Iterator[Any]:
    """mlflow, pointed at this app's tracking server (read from config at call time)."""
    import mlflow

    uri = _config()["MLFLOW_TRACKING_URI"]
    with _URI_LOCK:
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        yield mlflow


def _client() -> Any:
    from mlflow import MlflowClient

    uri = _config()["MLFLOW_TRACKING_URI"]
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _model_name() -> str:
    return _config()["MODEL_NAME"]


def _experiment_id(client: Any) -> str:
    name = _config()["MLFLOW_EXPERIMENT_NAME"]
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    uri = _config()["MLFLOW_TRACKING_URI"]
    location = None if _is_remote(uri) else Path(_config()["MLFLOW_ARTIFACT_ROOT"]).resolve().as_uri()
    try:
        return client.create_experiment(name, artifact_location=location)
    except Exception:  # another worker created it first
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id


def log_training_run(
    *,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
    report: dict[str, Any],
    confusion_png: bytes,
    warnings: list[str],
    model: Any,
    input_example: Any,
) -> LoggedRun:
    """Log one training run with its artifacts and the fitted model, registering a new version."""
    with _mlflow() as mlflow:
        from mlflow.models import infer_signature

        experiment_id = _experiment_id(_client())
        with mlflow.start_run(experiment_id=experiment_id) as run, tempfile.TemporaryDirectory() as tmp:
            mlflow.log_params(params)
            mlflow.log_metrics(metrics)
            mlflow.set_tags(tags)
            mlflow.log_dict(report, "classification_report.json")
            png = Path(tmp) / "confusion_matrix.png"
            png.write_bytes(confusion_png)
            mlflow.log_artifact(str(png))
            if warnings:
                mlflow.log_text("\n".join(warnings), "warnings.txt")
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                serialization_format="skops",
                signature=infer_signature(input_example, model.predict(input_example)),
                input_example=input_example,
                registered_model_name=_model_name(),
                pip_requirements=[f"{d}=={dist_version(d)}" for d in _REQUIREMENTS],
            )
            version = str(info.registered_model_version)
            mlflow.set_tag("model_version", version)
    return LoggedRun(run_id=run.info.run_id, experiment_id=experiment_id, version=version)


def record_decision(*, run_id: str, tags: dict[str, str], metrics: dict[str, float]) -> None:
    """Add the promotion decision to a finished run."""
    client = _client()
    for key, value in tags.items():
        client.set_tag(run_id, key, value)
    for key, value in metrics.items():
        client.log_metric(run_id, key, value)


def _version_info(mv: Any) -> VersionInfo:
    return VersionInfo(
        name=mv.name,
        version=str(mv.version),
        run_id=mv.run_id,
        created_at=datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=UTC),
        aliases=list(getattr(mv, "aliases", []) or []),
    )


def version_by_alias(alias: str = CHAMPION) -> VersionInfo | None:
    """The version an alias points at, or None when the alias (or the model) does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return _version_info(_client().get_model_version_by_alias(_model_name(), alias))
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise


def get_version(version: str) -> VersionInfo | None:
    """One registered version, or None when it does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return _version_info(_client().get_model_version(_model_name(), version))
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise


def set_alias(alias: str, version: str) -> None:
    """Point an alias (champion or challenger) at a version."""
    _client().set_registered_model_alias(_model_name(), alias, version)


def load_version(version: str) -> Any:
    """Load a registered version's scikit-learn pipeline, refusing anything not saved with skops."""
    with _mlflow() as mlflow:
        from mlflow.models import Model

        with tempfile.TemporaryDirectory() as tmp:
            local = mlflow.artifacts.download_artifacts(f"models:/{_model_name()}/{version}", dst_path=tmp)
            flavor = Model.load(local).flavors.get("sklearn", {})
            if flavor.get("serialization_format") != "skops":
                raise ValueError(
                    f"Version {version} is not a skops-saved scikit-learn model; refusing to load."
                )
            return mlflow.sklearn.load_model(local)


INDEX_ARTIFACT = "similarity_index"


def log_similarity_index(run_id: str, folder: Path) -> None:
    """Attach a similarity index build to the model version's run."""
    _client().log_artifacts(run_id, str(folder), artifact_path=INDEX_ARTIFACT)


def has_similarity_index(run_id: str) -> bool:
    """Whether the run carries a similarity index."""
    return bool(_client().list_artifacts(run_id, INDEX_ARTIFACT))


def fetch_similarity_index(run_id: str, adopt: Callable[[Path], Path]) -> Path | None:
    """Download the run's similarity index and hand it to adopt(); None when the run has none."""
    if not has_similarity_index(run_id):
        return None
    client = _client()
    with tempfile.TemporaryDirectory() as tmp:
        local = client.download_artifacts(run_id, INDEX_ARTIFACT, tmp)
        return adopt(Path(local))


def fail_runs_tagged(key: str, value: str) -> list[str]:
    """End the still-running runs tagged key=value as FAILED (their process died); return their ids."""
    client = _client()
    experiment = client.get_experiment_by_name(_config()["MLFLOW_EXPERIMENT_NAME"])
    if experiment is None:
        return []
    runs = client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.{key} = '{value}' and attributes.status = 'RUNNING'"
    )
    for run in runs:
        client.set_terminated(run.info.run_id, status="FAILED")
    return [run.info.run_id for run in runs]


def run_data(run_id: str) -> dict[str, Any]:
    """A run's metrics, params and tags."""
    run = _client().get_run(run_id)
    return {"metrics": dict(run.data.metrics), "params": dict(run.data.params), "tags": dict(run.data.tags)}


def list_runs(limit: int) -> list[dict[str, Any]]:
    """The most recent training runs, newest first."""
    client = _client()
    experiment = client.get_experiment_by_name(_config()["MLFLOW_EXPERIMENT_NAME"])
    if experiment is None:
        return []
    runs = client.search_runs(
        [experiment.experiment_id], order_by=["attributes.start_time DESC"], max_results=limit
    )
    return [
        {
            "run_id": r.info.run_id,
            "status": r.info.status,
            "start_time": datetime.fromtimestamp(r.info.start_time / 1000, tz=UTC),
            "end_time": datetime.fromtimestamp(r.info.end_time / 1000, tz=UTC) if r.info.end_time else None,
            "metrics": dict(r.data.metrics),
            "params": dict(r.data.params),
            "tags": {k: v for k, v in r.data.tags.items() if not k.startswith("mlflow.")},
        }
        for r in runs
    ]


class RegistryUnavailable(Exception):
    """MLflow could not be reached or refused the request."""


@contextmanager
def guard(action: str) -> Iterator[None]:
    """Turn any MLflow or network failure inside the block into RegistryUnavailable."""
    try:
        yield
    except RegistryUnavailable:
        raise
    except Exception as exc:
        uri = _config()["MLFLOW_TRACKING_URI"]
        raise RegistryUnavailable(
            f"MLflow ({uri}) failed while {action}: {type(exc).__name__}: {exc}"
        ) from exc
