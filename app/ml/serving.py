"""The per-process model cache: background load, alias polling, atomic swap, state for /health/ready.

Other parts of the app follow the cache through two hooks rather than being imported here: swap listeners
prepare for a new version before it is published (and may defer it), check listeners run after every check.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask

from app.errors import ServiceUnavailable
from app.timeutil import utcnow

log = logging.getLogger(__name__)

# A worker with no model checks the alias on a request at most this often (seconds).
EMPTY_CHECK_INTERVAL = 1.0


class SwapDeferred(Exception):
    """Raised by a swap listener when the new version cannot be served yet (its index is not built)."""


@dataclass(frozen=True)
class LoadedModel:
    """A champion version loaded in this process; replaced whole, never mutated."""

    pipeline: Any
    name: str
    version: str
    run_id: str | None
    classes: list[str]
    loaded_at: datetime


class ModelCache:
    """Holds this worker's model; a daemon thread follows the registry's champion alias."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.loaded: LoadedModel | None = None
        self.last_refresh: datetime | None = None  # last successful check of the alias
        self.last_error: str | None = None
        self.checking = False
        self.deferred: str | None = None  # why the champion is not served yet
        self._last_attempt = 0.0
        self._pending: LoadedModel | None = None
        self._swap_listeners: list[Callable[[LoadedModel], None]] = []
        self._check_listeners: list[Callable[[LoadedModel], None]] = []
        self._refresh_lock = threading.Lock()
        self._stop = threading.Event()
        self._first_check = threading.Event()
        self._thread: threading.Thread | None = None

    def on_swap(self, listener: Callable[[LoadedModel], None]) -> None:
        """Call listener(new model) before a new version is published; SwapDeferred keeps the old one."""
        self._swap_listeners.append(listener)

    def on_check(self, listener: Callable[[LoadedModel], None]) -> None:
        """Call listener(served model) after every successful check of the alias."""
        self._check_listeners.append(listener)

    def current(self) -> LoadedModel:
        """The loaded model, or ServiceUnavailable (503) when none has been loaded yet."""
        model = self.loaded
        if model is None and time.monotonic() - self._last_attempt > EMPTY_CHECK_INTERVAL:
            self.refresh()  # a model may have been trained since the last poll: look now, not in 10 s
            model = self.loaded
        if model is None:
            detail = f" Last error: {self.last_error}" if self.last_error else ""
            raise ServiceUnavailable(
                "No classification model is loaded in this worker yet: train one (POST /api/ml/train/ or "
                "`flask train`), or wait for the background load to finish." + detail
            )
        return model

    def refresh(self, *, wait: bool = False) -> bool:
        """Check the champion alias and load and swap in a new version; False if a check was running."""
        if not self._refresh_lock.acquire(blocking=wait, timeout=60 if wait else -1):
            return False
        try:
            self.checking = True
            self._last_attempt = time.monotonic()
            with self.app.app_context():
                self._check()
                if self.loaded is not None:
                    for listener in self._check_listeners:
                        listener(self.loaded)
            return True
        except Exception as exc:  # keep serving the last model; report it as stale
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("model refresh failed: %s", self.last_error)
            return True
        finally:
            self.checking = False
            self._first_check.set()
            self._refresh_lock.release()

    def _check(self) -> LoadedModel | None:
        from app.ml import registry

        with registry.guard("checking the champion alias"):
            champion = registry.version_by_alias(registry.CHAMPION)
            current = self.loaded
            swapped = None
            if champion is not None and (current is None or current.version != champion.version):
                swapped = self._publish(self._candidate(champion.version, champion.run_id))
        self.last_refresh, self.last_error = utcnow(), None
        return swapped

    def _candidate(self, version: str, run_id: str | None) -> LoadedModel:
        """The version to swap in: loaded at an earlier check and deferred since, or loaded now."""
        if self._pending is not None and self._pending.version == version:
            return self._pending
        from app.ml import registry

        pipeline = registry.load_version(version)
        return LoadedModel(
            pipeline=pipeline,
            name=self.app.config["MODEL_NAME"],
            version=version,
            run_id=run_id,
            classes=[str(c) for c in pipeline.classes_],
            loaded_at=utcnow(),
        )

    def _publish(self, model: LoadedModel) -> LoadedModel | None:
        """Let the listeners prepare, then make the model current (one reference assignment)."""
        try:
            for listener in self._swap_listeners:
                listener(model)
            self.deferred = None
        except SwapDeferred as exc:
            self.deferred = f"version {model.version}: {exc}"
            self._pending = model
            if self.loaded is not None:  # keep serving the old version until the new one is complete
                log.info("swap to %s deferred: %s", model.version, exc)
                return None
        self.loaded, self._pending = model, None
        log.info("loaded %s version %s", model.name, model.version)
        return model

    def wait_idle(self, timeout: float = 60) -> None:
        """Block until no refresh is running (tests, shutdown)."""
        if self._refresh_lock.acquire(timeout=timeout):
            self._refresh_lock.release()

    def refresh_soon(self) -> None:
        """Refresh in a background thread (after a promotion in this worker)."""
        threading.Thread(
            target=self.refresh, kwargs={"wait": True}, daemon=True, name="ml-model-refresh"
        ).start()

    def _loop(self) -> None:
        interval = max(0.5, float(self.app.config["MODEL_REFRESH_SECONDS"]))
        self.refresh()
        while not self._stop.wait(interval):
            self.refresh()

    def start(self) -> None:
        """Start the background load and the alias polling (once per process)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, daemon=True, name="ml-model-poller")
            self._thread.start()

    def wait_started(self, timeout: float) -> bool:
        """Wait up to timeout for the background load's first check: True once done (or never started)."""
        return self._thread is None or self._first_check.wait(timeout)

    def stop(self) -> None:
        """Stop polling (tests and shutdown)."""
        self._stop.set()

    def state(self) -> dict[str, Any]:
        """What this worker serves, for /health/ready and GET /api/ml/model/."""
        model = self.loaded
        return {
            "status": "loaded" if model else ("loading" if self.checking else "not loaded"),
            "pid": os.getpid(),
            "name": self.app.config["MODEL_NAME"],
            "loaded_version": model.version if model else None,
            "loaded_at": model.loaded_at.isoformat() if model else None,
            "last_refresh": self.last_refresh.isoformat() if self.last_refresh else None,
            "stale": bool(model and self.last_error),
            "deferred": self.deferred,
            "last_error": self.last_error,
        }


def readiness_check(cache: ModelCache) -> tuple[str, dict[str, Any], bool]:
    """Report the model state; a missing or stale model never makes the service unready."""
    return "model", cache.state(), True


def dashboard_card(cache: ModelCache) -> tuple[str, str]:
    """The production model as the admin dashboard shows it: the version this worker serves."""
    model = cache.loaded
    return "Production model", f"{model.name} v{model.version}" if model else "none"


def model_cache(app: Flask) -> ModelCache:
    """The app's model cache."""
    return app.extensions["ml_model"]
