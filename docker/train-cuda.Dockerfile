# syntax=docker/dockerfile:1
# The AWS Batch training image: albumml with a CUDA build of torch, on NVIDIA's CUDA + cuDNN runtime.
# The job definition's command runs as is, e.g.
#   albumml train --snapshot S --model 1 --backbone vgg16 --epochs 40 --resume --no-progress --json
# Build from the repository root:  docker build -f docker/train-cuda.Dockerfile -t albumml-train .

FROM ghcr.io/astral-sh/uv:0.9.28 AS uv

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04 AS cuda

# ---- build: a standalone CPython (Ubuntu 22.04 ships no 3.11 release) and a virtual environment -----------
FROM cuda AS build

# torch from the CUDA 12.8 index matches the base image (PyPI's default torch wheels target CUDA 13).
# Keep MLFLOW_VERSION in step with the tracking server (compose.yaml; tests/docker checks this).
ARG PYTHON_VERSION=3.11.14
ARG TORCH_VERSION=2.14.1
ARG TORCHVISION_VERSION=0.29.2
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
ARG MLFLOW_VERSION=3.17.2

ENV UV_PYTHON_INSTALL_DIR=/opt/python \
    UV_PYTHON_PREFERENCE=only-managed \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH="/opt/venv/bin:${PATH}"

COPY --from=uv /uv /usr/local/bin/uv

# The largest layer first, cached until the pins change.
RUN uv python install "${PYTHON_VERSION}" \
    && uv venv --seed --python "${PYTHON_VERSION}" /opt/venv \
    && pip install --no-cache-dir --index-url "${TORCH_INDEX_URL}" \
        "torch==${TORCH_VERSION}" "torchvision==${TORCHVISION_VERSION}"

WORKDIR /src
COPY pyproject.toml README.md ./
COPY albumml ./albumml
COPY crawler ./crawler
COPY flows ./flows
RUN pip install --no-cache-dir . "mlflow==${MLFLOW_VERSION}"

# ---- runtime: the interpreter and the environment, run as an unprivileged user ----------------------------
FROM cuda AS runtime

# glibc keeps freed tensor memory instead of unmapping it after every forward pass: CPU inference 2-3x faster.
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ALBUMML_HOME=/data \
    MALLOC_MMAP_THRESHOLD_=67108864 \
    MALLOC_TRIM_THRESHOLD_=17179869184

RUN groupadd --system --gid 10001 albumml \
    && useradd --system --uid 10001 --gid albumml --create-home --home-dir /home/albumml \
        --shell /usr/sbin/nologin albumml \
    && mkdir -p /data \
    && chown albumml:albumml /data

COPY --from=build /opt/python /opt/python
COPY --from=build /opt/venv /opt/venv

USER 10001:10001
WORKDIR /data

# No entrypoint: the base image's banner script would print before the job's `--json` output, and the
# Batch job definition's command must run exactly as given (`albumml train ...`).
ENTRYPOINT []
CMD ["albumml", "--help"]
