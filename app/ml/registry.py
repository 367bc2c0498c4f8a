"""MLflow tracking and model registry: the only module that imports mlflow (lazily, inside functions)."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from flask import current_app

from app.errors import ServiceUnavailable

# The one place the API sets it: mlflow is imported only from this module, and it phones home unless told.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# A dead tracking server should fail a background check in seconds, not retry for minutes.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")

CHAMPION, CHALLENGER = "champion", "challenger"
TRAINED_BY_TAG, TRAINED_BY = "trained_by", "ticket-intelligence"
DIGEST_TAG, SIGNATURE_TAG = "artifact_sha256", "artifact_signature"
# Our class and function inside the skops file; skops refuses to load any type not listed.
TRUSTED_TYPES = [
    "app.ml.pipeline.CalibratedLinear",
    "app.ml.normalise.normalise_ticket",
    "app.ml.normalise.enrich_ticket",
]
PACKAGE = "ticket-intelligence-api"
RUN_KIND_TAG = "run_kind"
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
    tags: dict[str, str]


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


@dataclass(frozen=True)
class TrainingData:
    """What the training read: a digest of the rows and labels, the query, the counts."""

    digest: str
    query: str
    n_rows: int
    label_counts: dict[str, int]
    frame: Any  # ids and labels only (no customer text), for MLflow's schema and profile


@dataclass(frozen=True)
class ChildRun:
    """One candidate of the model selection."""

    name: str
    params: dict[str, Any]
    metrics: dict[str, float]


def _code_version() -> str:
    """The git commit of the running code, or the package version where there is no .git."""
    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if done.returncode == 0 and done.stdout.strip():
            return f"git:{done.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"package:{dist_version(PACKAGE)}"
    except PackageNotFoundError:
        return "unknown"


def _log_input(mlflow: Any, data: TrainingData) -> None:
    from mlflow.data.code_dataset_source import CodeDatasetSource

    dataset = mlflow.data.from_pandas(
        data.frame,
        source=CodeDatasetSource({"query": data.query}),
        targets="category",
        name="human-labelled tickets",
        digest=data.digest[:32],
    )
    tags = {"query": data.query, "rows": str(data.n_rows), "label_counts": json.dumps(data.label_counts)}
    mlflow.log_input(dataset, context="training", tags=tags)


def _log_children(mlflow: Any, experiment_id: str, children: list[ChildRun]) -> None:
    for child in children:
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"candidate {child.name}", nested=True):
            mlflow.log_params(child.params)
            mlflow.log_metrics(child.metrics)
            mlflow.set_tag("candidate", child.name)


def log_training_run(
    *,
    run_name: str,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
    data: TrainingData,
    children: list[ChildRun],
    artifacts: dict[str, Any],
    confusion_png: bytes,
    model: Any,
    input_example: Any,
) -> LoggedRun:
    """One parent run (data, chosen candidate, scores, model) with a child run per candidate."""
    with _mlflow() as mlflow:
        from mlflow.models import infer_signature

        experiment_id = _experiment_id(_client())
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
            mlflow.set_tags(tags | {"code_version": _code_version(), RUN_KIND_TAG: "training"})
            _log_input(mlflow, data)
            _log_children(mlflow, experiment_id, children)
            mlflow.log_params(params)
            mlflow.log_metrics(metrics)
            for name, content in artifacts.items():
                mlflow.log_dict(content, name)
            with tempfile.TemporaryDirectory() as tmp:
                png = Path(tmp) / "confusion_matrix.png"
                png.write_bytes(confusion_png)
                mlflow.log_artifact(str(png))
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                serialization_format="skops",
                skops_trusted_types=TRUSTED_TYPES,
                signature=infer_signature(input_example, model.predict(input_example)),
                input_example=input_example,
                registered_model_name=_model_name(),
                pip_requirements=[f"{d}=={dist_version(d)}" for d in _REQUIREMENTS],
            )
            version = str(info.registered_model_version)
            mlflow.set_tag("model_version", version)
    _sign(version, model)
    return LoggedRun(run_id=run.info.run_id, experiment_id=experiment_id, version=version)


def record_decision(*, run_id: str, version: str, tags: dict[str, str], metrics: dict[str, float]) -> None:
    """Add the promotion decision to a finished run and to its model version."""
    client = _client()
    for key, value in tags.items():
        client.set_tag(run_id, key, value)
        client.set_model_version_tag(_model_name(), version, key, value)
    for metric, number in metrics.items():
        client.log_metric(run_id, metric, number)


def set_version_tags(version: str, tags: dict[str, str]) -> None:
    """Tag a model version (data cutoff, thresholds, expected precision and coverage)."""
    client = _client()
    for key, value in tags.items():
        client.set_model_version_tag(_model_name(), version, key, value)


def log_version_metrics(version: str, metrics: dict[str, float], *, step: int) -> None:
    """Log live figures on a version's run, linked to its logged model so the model page shows them."""
    client = _client()
    mv = client.get_model_version(_model_name(), version)
    for key, value in metrics.items():
        client.log_metric(mv.run_id, key, value, step=step, model_id=getattr(mv, "model_id", None))


