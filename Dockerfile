# One image; the command picks the role (`python -m agent_platform.launcher ROLE`), each against
# the servers in DATABASE_URL and REDIS_URL (roles never start embedded servers):
#   app        migrations, then the Reflex app (frontend + REST API on one port, :3000)
#   worker     Dramatiq workers
#   scheduler  schedule triggers
#   migrate    Alembic upgrade, then exit
# compose.yaml runs them all; .env.example lists the required settings.
FROM python:3.11-slim

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
