"""One training at a time across all workers: a PostgreSQL advisory lock, or a file lock on SQLite."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app

from app.errors import Conflict
from app.extensions import db, is_postgresql

# An arbitrary constant that names "ticket classifier training" in pg_advisory_lock's key space.
TRAINING_LOCK_KEY = 7_318_204_551

BUSY_MESSAGE = "A training run is already in progress; try again when it has finished."


@contextmanager
def _postgres_lock() -> Iterator[None]:
    # A dedicated connection: the session-level lock lives as long as this connection holds it.
    with db.engine.connect() as conn:
        acquired = conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": TRAINING_LOCK_KEY})
        conn.commit()
        if not acquired:
            raise Conflict(BUSY_MESSAGE)
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": TRAINING_LOCK_KEY})
            conn.commit()


@contextmanager
def _file_lock() -> Iterator[None]:
    os.makedirs(current_app.instance_path, exist_ok=True)
    path = os.path.join(current_app.instance_path, "ml-training.lock")
    # flock locks belong to the open file description, so they also exclude other threads of this process.
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(BUSY_MESSAGE) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def training_lock() -> Iterator[None]:
    """Hold the training lock for the block, or raise Conflict (409) when another training holds it."""
    lock = _postgres_lock if is_postgresql() else _file_lock
    with lock():
        yield
