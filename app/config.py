"""Configuration read from the environment, with embedded defaults for the demo."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-insecure-secret-key"  # noqa: S105 - refused in production


class ConfigError(RuntimeError):
    """The configuration cannot run the app safely."""


def normalise_database_url(url: str) -> str:
    """Make postgres:// and postgresql:// URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _default_tracking_uri() -> str:
    return f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}"


class Config:
    """Settings for development and production, read when the class is instantiated."""

    def __init__(self) -> None:
        load_dotenv(ROOT / ".env")
        env = os.environ.get
        self.APP_ENV = env("APP_ENV", "development")
        self.SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
        default_db = f"sqlite:///{ROOT / 'instance' / 'tickets.db'}"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(env("DATABASE_URL") or default_db)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.MLFLOW_TRACKING_URI = env("MLFLOW_TRACKING_URI") or _default_tracking_uri()
        self.MLFLOW_ARTIFACT_ROOT = env("MLFLOW_ARTIFACT_ROOT") or str(ROOT / "mlruns" / "artifacts")
        self.MLFLOW_EXPERIMENT_NAME = env("MLFLOW_EXPERIMENT_NAME", "ticket-classifier")
        self.MODEL_NAME = env("MODEL_NAME", "ticket-classifier")
        self.MODEL_REFRESH_SECONDS = float(env("MODEL_REFRESH_SECONDS", "10"))
        self.ML_MIN_CONFIDENCE = float(env("ML_MIN_CONFIDENCE", "0.5"))
        self.ML_AUTO_TRIAGE = _bool("ML_AUTO_TRIAGE", True)
        self.ML_PROMOTION_TOLERANCE = float(env("ML_PROMOTION_TOLERANCE", "0.01"))
        self.ML_MIN_SAMPLES_PER_CLASS = int(env("ML_MIN_SAMPLES_PER_CLASS", "10"))
        self.ML_LOAD_ON_START = _bool("ML_LOAD_ON_START", True)
        self.SIMILARITY_INDEX_DIR = env("SIMILARITY_INDEX_DIR") or str(ROOT / "instance" / "similarity")
        self.SIMILARITY_FOLD_ROWS = int(env("SIMILARITY_FOLD_ROWS", "2000"))
        self.JOB_HEARTBEAT_SECONDS = float(env("JOB_HEARTBEAT_SECONDS", "10"))
        self.JOB_TIMEOUT_SECONDS = float(env("JOB_TIMEOUT_SECONDS", "120"))
        self.JOB_QUEUE_TIMEOUT_SECONDS = float(env("JOB_QUEUE_TIMEOUT_SECONDS", "3600"))
        self.TOKEN_TTL_DAYS = int(env("TOKEN_TTL_DAYS", "90"))
        self.ARGON2_TIME_COST = int(env("ARGON2_TIME_COST", "3"))
        self.ARGON2_MEMORY_COST = int(env("ARGON2_MEMORY_COST", "65536"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", self.APP_ENV == "production")
        self.TESTING = self.APP_ENV == "testing"

    def validate(self) -> None:
        """Refuse settings that would be unsafe in production."""
        if self.APP_ENV == "production" and self.SECRET_KEY in ("", DEV_SECRET_KEY):
            raise ConfigError(
                "SECRET_KEY must be set to a long random value when APP_ENV=production "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        if self.APP_ENV not in ("development", "production", "testing"):
            raise ConfigError(f"APP_ENV must be development, production or testing, not {self.APP_ENV!r}.")


class TestConfig(Config):
    """Settings for the test suite: PostgreSQL from TEST_DATABASE_URL, cheap hashing."""

    def __init__(self) -> None:
        super().__init__()
        self.APP_ENV = "testing"
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
        url = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(url)
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST = 8192
        self.ML_LOAD_ON_START = False
        self.WTF_CSRF_ENABLED = True


API_SETTINGS = {
    "API_TITLE": "Ticket Intelligence API",
    "API_VERSION": "1.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "schema/",
    "OPENAPI_SWAGGER_UI_PATH": "docs/",
    # Swagger UI's assets are served by the app itself (see app/docs.py): no CDN, works offline.
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
    "OPENAPI_SWAGGER_UI_CONFIG": {"persistAuthorization": True},
    "API_SPEC_OPTIONS": {
        "components": {
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "bearerAuth": {"type": "http", "scheme": "bearer"},
            }
        },
        "security": [{"bearerAuth": []}, {"basicAuth": []}],
    },
}
