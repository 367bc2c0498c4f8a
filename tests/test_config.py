"""Configuration from the environment."""

import pytest

from app import create_app
from app.config import DEV_SECRET_KEY, Config, ConfigError, TestConfig, load_env, normalise_database_url


@pytest.mark.parametrize(
    "url,expected",
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_is_normalised(url, expected):
    assert normalise_database_url(url) == expected


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db:5432/tickets")
    assert Config().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://app@db:5432/tickets"


def test_embedded_default_is_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    uri = Config().SQLALCHEMY_DATABASE_URI
    assert uri.startswith("sqlite:///") and uri.endswith("instance/tickets.db")


@pytest.mark.parametrize("secret", [None, "", DEV_SECRET_KEY])
def test_production_refuses_a_missing_or_default_secret(monkeypatch, secret):
    monkeypatch.setenv("APP_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(Config())


def test_production_starts_with_a_real_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a" * 64)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app(Config())
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_app_env_is_refused(monkeypatch):
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigError, match="APP_ENV"):
        Config().validate()


def test_production_refuses_a_secret_shorter_than_32_bytes(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 31)
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        create_app(Config())


def test_a_blank_setting_means_its_default_and_a_bad_one_is_refused(monkeypatch):
    monkeypatch.setenv("MODEL_REFRESH_SECONDS", "")
    monkeypatch.setenv("ML_AUTO_TRIAGE", " ")
    config = Config()
    assert config.MODEL_REFRESH_SECONDS == 10.0 and config.ML_AUTO_TRIAGE is True
    monkeypatch.setenv("TOKEN_TTL_DAYS", "ninety")
    with pytest.raises(ConfigError, match="TOKEN_TTL_DAYS"):
        Config()


def test_dotenv_is_read_at_the_entry_point_without_overriding_the_process(monkeypatch, tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("MODEL_NAME=from-dotenv\nMLFLOW_EXPERIMENT_NAME=exp-from-dotenv\n")
    monkeypatch.setenv("MODEL_NAME", "from-process")
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    config = Config(load_env(dotenv))
    assert config.MODEL_NAME == "from-process"
    assert config.MLFLOW_EXPERIMENT_NAME == "exp-from-dotenv"
    assert Config().MLFLOW_EXPERIMENT_NAME == "ticket-classifier"  # nothing leaked into os.environ


def test_secrets_can_come_from_files(monkeypatch, tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("f" * 64 + "\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert Config(load_env(None)).SECRET_KEY == "f" * 64


def test_the_test_configuration_ignores_the_shell_and_dotenv(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://production-mlflow.invalid:5000")
    monkeypatch.setenv("ML_AUTO_TRIAGE", "false")
    config = TestConfig()
    assert config.MLFLOW_TRACKING_URI.startswith("sqlite:///") and config.ML_AUTO_TRIAGE is True
    assert TestConfig(ML_AUTO_TRIAGE="false").ML_AUTO_TRIAGE is False
