"""Revision 0008 gives every existing credential an empty ``allowed_hosts``: HTTP steps must be
told where a credential may go before they can use it again.

The test database goes back to 0007 (no column), then up again as ``make run`` does it:
``alembic`` in a subprocess; ``alembic check`` then finds the models and the schema equal.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import text

from agent_platform.db import session_scope
from agent_platform.launcher.roles import BIN
from agent_platform.models import Credential
from agent_platform.services.credentials import store as credentials
from agent_platform.services.credentials.http_access import resolve_for_http
from agent_platform.services.errors import InvalidInput
from agent_platform.settings import ROOT_DIR
from tests.api.conftest import build_org


def _alembic(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "alembic"), *args],
        cwd=ROOT_DIR, env=dict(os.environ), capture_output=True, text=True, check=True,
    )  # fmt: skip


def _columns() -> set[str]:
    with session_scope() as s:
        rows = s.execute(
            text("SELECT column_name FROM information_schema.columns "
                 "WHERE table_name = 'credentials'")
        ).scalars()  # fmt: skip
        return set(rows)


def test_existing_credentials_get_no_hosts_and_the_schema_matches(db):
    org = build_org("acme", roles=())
    with session_scope() as s:
        cid = credentials.create_credential(
            s, principal=org.principal(s), name="Partner", kind="bearer", provider=None,
            data={"token": "partner-token-0123456789"}, allowed_hosts=["api.partner.com"],
        ).id  # fmt: skip
    _alembic("downgrade", "0007")
    try:
        assert _columns() and "allowed_hosts" not in _columns()
    finally:
        _alembic("upgrade", "heads")
    with session_scope() as s:
        assert s.get(Credential, cid).allowed_hosts == []
        with pytest.raises(InvalidInput, match="has no allowed hosts"):
            resolve_for_http(s, org_id=org.id, credential_id=cid)
    _alembic("check")
