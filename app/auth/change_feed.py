"""Changes to users and tokens announced by PostgreSQL, so each worker's token cache hears of them at once.

Triggers on `users` and `api_tokens` (created by migration 0011, and with the tables by `create_all`) send a
NOTIFY on the channel below for every committed statement that changes a user or a token's owner, hash, expiry
or revocation, whoever ran it: this app, a `flask` command or a SQL client. A token's last-use touch is not
announced. Each worker listens on a connection of its own (`ChangeFeed`) and empties its token cache on every
notice; while it listens, writes may use the cache too. When the connection fails the cache is emptied, writes
check the database again, and the feed reconnects.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

import psycopg
import sqlalchemy as sa
from psycopg.conninfo import make_conninfo

from app.auth.models import ApiToken, User

CHANNEL = "tia_auth_changed"
FUNCTION = f"""
CREATE OR REPLACE FUNCTION tia_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END $$
"""
TRIGGERS = {
    "users": "CREATE OR REPLACE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users "
    "FOR EACH STATEMENT EXECUTE FUNCTION tia_auth_changed()",
    "api_tokens": "CREATE OR REPLACE TRIGGER api_tokens_auth_changed "
    "AFTER UPDATE OF user_id, token_hash, expires_at, revoked_at OR DELETE ON api_tokens "
    "FOR EACH STATEMENT EXECUTE FUNCTION tia_auth_changed()",
}
DROP = [
    "DROP TRIGGER IF EXISTS users_auth_changed ON users",
    "DROP TRIGGER IF EXISTS api_tokens_auth_changed ON api_tokens",
    "DROP FUNCTION IF EXISTS tia_auth_changed()",
]
RETRY_SECONDS = 1.0
CONNECT_OPTIONS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "tcp_user_timeout": 5000,
}
log = logging.getLogger(__name__)

for _model in (User, ApiToken):
    for _sql in (FUNCTION, TRIGGERS[_model.__tablename__]):
        sa.event.listen(_model.__table__, "after_create", sa.DDL(_sql).execute_if(dialect="postgresql"))


class ChangeFeed:
    """A thread LISTENing for auth changes: `on_change` runs for each, and when one may have been missed."""

    def __init__(self, url: str, on_change: Callable[[], None], *, check_seconds: float = 1.0) -> None:
        self._url = url
        self._on_change = on_change
        self._check_seconds = check_seconds
        self.retry_seconds = RETRY_SECONDS
        self.backend_pid: int | None = None
        self._listening = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    @property
    def live(self) -> bool:
        """Whether every change committed from now on will reach `on_change`."""
        return self._listening.is_set() and self._pid == os.getpid()

    def start(self) -> None:
        """Start listening in this process (again after a fork); a no-op while the thread runs."""
        with self._lock:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            self._listening.clear()
            self._stop.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="auth-change-feed", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._listening.clear()

    def _run(self) -> None:
        quiet = False  # one warning per outage, not one per retry
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # whatever failed, the feed stops vouching for the cache and retries
                if not quiet or self.backend_pid is not None:
                    log.warning("auth change feed down (%s); writes check tokens", type(exc).__name__)
                quiet = True
            finally:
                self.backend_pid = None
                self._listening.clear()
                self._on_change()  # a change may have been missed while not listening
            self._stop.wait(self.retry_seconds)

    def _listen(self) -> None:
        # tcp_user_timeout and keepalives: a connection cut without a reset fails within seconds, not minutes
        with psycopg.connect(make_conninfo(self._url, **CONNECT_OPTIONS), autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.backend_pid = conn.info.backend_pid
            self._on_change()  # what was cached before LISTEN may predate a change nobody announced to us
            self._listening.set()
            while not self._stop.is_set():
                for _ in conn.notifies(timeout=self._check_seconds):
                    self._on_change()
                conn.execute("SELECT 1")  # a connection that died quietly fails here, within check_seconds


def libpq_url(url: sa.URL) -> str:
    """The SQLAlchemy URL as psycopg's connect() takes it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
