# syntax=docker/dockerfile:1
# The MLflow tracking server of the compose stack: the official image plus the PostgreSQL driver (backend store)
# and boto3 (S3 artifacts), which it lacks.
# Build from the repository root:  docker build -f docker/mlflow.Dockerfile -t albumml-mlflow .

# Keep the tag in step with the mlflow that the albumml images install (tests/docker checks this).
FROM ghcr.io/mlflow/mlflow:v3.17.2

RUN pip install --no-cache-dir psycopg2-binary==2.9.13 boto3==1.44.8 \
    && groupadd --system --gid 10001 mlflow \
    && useradd --system --uid 10001 --gid mlflow --create-home --home-dir /home/mlflow \
        --shell /usr/sbin/nologin mlflow

USER 10001:10001
WORKDIR /home/mlflow
EXPOSE 5000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=4)"]

CMD ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000", "--workers", "1"]
