"""``CredentialResolver``: the engine's ``SecretResolver`` on the org's credential vault."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from agent_platform.db import session_scope
from agent_platform.engine.protocols import PermanentError
from agent_platform.services.credentials.store import resolve_credential
from agent_platform.services.errors import NotFound


class CredentialResolver:
    """The engine's ``SecretResolver`` for one org: each call loads in its own session.

    Args:
        org_id: the run's organization; credentials of other orgs are "not found".
    """

    def __init__(self, org_id: uuid.UUID | str) -> None:
        self._org_id = org_id if isinstance(org_id, uuid.UUID) else uuid.UUID(str(org_id))

    async def resolve(self, credential_id: str) -> dict[str, Any]:
        """The decrypted credential fields.

        Raises:
            PermanentError: missing in this org, or undecryptable (no secret in the message).
        """
        return await asyncio.to_thread(self._resolve, credential_id)

    def _resolve(self, credential_id: str) -> dict[str, Any]:
        try:
            with session_scope() as session:
                return resolve_credential(session, org_id=self._org_id, credential_id=credential_id)
        except NotFound:
            raise PermanentError("Credential not found in this organization") from None
