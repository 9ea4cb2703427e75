"""compose.yaml and the Dockerfile, read as data (there is no container engine in the suite)."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from agent_platform.launcher.roles import ROLES
from tests.conftest import ROOT

PLATFORM = ("migrate", "app", "worker", "scheduler")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _instructions(name: str) -> list[str]:
    return [line for line in _dockerfile().splitlines() if line.startswith(f"{name} ")]


def test_every_service_is_there(compose):
    assert set(compose["services"]) == {"db", "redis", *PLATFORM}
    assert compose["services"]["db"]["image"].startswith("pgvector/pgvector:")


def test_every_platform_command_is_a_launcher_role(compose):
    (entrypoint,) = _instructions("ENTRYPOINT")
    assert entrypoint.split(None, 1)[1] == '["python", "-m", "agent_platform.launcher"]'
    (default,) = _instructions("CMD")
    assert default == 'CMD ["app"]'
    for name in PLATFORM:
        service = compose["services"][name]
        assert service["build"] == "." and "entrypoint" not in service
        command = service["command"]
        command = shlex.split(command) if isinstance(command, str) else command
        assert command == [name] and name in ROLES, (name, command)


def test_platform_services_use_the_servers_and_the_env_file(compose):
    for name in PLATFORM:
        service = compose["services"][name]
        assert service["env_file"] == [".env"]
        env = service["environment"]
        assert env["ENVIRONMENT"] == "production"
        assert "@db:5432/" in env["DATABASE_URL"] and env["REDIS_URL"].startswith("redis://redis:")
        assert service["depends_on"]["db"] == {"condition": "service_healthy"}
    for name in ("app", "worker", "scheduler"):
        deps = compose["services"][name]["depends_on"]
        assert deps["migrate"] == {"condition": "service_completed_successfully"}
        assert deps["redis"] == {"condition": "service_healthy"}
    assert compose["services"]["migrate"]["restart"] == "no"


def test_health_checks(compose):
    services = compose["services"]

    def check(name: str) -> str:
        test = services[name]["healthcheck"]["test"]
        return " ".join(test[1:]) if isinstance(test, list) else test

    assert "pg_isready" in check("db")
    assert check("redis") == "redis-cli ping"
    app = check("app")
    assert "http://127.0.0.1:3000/api/v1/health" in app
    assert services["app"]["ports"] == ["${PORT:-3000}:3000"]
    assert int(services["app"]["healthcheck"]["start_period"].rstrip("s")) >= 120


def test_the_health_endpoint_is_public():
    from agent_platform.api.app import PUBLIC_ROUTES

    assert ("GET", "/api/v1/health") in PUBLIC_ROUTES


def test_data_lives_in_named_volumes(compose):
    declared = set(compose["volumes"])
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in declared, f"{source} is not a named volume"
            used.add(source)
    assert used == declared == {"pgdata", "redisdata"}
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]


def test_workers_scale_and_get_time_to_finish(compose):
    worker = compose["services"]["worker"]
    assert worker["deploy"]["replicas"] >= 1
    grace = float(worker["environment"]["LAUNCHER__STOP_TIMEOUT_S"])
    assert int(worker["stop_grace_period"].rstrip("s")) > grace


def test_every_required_setting_is_documented(compose):
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    text = (ROOT / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    assert required == {"POSTGRES_PASSWORD"}
    # What Settings refuses to run production without, and what production needs to work.
    needed = {"SECURITY__SECRET_KEY", "SECURITY__VAULT_KEYS", "BASE_URL", "SMTP__HOST"}
    assert required | needed <= documented
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_a_failed_image_step_fails_the_build():
    for line in _instructions("RUN"):
        assert "|| true" not in line and not line.rstrip().endswith("|| :"), line
    assert any("reflex export" in line for line in _instructions("RUN"))
