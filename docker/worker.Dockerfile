# syntax=docker/dockerfile:1
# The albumml worker: a Prefect process worker that runs the flows, the Scrapy crawler and the `albumml` CLI.
# It orchestrates and crawls, so torch is the CPU build; GPU training runs in train-cuda.Dockerfile.
# Build from the repository root:  docker build -f docker/worker.Dockerfile -t albumml-worker .

FROM python:3.11.14-slim-bookworm AS python

# ---- build: a virtual environment holding albumml and its dependencies -------------------------------------
FROM python AS build

# Keep PREFECT_VERSION and MLFLOW_VERSION in step with the servers in compose.yaml (tests/docker checks this).
ARG TORCH_VERSION=2.14.1
ARG TORCHVISION_VERSION=0.29.2
ARG PREFECT_VERSION=3.9.1
ARG MLFLOW_VERSION=3.17.2

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH="/opt/venv/bin:${PATH}"

# The largest layer first, cached until the pins change.
RUN python -m venv /opt/venv \
    && pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu \
        "torch==${TORCH_VERSION}" "torchvision==${TORCHVISION_VERSION}"

WORKDIR /src
COPY pyproject.toml README.md ./
COPY albumml ./albumml
COPY crawler ./crawler
COPY flows ./flows
RUN pip install --no-cache-dir . "prefect==${PREFECT_VERSION}" "mlflow==${MLFLOW_VERSION}"

# ---- runtime: the environment and the flow sources, run as an unprivileged user ---------------------------
FROM python AS runtime

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ALBUMML_HOME=/data \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    MALLOC_MMAP_THRESHOLD_=67108864 \
    MALLOC_TRIM_THRESHOLD_=17179869184

RUN groupadd --system --gid 10001 albumml \
    && useradd --system --uid 10001 --gid albumml --create-home --home-dir /home/albumml \
        --shell /usr/sbin/nologin albumml \
    && mkdir -p /data \
    && chown albumml:albumml /data

COPY --from=build /opt/venv /opt/venv

# A process worker runs a deployment's entrypoint (flows/nightly.py:...) from its working directory.
WORKDIR /app
COPY flows ./flows

USER 10001:10001
EXPOSE 8080

# `--with-healthcheck` serves /health on 8080 while the worker polls its pool.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4)"]

CMD ["prefect", "worker", "start", "--pool", "albumml-process", "--type", "process", "--with-healthcheck"]
