# The MLflow tracking server and UI: full mlflow plus the PostgreSQL driver.
FROM python:3.12-slim
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 MLFLOW_DISABLE_TELEMETRY=true
RUN pip install mlflow==3.17.2 "psycopg[binary]==3.3.9" \
    && useradd --create-home --uid 10001 mlflow && mkdir -p /mlartifacts && chown mlflow /mlartifacts
USER mlflow
EXPOSE 5000
