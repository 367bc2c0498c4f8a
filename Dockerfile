# The API image: python:3.11-slim, runtime dependencies only, non-root; boot.sh serves (or migrates).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MLFLOW_DISABLE_TELEMETRY=true \
    FLASK_APP=app:create_app \
    APP_ENV=production

WORKDIR /srv
RUN useradd --create-home --uid 10001 app

COPY requirements.txt ./
RUN pip install --require-hashes -r requirements.txt

COPY app ./app
COPY migrations ./migrations
COPY boot.sh gunicorn.conf.py ./
# instance/similarity exists owned by app, so the compose volume mounted there starts writable for it.
RUN mkdir -p instance/similarity mlruns && chown -R app:app instance mlruns

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"
CMD ["./boot.sh"]
