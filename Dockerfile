# One image; the command picks the role (mirrors `make run`'s steps without the embedded servers):
#   docker run IMAGE app        # migrations, then the Reflex app (frontend + API) on :3000
#   docker run IMAGE worker     # Dramatiq workers
#   docker run IMAGE scheduler  # schedule triggers and the stale-run sweeper
#   docker run IMAGE migrate    # Alembic upgrade head
# Required env: ENVIRONMENT=production DATABASE_URL REDIS_URL SECURITY__SECRET_KEY
#               SECURITY__VAULT_KEYS BASE_URL SMTP__HOST SMTP__PORT
# Code steps run in bubblewrap, which needs user namespaces: Docker's default seccomp profile
# refuses them, so code steps stay disabled (each code step fails saying so) until the worker
# container gets a seccomp profile that allows clone/unshare(CLONE_NEWUSER).
FROM python:3.11-slim

# The code sandbox: bubblewrap, prlimit (util-linux) and libseccomp2 for the seccomp filters.
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap util-linux libseccomp2 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REFLEX_USE_NPM=1 \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false \
    PATH=/app/.venv/bin:$PATH

WORKDIR /app
COPY pyproject.toml README.md ./
COPY agent_platform ./agent_platform
COPY workers ./workers
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -e .
COPY rxconfig.py alembic.ini ./
COPY migrations ./migrations
COPY assets ./assets
# Compile the frontend once at build time so containers start fast.
RUN ENVIRONMENT=development reflex export --frontend-only --no-zip || true

EXPOSE 3000
ENTRYPOINT ["python", "-m", "agent_platform.launcher"]
CMD ["app"]
