"""Which credentials HTTP steps may use, and the hosts each may be sent to.

``http_request`` steps and agents' HTTP tools authenticate with a stored credential only
through ``resolve_for_http``: an LLM provider key is never released (it goes only to its
provider, through ``credential_llm``), and any other credential only with the non-empty list
of hosts an admin bound it to (``Credential.allowed_hosts``). The egress client enforces the
list on the pinned host of every hop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from agent_platform.models.credentials import CredentialKind
from agent_platform.services.credentials.store import load_credential, resolve_credential
from agent_platform.services.errors import InvalidInput


@dataclass(frozen=True)
class HttpCredential:
    """A credential released for an HTTP request: its fields and the hosts it may reach."""

    fields: dict[str, Any]
    allowed_hosts: tuple[str, ...]


def resolve_for_http(
    session: Session, *, org_id: uuid.UUID, credential_id: uuid.UUID | str
) -> HttpCredential:
    """A credential of ``org_id`` for an HTTP step's authentication (server-side only).

    An LLM provider key is refused before it is decrypted; so is a credential bound to no
    host. The caller must send the fields only to a host matching ``allowed_hosts``.

    Raises:
        NotFound: no such credential in that organization.
        InvalidInput: an LLM provider key, or no allowed hosts (the message says what to do).
        VaultError: the ciphertext does not authenticate for this org and row.
    """
    row = load_credential(session, org_id, credential_id)
    if row.kind == CredentialKind.LLM_PROVIDER:
        raise InvalidInput(
            f"The credential '{row.name}' is an LLM provider key: it is only sent to its "
            "provider, never by HTTP steps. Use an API key, bearer, basic or custom credential."
        )
    if not row.allowed_hosts:
        raise InvalidInput(
            f"The credential '{row.name}' has no allowed hosts: list the hosts it may be sent "
            "to in Settings → Credentials before HTTP steps can use it."
        )
    fields = resolve_credential(session, org_id=org_id, credential_id=row.id)
    return HttpCredential(fields=fields, allowed_hosts=tuple(row.allowed_hosts))
