"""Configuration read from the environment (environs), with embedded defaults for the demo."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from environs import Env, EnvError, FileAwareEnv

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-insecure-secret-key"  # noqa: S105 - refused in production
MIN_SECRET_KEY_BYTES = 32
T = TypeVar("T")


class ConfigError(RuntimeError):
    """The configuration cannot run the app safely."""


def normalise_database_url(url: str) -> str:
    """Make postgres:// and postgresql:// URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_env(dotenv: Path | None = ROOT / ".env") -> Env:
    """The process environment, NAME_FILE secrets (Docker secrets) and .env; read once, at entry points."""
    env = FileAwareEnv(strip_whitespace=True)
    if dotenv is not None:
        env.read_env(dotenv, recurse=False, override=False)
    return env


class IsolatedEnv(Env):
    """An Env that sees only the values given to it, never the process environment or a .env file."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._environ.update(values or {})

    def _get_value(self, env_key: str, default: Any) -> Any:
        return self._environ.get(env_key, default)


class Settings:
    """Typed reads from an Env where a blank value (`NAME=` in .env or compose) means 'use the default'."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.names: list[str] = []  # every setting read, for the documentation checks

    def _read(self, parse: Callable[[str], T], name: str, default: T) -> T:
        self.names.append(name)
        try:
            if not self.env.str(name, "").strip():
                return default
            return parse(name)
        except EnvError as error:
            raise ConfigError(str(error)) from error

    def text(self, name: str, default: str) -> str:
        return self._read(self.env.str, name, default).strip()

    def integer(self, name: str, default: int) -> int:
        return self._read(self.env.int, name, default)

    def number(self, name: str, default: float) -> float:
        return self._read(self.env.float, name, default)

    def flag(self, name: str, default: bool) -> bool:
        return self._read(self.env.bool, name, default)


