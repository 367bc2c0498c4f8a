"""Token checks remembered for a few seconds.

A request otherwise spends a round trip and two row loads on its token before its own work. Requests whose
view is read_only use the cache always; writes use it only while the process's change feed listens
(app/auth/change_feed.py: PostgreSQL announces every committed change to a user or to a token's validity, and
each notice empties the cache), else they check the database. A change committed in this process empties the
cache at once; without the feed, other processes see it within AUTH_CACHE_SECONDS, the most a revoked token or
a changed role can still read for.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from cachetools import TTLCache
from flask import Flask, current_app
from sqlalchemy.orm import Session, make_transient_to_detached

from app.auth.change_feed import ChangeFeed, libpq_url
from app.auth.models import ApiToken, User
from app.database import RequestSession
from app.extensions import db
from app.timeutil import as_utc, utcnow

MAX_ENTRIES = 10_000
_CHANGED = "auth_rows_changed"
_caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()


@dataclass(frozen=True)
class _Entry:
    user: User  # a detached copy, never the object of a request's session
    expires_at: datetime | None


class TokenCache:
    """Token hash -> its owner, for AUTH_CACHE_SECONDS; no-op when that is 0."""

    def __init__(self, seconds: float) -> None:
        self._entries: TTLCache[str, _Entry] | None = (
            TTLCache(maxsize=MAX_ENTRIES, ttl=seconds) if seconds > 0 else None
        )
        self._lock = threading.Lock()
        self.generation = 0  # bumped by every clear: a check that began before one is not kept
        self.feed: ChangeFeed | None = None
        _caches.add(self)

    def covers_writes(self) -> bool:
        """Whether writes may use the cache: while the change feed listens (started by the first ask)."""
        if self.feed is None or self._entries is None:
            return False
        if not self.feed.live:
            self.feed.start()
        return self.feed.live

    def user(self, token_hash: str) -> User | None:
        """The token's owner as checked less than AUTH_CACHE_SECONDS ago, in this request's session."""
        if self._entries is None:
            return None
        with self._lock:
            entry = self._entries.get(token_hash)
        if entry is None or (entry.expires_at is not None and entry.expires_at <= utcnow()):
            return None
        return db.session.merge(entry.user, load=False)  # no SELECT: the copy's state is taken as is

    def remember(self, token_hash: str, user: User, expires_at: datetime | None, *, generation: int) -> None:
        """Keep a copy of the owner of a token found valid by a check that began at `generation`."""
        if self._entries is None:
            return
        columns = {attr.key: getattr(user, attr.key) for attr in sa.inspect(User).column_attrs}
        copy = User(**columns)
        make_transient_to_detached(copy)
        with self._lock:
            if generation == self.generation:  # else a change committed since may have revoked it
                self._entries[token_hash] = _Entry(copy, as_utc(expires_at))

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            if self._entries is not None:
                self._entries.clear()


def token_cache(app: Flask | None = None) -> TokenCache:
    """The app's token cache."""
    return (app or current_app).extensions["token_cache"]


def _only_touched(obj: Any) -> bool:
    """A token whose one change is its last use: bookkeeping, not a change of who may do what."""
    state = sa.inspect(obj)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return isinstance(obj, ApiToken) and changed <= {"last_used_at"}


@sa.event.listens_for(RequestSession, "after_flush")
def _note_auth_changes(session: Session, _: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, User | ApiToken) and not _only_touched(obj):
            session.info[_CHANGED] = True


@sa.event.listens_for(RequestSession, "do_orm_execute")
def _note_bulk_auth_changes(state: Any) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ in (User, ApiToken):
        state.session.info[_CHANGED] = True


@sa.event.listens_for(RequestSession, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        for cache in list(_caches):
            cache.clear()


@sa.event.listens_for(RequestSession, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def init_app(app: Flask) -> None:
    """Give the app its token cache, with a change feed on PostgreSQL unless AUTH_CHANGE_FEED is off."""
    cache = TokenCache(app.config["AUTH_CACHE_SECONDS"])
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["AUTH_CHANGE_FEED"] and url.get_backend_name() == "postgresql":
        cache.feed = ChangeFeed(libpq_url(url), cache.clear)
    app.extensions["token_cache"] = cache
