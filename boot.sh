#!/bin/sh
# Container entrypoint: apply migrations (retrying while the database starts), then serve with gunicorn.
set -e

retries="${DB_UPGRADE_RETRIES:-20}"
attempt=1
until flask db upgrade; do
    if [ "$attempt" -ge "$retries" ]; then
        echo "boot: database still unreachable after $attempt attempts, giving up" >&2
        exit 1
    fi
    echo "boot: migration attempt $attempt failed, retrying in 3 s" >&2
    attempt=$((attempt + 1))
    sleep 3
done

exec gunicorn --bind "${BIND:-0.0.0.0:8000}" --workers "${WEB_CONCURRENCY:-2}" \
    --timeout "${GUNICORN_TIMEOUT:-120}" --access-logfile - "app:create_app()"
