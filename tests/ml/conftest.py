"""ML fixtures: a temporary sqlite MLflow store per session, fresh model names, a trained model."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from app.ml.serving import LoadedModel, model_cache
from tests.ml.corpus import add_corpus

ML_SETTINGS = (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_ARTIFACT_ROOT",
    "MLFLOW_EXPERIMENT_NAME",
    "MODEL_NAME",
    "ML_MIN_CONFIDENCE",
    "ML_AUTO_TRIAGE",
    "ML_MIN_SAMPLES_PER_CLASS",
    "ML_PROMOTION_TOLERANCE",
    "ML_GATE_MIN_TICKETS",
    "ML_RETRIAGE_ON_PROMOTION",
    "ML_TARGET_PRECISION",
    "SIMILARITY_INDEX_DIR",
    "SIMILARITY_FOLD_ROWS",
)


@pytest.fixture(scope="session")
def mlflow_store(app) -> Path:
    """The session's throwaway MLflow store folder (the app fixture points the app at it)."""
    return Path(app.config["MLFLOW_ARTIFACT_ROOT"]).parent


@pytest.fixture(autouse=True)
def _ml_state(app):
    """Each test starts with no model in the cache and the ML settings it found."""
    saved = {key: app.config[key] for key in ML_SETTINGS}
    cache = model_cache(app)
    cache.wait_idle()  # a refresh started by an earlier test's promotion must not land in this one
    cache.loaded, cache.last_error, cache.last_refresh = None, None, None
    app.extensions.pop("ml_similarity", None)
    app.config["ML_RETRIAGE_ON_PROMOTION"] = False  # the re-triage tests turn it on
    yield
    cache.wait_idle()
    app.config.update(saved)
    cache.loaded, cache.last_error = None, None
    app.extensions.pop("ml_similarity", None)


def _fresh_names(app) -> str:
    name = f"tc-{uuid.uuid4().hex[:8]}"
    app.config["MODEL_NAME"] = name
    app.config["MLFLOW_EXPERIMENT_NAME"] = name
    return name


@pytest.fixture
def fresh_registry(app) -> str:
    """A model and experiment name no other test used: no champion yet."""
    return _fresh_names(app)


@pytest.fixture(scope="module")
def trained_model(app, mlflow_store) -> tuple[str, LoadedModel]:
    """Train once per module on the clear-cut corpus; returns (model name, loaded champion)."""
    from app.ml.tasks import train_and_index
    from tests.helpers.database import wipe

    with app.app_context():
        name = _fresh_names(app)
        wipe()  # module fixtures run before the per-test wipe: the previous test's rows may still be there
        add_corpus(per_category=16)
        train_and_index(force=False, trigger="test", user=None)
        cache = model_cache(app)
        cache.refresh(wait=True)
        assert cache.loaded is not None, cache.last_error
        return name, cache.loaded


@pytest.fixture
def serving(app, trained_model) -> LoadedModel:
    """The module's trained model, loaded in this app's cache for one test."""
    name, model = trained_model
    app.config["MODEL_NAME"] = name
    app.config["MLFLOW_EXPERIMENT_NAME"] = name
    model_cache(app).loaded = model
    return model
