# syntax=docker/dockerfile:1
#
# One image recipe for every Ideapaja service; the service is chosen at build time:
#
#   docker build --build-arg SERVICE=intake -t ideapaja/intake:local .
#   docker run --rm -p 8001:8001 -e IDEAPAJA_INTAKE_HTTP_PORT=8001 … ideapaja/intake:local
#
# The build context is the repository root (the uv workspace). docker-compose.yml builds
# every service (the portal, intake, review, reward, notification, privacy) from this file;
# deploy/kubernetes runs the same images.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
# build: resolve the locked dependencies and install the service (not editable) into /app/.venv
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

# uv comes from PyPI, pinned; the workspace's build backend (uv_build) is fetched by uv itself.
ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /src
COPY . .

# The portal's front-end packages (services/portal/assets.json) from the npm registry
# ($NPM_CONFIG_REGISTRY, else registry.npmjs.org), each refused unless its sha512 matches, into the
# portal's static/vendor/ before uv builds the package, so its wheel carries them. Standard library
# only; it does nothing if the build context already holds the locked versions.
ARG NPM_CONFIG_REGISTRY
RUN python3 scripts/frontend_assets.py

# SERVICE: the entry-point name of the service (intake, review, reward, notification, …).
# PACKAGE: its workspace package, ideapaja-<service> by convention.
# EXTRA_PACKAGES: also installed; the runner brings the `ideapaja` command for operators
# (`ideapaja dlq list` / `ideapaja dlq replay` from inside a running container).
ARG SERVICE
ARG PACKAGE=ideapaja-${SERVICE}
ARG EXTRA_PACKAGES=ideapaja-runner
# The workspace's own packages are rebuilt every time (--reinstall-package): uv's cache (the cache
# mount) keeps a local package's wheel until its pyproject.toml changes, so changed code, templates
# or front-end assets would otherwise leave the image with the wheel of an earlier build.
# ${packages} is split into words on purpose. A service that searches (intake, review) gets its
# dictionaries built into /app/.venv/share here, once: at start it maps them in milliseconds
# instead of indexing simplemma's packaged ones (5 s of CPU and 65 MB in every process).
# hadolint ignore=SC2086
RUN --mount=type=cache,target=/root/.cache/uv \
    set -eu; \
    if [ -z "${SERVICE}" ]; then \
        echo "build with --build-arg SERVICE=<service name>, e.g. SERVICE=intake" >&2; exit 1; \
    fi; \
    packages="--package ${PACKAGE}"; \
    for extra in ${EXTRA_PACKAGES}; do packages="${packages} --package ${extra}"; done; \
    for pyproject in */pyproject.toml services/*/pyproject.toml; do \
        packages="${packages} --reinstall-package $(sed -n 's/^name = "\(.*\)"$/\1/p' "${pyproject}")"; \
    done; \
    uv sync --frozen --no-dev --no-editable ${packages}; \
    /app/.venv/bin/python -c 'import sys; from importlib.metadata import entry_points; \
names = sorted(ep.name for ep in entry_points(group="ideapaja.services")); \
sys.exit(None if sys.argv[1] in names else f"SERVICE={sys.argv[1]} is not an installed service: {names}")' \
        "${SERVICE}"; \
    if /app/.venv/bin/python -c 'import ideapaja_search' 2>/dev/null; then \
        /app/.venv/bin/python -m ideapaja_search.dictionaries; \
    fi

# ---------------------------------------------------------------------------------------------
# runtime: the virtual environment and two small scripts, run as an unprivileged user
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG SERVICE
LABEL org.opencontainers.image.title="ideapaja-${SERVICE}" \
      org.opencontainers.image.description="Ideapaja ${SERVICE} service"

ENV IDEAPAJA_SERVICE=${SERVICE} \
    PATH=/app/.venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN groupadd --system --gid 10001 ideapaja \
    && useradd --system --uid 10001 --gid ideapaja --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin ideapaja

COPY --from=build /app/.venv /app/.venv
COPY --chmod=0755 deploy/docker/entrypoint.sh /app/entrypoint.sh
COPY --chmod=0644 deploy/docker/healthcheck.py /app/healthcheck.py

WORKDIR /app
USER 10001:10001

# The service's port is IDEAPAJA_<SERVICE>_HTTP_PORT (compose: intake 8001 … notification 8004).
EXPOSE 8000-8010

# Liveness for plain `docker run`; compose and Kubernetes check readiness on /readyz as well.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/healthcheck.py", "/healthz"]

# `serve` (the default) runs: python -m ideapaja_runtime.serve ${SERVICE}
# Anything else is run as given, e.g. `docker run … ideapaja/intake ideapaja dlq list`.
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["serve"]
