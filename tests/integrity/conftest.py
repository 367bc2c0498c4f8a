"""Fixtures for the integrity tests."""

from __future__ import annotations

import pytest

from app.extensions import db


@pytest.fixture
def postgres_only(app):
    """Real concurrent writers need a server database; SQLite serialises writers by locking the file."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent requests need PostgreSQL (CI runs the suite on it)")
