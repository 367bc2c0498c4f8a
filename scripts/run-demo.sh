#!/usr/bin/env bash
# The demo behind `make run`: migrate the embedded SQLite database, create demo users, seed tickets,
# train and promote a first model, start the MLflow UI and one jobs worker, then serve the API with gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=app:create_app MLFLOW_DISABLE_TELEMETRY=true
API_PORT="${API_PORT:-8000}"
MLFLOW_PORT="${MLFLOW_PORT:-5000}"

flask db upgrade
echo "Demo users (credentials kept in instance/demo-credentials.json):"
flask create-demo-users
flask seed-tickets --n 1000 --if-empty
flask train --if-no-champion

mkdir -p mlruns/artifacts
MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false mlflow server --host 127.0.0.1 --port "$MLFLOW_PORT" --workers 1 \
    --backend-store-uri "sqlite:///$PWD/mlruns/mlflow.db" --default-artifact-root "$PWD/mlruns/artifacts" \
    > instance/mlflow-ui.log 2>&1 &
MLFLOW_PID=$!
flask jobs worker > instance/jobs-worker.log 2>&1 &
WORKER_PID=$!
trap 'kill "$MLFLOW_PID" "$WORKER_PID" 2>/dev/null || true' EXIT

echo
echo "API:        http://127.0.0.1:$API_PORT/api/   (Swagger UI: http://127.0.0.1:$API_PORT/api/docs/)"
echo "MLflow UI:  http://127.0.0.1:$MLFLOW_PORT/"
echo
# gunicorn.conf.py: 2 gthread workers x 4 threads, the MLflow store initialised before they fork.
gunicorn --config gunicorn.conf.py --bind "127.0.0.1:$API_PORT" --workers 2 --no-control-socket "app:create_app()"
