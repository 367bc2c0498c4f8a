-- The MLflow tracking server keeps its runs and registry in its own database on the same server.
CREATE DATABASE mlflow;
