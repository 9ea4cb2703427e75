"""Attacks on default configuration: the public placeholder key and cookies over plain HTTP.

A secret printed in the repository signs nothing: development generates a random key per
installation (shared by its processes through ``data_dir``), production and development refuse
the placeholder, and session cookies are ``Secure`` whenever the site is served over https.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PRINT_KEY = (
    "from agent_platform.settings import get_settings;"
    "print(get_settings().security.secret_key.get_secret_value())"
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECURITY__")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def test_a_fresh_data_dir_gets_a_private_secret_every_process_agrees_on(tmp_path: Path):
    data_dir = tmp_path / "data"
    env = _env(ENVIRONMENT="development", DATA_DIR=str(data_dir))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PRINT_KEY], env=env, cwd=tmp_path, stdout=subprocess.PIPE
        )
        for _ in range(2)
    ]
    keys = [p.communicate(timeout=60)[0].decode().strip() for p in procs]
    secret_file = data_dir / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert keys[0] == keys[1] == secret_file.read_text().strip()
    assert len(keys[0]) >= 32 and keys[0] != "change-me-in-production"
    assert [p.name for p in data_dir.iterdir()] == ["secret_key"]  # no temporary files left


@pytest.mark.parametrize("environment", ["production", "development"])
def test_the_public_placeholder_is_refused_at_start(tmp_path: Path, environment: str):
    env = _env(
        ENVIRONMENT=environment,
        DATA_DIR=str(tmp_path),
        SECURITY__SECRET_KEY="change-me-in-production",
        SECURITY__VAULT_KEYS="1:" + "A" * 44,
    )
    done = subprocess.run(
        [sys.executable, "-c", PRINT_KEY], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "SECURITY__SECRET_KEY is a public placeholder" in done.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path):
    from agent_platform.settings import Settings

    with pytest.raises(ValueError, match="SECURITY__SECRET_KEY must be set in production"):
        Settings(environment="production", data_dir=tmp_path, _env_file=None)
    assert not (tmp_path / "secret_key").exists()  # production never invents one


@pytest.mark.parametrize(("base_url", "secure"), [("https://agents.example", True),
                                                  ("http://localhost:3000", False)])  # fmt: skip
def test_session_cookies_are_secure_when_the_site_is_https(
    client, tenant, settings_env, base_url: str, secure: bool
):
    from agent_platform.services.accounts import login_codes
    from agent_platform.settings import get_settings

    settings_env(BASE_URL=base_url)
    token = tenant["Authorization"].removeprefix("Bearer ")
    nonce = "a-browser-login-nonce"  # the browser that logged in holds this cookie
    code = login_codes.issue_login_code(token, browser_nonce=nonce)
    client.cookies.set(get_settings().security.login_nonce_cookie, nonce)
    resp = client.get("/api/v1/auth/web/session", params={"code": code}, follow_redirects=False)
    assert resp.status_code == 303
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie and ("secure" in cookie.split("; ")) is secure
    logout = client.get("/api/v1/auth/web/logout", follow_redirects=False)
    assert ("secure" in logout.headers["set-cookie"].lower().split("; ")) is secure
