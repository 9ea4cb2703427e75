"""``CredentialResolver``: the engine's ``SecretResolver`` on the org's credential vault."""

from __future__ import annotations

import asyncio
import uuid

from agent_platform.db import session_scope
from agent_platform.engine.protocols import HttpSecret, PermanentError
from agent_platform.integrations.vault import VaultError
from agent_platform.services.credentials.http_access import resolve_for_http
from agent_platform.services.errors import InvalidInput, NotFound


class CredentialResolver:
    """The engine's ``SecretResolver`` for one org: each call loads in its own session.

    Args:
        org_id: the run's organization; credentials of other orgs are "not found".
    """

    def __init__(self, org_id: uuid.UUID | str) -> None:
        self._org_id = org_id if isinstance(org_id, uuid.UUID) else uuid.UUID(str(org_id))

    async def resolve_for_http(self, credential_id: str) -> HttpSecret:
        """The decrypted fields and the hosts they may be sent to.

        Raises:
            PermanentError: missing in this org, an LLM provider key, no allowed hosts, or
                undecryptable (no secret in the message).
        """
        return await asyncio.to_thread(self._resolve, credential_id)

    def _resolve(self, credential_id: str) -> HttpSecret:
        try:
            with session_scope() as session:
                found = resolve_for_http(session, org_id=self._org_id, credential_id=credential_id)
        except NotFound:
            raise PermanentError("Credential not found in this organization") from None
        except InvalidInput as exc:
            raise PermanentError(exc.message) from None
        except VaultError:
            raise PermanentError("The stored secret cannot be decrypted") from None
        return HttpSecret(fields=found.fields, allowed_hosts=found.allowed_hosts)
