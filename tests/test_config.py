"""Configuration from the environment."""

import pytest

from app import create_app
from app.config import DEV_SECRET_KEY, Config, ConfigError, normalise_database_url


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
