"""How requests use database connections: reads without a transaction, pings only for idle connections."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from flask_sqlalchemy.session import Session

# HikariCP's aliveBypassWindowMs: a connection used this recently is alive, so checking it again costs a
# round trip for nothing. A server restart takes longer than this, so a restarted server's stale
# connections have been idle longer and are pinged before use.
PING_AFTER_IDLE_SECONDS = 0.5
SAFE_METHODS = frozenset({"GET", "HEAD"})
_IDLE_SINCE = "idle_since"

View = TypeVar("View", bound=Callable[..., Any])
_autocommit_engines: WeakKeyDictionary[sa.Engine, sa.Engine] = WeakKeyDictionary()


def read_only(view: View) -> View:
    """Mark a GET view that only reads: its request runs its statements without BEGIN and ROLLBACK.

    PostgreSQL's READ COMMITTED gives every statement its own snapshot inside a transaction too, so reads
    see the same data; only writes and transaction-scoped settings (SET LOCAL, set_config(..., true),
    FOR UPDATE locks) need the transaction. A marked view must do none of them; authentication's one-row
    token touch is the one write such a request makes, and a flush of more than one row is refused.
    """
    view.read_only = True  # type: ignore[attr-defined]
    return view


def request_reads_only() -> bool:
    """Whether this request's view is marked read_only (a GET or HEAD to it)."""
    if not has_request_context() or request.method not in SAFE_METHODS or request.endpoint is None:
        return False
    view_class = getattr(current_app.view_functions.get(request.endpoint), "view_class", None)
    method = getattr(view_class, "get", None)
    return bool(getattr(method, "read_only", False))


def run_read_again(error: sa.exc.DBAPIError) -> Any | None:
    """A read_only request's answer from a second run when its connection was found dead, else None.

    A connection used less than PING_AFTER_IDLE_SECONDS ago is not pinged, so a server restart, failover or
    proxy that drops it inside that window surfaces as a disconnect. A read wrote nothing (the token touch is
    a timestamp), so it runs once more, on a new connection, instead of answering 503.
    """
    if not error.connection_invalidated or not request_reads_only() or g.get("read_run_again"):
        return None
    g.read_run_again = True
    current_app.extensions["sqlalchemy"].session.rollback()
    try:
        return current_app.dispatch_request()
    except Exception as again:
        return current_app.handle_user_exception(again)


def _autocommit(engine: sa.Engine) -> sa.Engine:
    # The option engine shares the engine's pool; the isolation level is reset when a connection returns.
    if engine not in _autocommit_engines:
        _autocommit_engines[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return _autocommit_engines[engine]


class RequestSession(Session):
    """The app's session: in a read_only view's request it binds to the engine in autocommit mode."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        """The engine for a statement, in autocommit mode for a read_only request."""
        bind = super().get_bind(*args, **kwargs)
        if isinstance(bind, sa.Engine) and request_reads_only():
            return _autocommit(bind)
        return bind


@sa.event.listens_for(RequestSession, "before_flush")
def _one_row_without_transaction(session: Session, *_: Any) -> None:
    changed = len(session.new) + len(session.dirty) + len(session.deleted)
    if changed > 1 and request_reads_only():
        raise RuntimeError(f"A read_only view flushed {changed} rows: without a transaction, not atomically.")


def _note_idle(dbapi_connection: Any, record: Any) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(engine: sa.Engine) -> Callable[..., None]:
    dialect = engine.dialect

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # a new connection, or one just used
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_connection, None):
                # As pool_pre_ping does: the server went away, so every older connection is stale too.
                raise sa.exc.InvalidatePoolError() from err
            raise

    return checkout


def register_connection_checks(engine: sa.Engine) -> None:
    """Ping pooled connections before use only when they have been idle (replaces pool_pre_ping)."""
    sa.event.listen(engine, "checkin", _note_idle)
    sa.event.listen(engine, "checkout", _ping_if_idle(engine))
