"""Prometheus metrics at /metrics: requests, latency, the served model version, predictions, training runs.

Under gunicorn set PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py does): every worker then writes its figures to
files there and /metrics, whichever worker answers it, sums all of them.
"""

from __future__ import annotations

import ipaddress
import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from app.auth.models import Role
from app.errors import Forbidden, Unauthorized

REQUESTS = Counter(
    "http_requests_total", "HTTP requests by endpoint and status.", ["method", "endpoint", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by endpoint and status.",
    ["method", "endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
MODEL_VERSION = Gauge(
    "ml_model_version",
    "The registered model version this worker serves (0: none loaded).",
    multiprocess_mode="liveall",
)
PREDICTIONS = Counter("ml_predictions_total", "Model predictions by outcome.", ["outcome"])
TRAINING_RUNS = Counter("ml_training_runs_total", "Training runs by result.", ["result"])

PREDICTION_OUTCOMES = ("applied", "abstained", "suggested")
TRAINING_RESULTS = ("promoted", "challenger", "refused", "failed")


def record_prediction(outcome: str) -> None:
    """Count one prediction: applied (written to a ticket), abstained (below confidence) or suggested."""
    PREDICTIONS.labels(outcome=outcome).inc()


def prediction_outcome(*, abstained: bool, applied: bool) -> str:
    """The outcome label of a prediction."""
    return "applied" if applied else "abstained" if abstained else "suggested"


def record_training(result: str) -> None:
    """Count one training run: promoted, challenger, refused (not enough data, busy) or failed."""
    TRAINING_RUNS.labels(result=result).inc()


def _served_version() -> float:
    cache = current_app.extensions.get("ml_model")
    loaded = getattr(cache, "loaded", None)
    version = getattr(loaded, "version", None)
    return float(version) if version and str(version).isdigit() else 0.0


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    endpoint = request.url_rule.rule if request.url_rule else "<unmatched>"
    labels = {"method": request.method, "endpoint": endpoint, "status": str(response.status_code)}
    REQUESTS.labels(**labels).inc()
    LATENCY.labels(**labels).observe(time.perf_counter() - g.get("metrics_started", time.perf_counter()))
    MODEL_VERSION.set(_served_version())
    return response


def _allowed_address(address: str | None) -> bool:
    networks = current_app.config["METRICS_ALLOW_IPS"]
    if not address or not networks:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


def _authorise() -> None:
    if _allowed_address(request.remote_addr):
        return
    auth = request.authorization
    if auth is None or auth.type != "bearer" or not auth.token:
        raise Unauthorized("Metrics need an admin's Bearer token (or an address in METRICS_ALLOW_IPS).")
    from app.auth.service import authenticate_token

    user = authenticate_token(auth.token)
    if user is None:
        raise Unauthorized("Invalid credentials, or the account or token is inactive.")
    if user.role != Role.ADMIN:
        raise Forbidden("Metrics are for admins.")


def metrics_view() -> Response:
    """The Prometheus text exposition of this service (all workers in multiprocess mode)."""
    _authorise()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def register_metrics(app: Flask) -> None:
    """Time every request and serve /metrics to admins' Bearer tokens and METRICS_ALLOW_IPS."""
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", metrics_view)
