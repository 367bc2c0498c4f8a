#!/bin/sh
# Container entrypoint. `boot.sh migrate`: apply migrations (retrying while the database starts) and exit;
# compose runs it once per deployment as the `migrate` service. `boot.sh`: serve with gunicorn, migrating
# first only when MIGRATE_ON_START=true (the default, for a single instance; compose sets it to false).
set -e

migrate() {
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
}

if [ "${1:-serve}" = "migrate" ]; then
    migrate
    exit 0
fi

case "${MIGRATE_ON_START:-true}" in
    true | 1 | yes | on) migrate ;;
esac

# gunicorn.conf.py: gthread workers, timeouts, Prometheus multiprocess folder, MLflow store initialised once.
exec gunicorn --config gunicorn.conf.py --bind "${BIND:-0.0.0.0:8000}" "app:create_app()"
