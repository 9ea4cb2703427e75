# One image; the command picks the role (`python -m agent_platform.launcher ROLE`), each against
# the servers in DATABASE_URL and REDIS_URL (roles never start embedded servers):
#   app        migrations, then the Reflex app (frontend + REST API on one port, :3000)
#   worker     Dramatiq workers
#   scheduler  schedule triggers
#   migrate    Alembic upgrade, then exit
# compose.yaml runs them all; .env.example lists the required settings.
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
COPY reflex.lock ./reflex.lock
COPY migrations ./migrations
COPY assets ./assets
# Install and compile the frontend once at build time so containers start faster; a failed
# build fails the image.
RUN ENVIRONMENT=development reflex export --frontend-only --no-zip

EXPOSE 3000
ENTRYPOINT ["python", "-m", "agent_platform.launcher"]
CMD ["app"]
