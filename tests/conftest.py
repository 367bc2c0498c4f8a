"""Shared fixtures: the app on PostgreSQL (TEST_DATABASE_URL), a clean database per test, auth helpers."""

from __future__ import annotations

import os

# Jobs run inline in tests; Huey reads this when app.jobs.queue is first imported (by the app below).
os.environ["HUEY_IMMEDIATE"] = "true"

import pytest

from app import create_app
from app.auth import service as auth_service
from app.config import TestConfig
from app.extensions import db
from tests.factories import TicketFactory, UserFactory
from tests.helpers.database import wipe
from tests.helpers.forms import login


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the suite must run against PostgreSQL, never silently fall back to SQLite."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if os.environ.get("CI") == "true" and not url.startswith("postgres"):
        pytest.exit("CI=true but TEST_DATABASE_URL is not a PostgreSQL URL.", returncode=2)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """In CI a skipped test is a failure: the machine has every service the suite needs."""
    report = yield
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI: {report.longrepr}"
    return report


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app and schema for the session (tests may create_all; production uses migrations).

    Its MLflow store and similarity index folder are throwaway folders, never the repository's mlruns/.
    """
    ml = tmp_path_factory.mktemp("mlflow")
    app = create_app(
        TestConfig(
            MLFLOW_TRACKING_URI=f"sqlite:///{ml / 'mlflow.db'}",
            MLFLOW_ARTIFACT_ROOT=str(ml / "artifacts"),
            SIMILARITY_INDEX_DIR=str(ml / "similarity"),
        )
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _forget_model(app) -> None:
    # A model an ML test trained (and a refresh it started) must not auto-triage a later test's tickets.
    cache = app.extensions["ml_model"]
    cache.wait_idle()
    cache.loaded, cache.last_error = None, None


@pytest.fixture(autouse=True)
def _clean_db(app):
    """Each test starts with empty tables, fresh rate limits and no loaded model, in an app context."""
    with app.app_context():
        app.extensions["throttling"].reset()
        app.extensions["token_cache"].clear()
        _forget_model(app)
        wipe()
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def postgres_only(app):
    """Concurrent connections, row locks and server processes need PostgreSQL (CI runs the suite on it).

    The embedded SQLite database serialises writers by locking the file, and `sqlite://` is one in-memory
    connection that another process cannot open.
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent connections (CI runs the suite on it)")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user():
    return UserFactory.create


@pytest.fixture
def make_ticket():
    return TicketFactory.create


@pytest.fixture
def auth():
    """auth(user) -> headers with a fresh Bearer token for that user."""

    def headers(user) -> dict[str, str]:
        _, secret = auth_service.issue_token(user=user, name="test")
        return {"Authorization": f"Bearer {secret}"}

    return headers


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", username="admin")


@pytest.fixture
def agent(make_user):
    return make_user(role="agent", username="agent")


@pytest.fixture
def requester(make_user):
    return make_user(role="requester", username="requester")


@pytest.fixture
def admin_client(app, admin):
    """A test client with an admin logged in to the admin site."""
    client = app.test_client()
    response = login(client, admin.username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