class Config:
    """Settings for development and production; `env` defaults to the process environment alone."""

    def __init__(self, env: Env | None = None) -> None:
        s = Settings(env or Env())
        self.setting_names = s.names  # filled as the settings below are read (not an app setting: lowercase)
        self.APP_ENV = s.text("APP_ENV", "development")
        self.SECRET_KEY = s.text("SECRET_KEY", DEV_SECRET_KEY)
        default_db = f"sqlite:///{ROOT / 'instance' / 'tickets.db'}"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(s.text("DATABASE_URL", default_db))
        # Pooled connections are pinged before use only after being idle (app/database.py).
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
        self.MLFLOW_TRACKING_URI = s.text("MLFLOW_TRACKING_URI", f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
        self.MLFLOW_ARTIFACT_ROOT = s.text("MLFLOW_ARTIFACT_ROOT", str(ROOT / "mlruns" / "artifacts"))
        self.MLFLOW_EXPERIMENT_NAME = s.text("MLFLOW_EXPERIMENT_NAME", "ticket-classifier")
        self.MODEL_NAME = s.text("MODEL_NAME", "ticket-classifier")
        self.MODEL_REFRESH_SECONDS = s.number("MODEL_REFRESH_SECONDS", 10.0)
        self.ML_MIN_CONFIDENCE = s.number("ML_MIN_CONFIDENCE", 0.0)
        self.ML_AUTO_TRIAGE = s.flag("ML_AUTO_TRIAGE", True)
        self.ML_PROMOTION_TOLERANCE = s.number("ML_PROMOTION_TOLERANCE", 0.01)
        self.ML_MIN_SAMPLES_PER_CLASS = s.integer("ML_MIN_SAMPLES_PER_CLASS", 10)
        self.ML_LOAD_ON_START = s.flag("ML_LOAD_ON_START", True)
        self.ML_TARGET_PRECISION = s.number("ML_TARGET_PRECISION", 0.90)
        self.ML_GATE_RECALL_MARGIN = s.number("ML_GATE_RECALL_MARGIN", 0.05)
        self.ML_GATE_COVERAGE_MARGIN = s.number("ML_GATE_COVERAGE_MARGIN", 0.05)
        self.ML_GATE_MIN_TICKETS = s.integer("ML_GATE_MIN_TICKETS", 30)
        self.ML_RETRIAGE_ON_PROMOTION = s.flag("ML_RETRIAGE_ON_PROMOTION", True)
        self.ML_RETRIAGE_BATCH = s.integer("ML_RETRIAGE_BATCH", 200)
        self.ML_RETRIAGE_MAX = s.integer("ML_RETRIAGE_MAX", 5000)
        self.TOKEN_TTL_DAYS = s.integer("TOKEN_TTL_DAYS", 90)
        self.AUTH_CACHE_SECONDS = s.number("AUTH_CACHE_SECONDS", 5.0)
        self.AUTH_CHANGE_FEED = s.flag("AUTH_CHANGE_FEED", True)
        self.ARGON2_TIME_COST = s.integer("ARGON2_TIME_COST", 3)
        self.ARGON2_MEMORY_COST = s.integer("ARGON2_MEMORY_COST", 65536)
        self.SEARCH_LANGUAGE = s.text("SEARCH_LANGUAGE", "english")
        self.SEARCH_WALK_ROWS = s.integer("SEARCH_WALK_ROWS", 10_000)
        self.EXPORT_SETTLE_SECONDS = s.number("EXPORT_SETTLE_SECONDS", 2.0)
        self.WEBHOOK_ALLOW_PRIVATE = s.flag("WEBHOOK_ALLOW_PRIVATE", False)
        self.WEBHOOK_RETENTION_DAYS = s.number("WEBHOOK_RETENTION_DAYS", 7.0)
        self.SIMILARITY_INDEX_DIR = s.text("SIMILARITY_INDEX_DIR", str(ROOT / "instance" / "similarity"))
        self.SIMILARITY_FOLD_ROWS = s.integer("SIMILARITY_FOLD_ROWS", 2000)
        self.JOB_HEARTBEAT_SECONDS = s.number("JOB_HEARTBEAT_SECONDS", 10.0)
        self.JOB_TIMEOUT_SECONDS = s.number("JOB_TIMEOUT_SECONDS", 120.0)
        self.JOB_QUEUE_TIMEOUT_SECONDS = s.number("JOB_QUEUE_TIMEOUT_SECONDS", 3600.0)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = s.flag("SESSION_COOKIE_SECURE", self.APP_ENV == "production")
        self.TESTING = self.APP_ENV == "testing"
        # Request bodies above this many bytes get 413 before anything reads them (Werkzeug enforces it too).
        self.MAX_CONTENT_LENGTH = s.integer("MAX_CONTENT_LENGTH", 1024 * 1024)
        self.IDEMPOTENCY_KEY_TTL_HOURS = s.number("IDEMPOTENCY_KEY_TTL_HOURS", 24.0)
        self._operations(s)

    def _operations(self, s: Settings) -> None:
        """Throttling, logging, metrics and proxy settings."""
        self.REDIS_URL = s.text("REDIS_URL", "") or None
        self.RATELIMIT_STORAGE_URI = s.text("RATELIMIT_STORAGE_URI", self.REDIS_URL or "memory://")
        self.RATELIMIT_ENABLED = s.flag("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_KEY_PREFIX = s.text("RATELIMIT_KEY_PREFIX", "tia")
        self.AUTH_FAILURE_LIMIT_PER_USERNAME = s.text("AUTH_FAILURE_LIMIT_PER_USERNAME", "10/15 minutes")
        self.AUTH_FAILURE_LIMIT_PER_ADDRESS = s.text("AUTH_FAILURE_LIMIT_PER_ADDRESS", "50/15 minutes")
        self.RATELIMIT_TRAIN = s.text("RATELIMIT_TRAIN", "10/hour")
        self.RATELIMIT_PREDICT = s.text("RATELIMIT_PREDICT", "120/minute")
        self.RATELIMIT_SIMILAR = s.text("RATELIMIT_SIMILAR", "120/minute")
        self.TRUSTED_PROXIES = s.integer("TRUSTED_PROXIES", 0)
        self.LOG_LEVEL = s.text("LOG_LEVEL", "INFO").upper()
        self.LOG_FORMAT = s.text("LOG_FORMAT", "json" if self.APP_ENV == "production" else "text")
        self.HSTS_SECONDS = s.integer("HSTS_SECONDS", 31536000)
        allowed = s.text("METRICS_ALLOW_IPS", "")
        self.METRICS_ALLOW_IPS = [ip.strip() for ip in allowed.split(",") if ip.strip()]

    def validate(self) -> None:
        """Refuse settings that would be unsafe in production."""
        if self.APP_ENV not in ("development", "production", "testing"):
            raise ConfigError(f"APP_ENV must be development, production or testing, not {self.APP_ENV!r}.")
        weak = self.SECRET_KEY == DEV_SECRET_KEY or len(self.SECRET_KEY.encode()) < MIN_SECRET_KEY_BYTES
        if self.APP_ENV == "production" and weak:
            raise ConfigError(
                f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_BYTES} bytes when "
                "APP_ENV=production (for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )


class TestConfig(Config):
    """Test settings: defaults plus `overrides`; nothing from .env or the shell but TEST_DATABASE_URL."""

    __test__ = False  # not a pytest test class

    def __init__(self, **overrides: str) -> None:
        super().__init__(IsolatedEnv(overrides))
        self.APP_ENV = "testing"
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key-" + "x" * MIN_SECRET_KEY_BYTES
        url = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(url)
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST = 8192
        self.ML_LOAD_ON_START = False
        self.WTF_CSRF_ENABLED = True
        # A listening thread and connection per app: only the tests of the feed ask for one.
        self.AUTH_CHANGE_FEED = "AUTH_CHANGE_FEED" in overrides and self.AUTH_CHANGE_FEED


API_SETTINGS = {
    "API_TITLE": "Ticket Intelligence API",
    "API_VERSION": "1.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "schema/",
    "OPENAPI_SWAGGER_UI_PATH": "docs/",
    # Swagger UI's assets are served by the app itself (see app/docs.py): no CDN, works offline.
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
    # Never keep Basic credentials in the browser's local storage.
    "OPENAPI_SWAGGER_UI_CONFIG": {"persistAuthorization": False},
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
