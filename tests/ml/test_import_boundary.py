"""The web layer serves requests without importing mlflow: only app/ml/registry.py may, lazily."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from app import create_app
from app.config import TestConfig
import app.ml.routes, app.ml.service, app.ml.serving, app.ml.similarity, app.ml.train, app.ml.registry
app = create_app(TestConfig())
client = app.test_client()
assert client.get("/health/live").status_code == 200
assert client.get("/api/ml/model/").status_code == 401
assert client.post("/api/ml/predict/", json={}).status_code == 401
print("mlflow" in sys.modules)
"""


def test_importing_and_serving_the_web_layer_does_not_import_mlflow():
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "TEST_DATABASE_URL": "sqlite://"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_only_the_registry_module_imports_mlflow():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if path.name != "registry.py"
        and ("import mlflow" in path.read_text() or "from mlflow" in path.read_text())
    ]
    assert offenders == []
