"""gunicorn settings for the API (boot.sh and scripts/run-demo.sh): threads, timeouts, metrics, MLflow store.

gthread workers read requests in a thread pool, so a few slow or half-open clients cannot hold every worker;
put nginx in front in production (README, "Deployment notes") to buffer slow clients completely.
"""

import os
import shutil
import subprocess
import sys
import tempfile

# Set before any worker imports prometheus_client: each worker then writes its figures to files there,
# and /metrics sums every worker's (see app/metrics.py).
PROMETHEUS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.path.join(
    tempfile.gettempdir(), f"tia-prometheus-{os.getpid()}"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = PROMETHEUS_DIR

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
accesslog = None  # the app logs one line per request itself (app/request_log.py)
errorlog = "-"

INIT_STORE = (
    "from app.config import Config; from app.ml.registry import init_tracking_store; "
    "init_tracking_store(Config().MLFLOW_TRACKING_URI)"
)


def on_starting(server):
    """Before any worker exists: empty the metrics folder and create the embedded MLflow store once."""
    shutil.rmtree(PROMETHEUS_DIR, ignore_errors=True)
    os.makedirs(PROMETHEUS_DIR, exist_ok=True)
    if os.environ.get("MLFLOW_TRACKING_URI", "").startswith(("http://", "https://")):
        return  # a tracking server creates its own store
    # In a child process, so the master holds no database connection its workers would inherit.
    done = subprocess.run([sys.executable, "-c", INIT_STORE], check=False, timeout=300)  # noqa: S603
    if done.returncode != 0:
        server.log.warning("MLflow tracking store initialisation failed (exit %s)", done.returncode)


def post_worker_init(worker):
    """Accept requests once the model's background load has finished (at most half the worker timeout).

    Requests that arrive while that thread imports MLflow and loads the model and its index share the GIL
    with it: the first calls after a start took 50-350 ms instead of 15-40.
    """
    cache = getattr(worker.wsgi, "extensions", {}).get("ml_model")
    if cache is not None and not cache.wait_started(worker.cfg.timeout / 2):
        worker.log.warning("serving before the model's first load finished (%s s)", worker.cfg.timeout / 2)


def child_exit(server, worker):
    """Drop a dead worker's live gauges (the served model version) from /metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
