# syntax=docker/dockerfile:1.7
# One image for every DeltaStream service; the container command selects the service:
#   python -m deltastream.feed | deltastream.enricher | deltastream.marketdata
#   python -m deltastream.analytics | deltastream.gateway | deltastream.auth
#   python -m deltastream.alerts | deltastream_operator
# Only the runtime dependencies of pyproject.toml are installed, never the `dev` extra
# (its embedded servers, SecantusDB among them, are for development and tests only).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: resolve and install into a virtual environment --------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/deltastream
ENV PATH=/opt/deltastream/bin:$PATH
WORKDIR /src

# The dependencies first, from pyproject.toml and the versions the tests ran with
# (constraints.txt), so that this layer is reused as long as neither changes. Binary wheels
# only: the image has no compilers.
COPY pyproject.toml constraints.txt ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
 && pip install --only-binary=:all: --constraint constraints.txt -r /tmp/requirements.txt

# Then the code itself (.dockerignore keeps everything else out of the context).
COPY . .
RUN pip install --no-deps . \
 && python -m compileall -q -j 0 /opt/deltastream/lib \
 && pip uninstall --yes pip setuptools wheel

# ---- runtime: the interpreter, the virtual environment, an unprivileged user --------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="deltastream" \
      org.opencontainers.image.description="DeltaStream real-time option analytics services" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/deltastream/deltastream"

# The base image's own packaging tools are not needed to run anything.
RUN python -m pip uninstall --yes pip setuptools wheel \
 && groupadd --system --gid 10001 deltastream \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin deltastream

COPY --from=build /opt/deltastream /opt/deltastream
ENV PATH=/opt/deltastream/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DELTASTREAM_METRICS_PORT=9100

# The root filesystem may be read-only (Kubernetes mounts an emptyDir on /tmp).
WORKDIR /tmp
USER 10001:10001

# gateway HTTP, metrics, MarketData, Auth, Alerts and Analytics gRPC, operator liveness.
EXPOSE 8000 9100 50051 50052 50053 50054 8080

# Every service answers HTTP on one port: the metrics server (9100) or, for the gateway and
# the operator, set DELTASTREAM_HEALTHCHECK_URL (http://127.0.0.1:8000/healthz,
# http://127.0.0.1:8080/healthz). Kubernetes uses the chart's probes instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ.get('DELTASTREAM_HEALTHCHECK_URL', 'http://127.0.0.1:9100/metrics'), timeout=4)"]

CMD ["python", "-m", "deltastream.gateway"]