def _version_info(mv: Any) -> VersionInfo:
    return VersionInfo(
        name=mv.name,
        version=str(mv.version),
        run_id=mv.run_id,
        created_at=datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=UTC),
        aliases=list(getattr(mv, "aliases", []) or []),
        tags=dict(getattr(mv, "tags", {}) or {}),
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


def _download(mlflow: Any, version: str, tmp: str) -> tuple[str, str]:
    """A version's model folder downloaded to tmp, and the sha256 of its skops file."""
    from mlflow.models import Model

    local = mlflow.artifacts.download_artifacts(f"models:/{_model_name()}/{version}", dst_path=tmp)
    flavor = Model.load(local).flavors.get("sklearn", {})
    if flavor.get("serialization_format") != "skops":
        raise UntrustedModel(f"Version {version} is not a skops-saved scikit-learn model; refusing to load.")
    skops_file = Path(local) / flavor.get("pickled_model", "model.skops")
    return local, hashlib.sha256(skops_file.read_bytes()).hexdigest()


def _signature(version: str, digest: str) -> str:
    message = f"{_model_name()}:{version}:{digest}".encode()
    return hmac.new(_config()["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def _sign(version: str, model: Any) -> None:
    """Record the artifact's digest and our signature over it on the new version."""
    with _mlflow() as mlflow, tempfile.TemporaryDirectory() as tmp:
        _, digest = _download(mlflow, version, tmp)
    set_version_tags(
        version, {TRAINED_BY_TAG: TRAINED_BY, DIGEST_TAG: digest, SIGNATURE_TAG: _signature(version, digest)}
    )


def _verify(version: str, digest: str) -> None:
    mv = _client().get_model_version(_model_name(), version)
    tags = dict(getattr(mv, "tags", {}) or {})
    if tags.get(TRAINED_BY_TAG) != TRAINED_BY or not tags.get(SIGNATURE_TAG):
        raise UntrustedModel(f"Version {version} was not trained by this service; refusing to serve it.")
    if not hmac.compare_digest(tags.get(DIGEST_TAG, ""), digest) or not hmac.compare_digest(
        tags[SIGNATURE_TAG], _signature(version, digest)
    ):
        raise UntrustedModel(
            f"Version {version}'s artifact does not match the digest recorded at training; "
            "refusing to serve it."
        )


def load_version(version: str) -> Any:
    """Load a version's pipeline after checking its artifact digest and this service's signature."""
    with _mlflow() as mlflow, tempfile.TemporaryDirectory() as tmp:
        local, digest = _download(mlflow, version, tmp)
        _verify(version, digest)
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
        [experiment.experiment_id],
        filter_string=f"tags.{RUN_KIND_TAG} = 'training'",  # parents only, not the candidates' child runs
        order_by=["attributes.start_time DESC"],
        max_results=limit,
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


class RegistryUnavailable(ServiceUnavailable):
    """MLflow could not be reached or refused the request (a 503 wherever it reaches the API)."""


class UntrustedModel(RegistryUnavailable):
    """A version whose artifact this service did not sign, or that changed since it was signed."""


@contextmanager
def guard(action: str) -> Iterator[None]:
    """Turn any MLflow or network failure inside the block into RegistryUnavailable."""
    try:
        yield
    except RegistryUnavailable:
        raise
    except Exception as exc:
        from app.redact import redact, url_secrets

        uri = _config()["MLFLOW_TRACKING_URI"]
        message = f"MLflow ({uri}) failed while {action}: {type(exc).__name__}: {exc}"
        raise RegistryUnavailable(redact(message, url_secrets([uri]))) from exc


def init_tracking_store(uri: str) -> None:
    """Create or upgrade a local store's tables once, before workers start (a server manages its own)."""
    from mlflow import MlflowClient

    if _is_remote(uri):
        return
    lock_path = _local_store_path(uri)
    with open(f"{lock_path}.init.lock" if lock_path else os.devnull, "a") as handle:
        if lock_path:
            fcntl.flock(handle, fcntl.LOCK_EX)
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        client.search_experiments(max_results=1)
        client.search_registered_models(max_results=1)


def _local_store_path(uri: str) -> str | None:
    """The file of a sqlite:/// store (whose first use creates its tables), else None."""
    if not uri.startswith("sqlite:///"):
        return None
    path = Path(uri.removeprefix("sqlite:///").split("?", 1)[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)
