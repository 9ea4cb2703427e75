"""Credential vault crypto: AES-256-GCM bound to tenant and row, with versioned keys.

Token layout (URL-safe base64 of): ``0x01`` format byte, 4-byte big-endian key version,
12-byte random nonce, ciphertext + 16-byte tag. The associated data is the 5-byte header plus
``f"{org_id}:{row_id}"``, so a token copied to another org or row, or relabelled with another key
version, fails authentication.

Keys are derived with HKDF-SHA256 from master secrets configured as one value, e.g.
``SECURITY__VAULT_KEYS="1:<base64>,2:<base64>"`` (the highest version encrypts; older ones only
decrypt until ``rotate`` has moved every row forward).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from agent_platform.engine.protocols import PermanentError
from agent_platform.settings import get_settings

_FORMAT = 1
_HEADER = struct.Struct(">BI")
_NONCE = 12


class VaultError(PermanentError):
    """A credential could not be encrypted or decrypted; the message never holds secret data."""


def derive_key(master: bytes, version: int) -> bytes:
    """A 32-byte AES key for ``version`` from a master secret (HKDF-SHA256).

    Raises:
        VaultError: when the master secret is shorter than 16 bytes.
    """
    if len(master) < 16:
        raise VaultError("Vault master secrets must be at least 16 bytes")
    info = f"agent-platform credential vault v{version}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


@dataclass(frozen=True)
class Keyring:
    """AES keys by version; ``current`` is the one new ciphertexts use.

    Raises:
        VaultError: if ``current`` is missing or a key is not 32 bytes.
    """

    keys: Mapping[int, bytes]
    current: int

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise VaultError(f"Vault key version {self.current} is not configured")
        if any(len(k) != 32 for k in self.keys.values()):
            raise VaultError("Vault keys must be 32 bytes (AES-256)")

    @classmethod
    def from_secrets(cls, secrets: Mapping[int, bytes], current: int | None = None) -> Keyring:
        """Derive each version's key from its master secret; ``current`` defaults to the max."""
        if not secrets:
            raise VaultError("No vault keys configured")
        keys = {v: derive_key(s, v) for v, s in secrets.items()}
        return cls(keys=keys, current=max(keys) if current is None else current)


def parse_keyring(value: str, current: int | None = None) -> Keyring:
    """Parse ``"1:<base64>,2:<base64>"`` (standard or URL-safe base64 master secrets).

    Raises:
        VaultError: malformed entries, duplicate versions or short secrets (never echoed).
    """
    secrets: dict[int, bytes] = {}
    for number, entry in enumerate(filter(None, (e.strip() for e in value.split(","))), 1):
        version_text, sep, encoded = entry.partition(":")
        try:
            version = int(version_text)
            padded = encoded.strip() + "=" * (-len(encoded.strip()) % 4)
            secret = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (ValueError, binascii.Error):
            raise VaultError(f"Vault key entry {number} is not '<version>:<base64>'") from None
        if not sep or version < 1 or version in secrets:
            raise VaultError(f"Vault key entry {number} has a bad or duplicate version")
        secrets[version] = secret
    return Keyring.from_secrets(secrets, current)


class Vault:
    """Encrypts credential dicts for one row of one org.

    Args:
        keyring: the versioned keys (``parse_keyring(settings value)`` in production).
    """

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    def encrypt(self, data: Mapping[str, Any], *, org_id: str, row_id: str) -> str:
        """Encrypt ``data`` (JSON-serialisable) under the current key; returns a text token."""
        version = self._keyring.current
        header = _HEADER.pack(_FORMAT, version)
        nonce = os.urandom(_NONCE)
        plaintext = json.dumps(dict(data), separators=(",", ":")).encode()
        sealed = AESGCM(self._keyring.keys[version]).encrypt(
            nonce, plaintext, _associated(header, org_id, row_id)
        )
        return base64.urlsafe_b64encode(header + nonce + sealed).decode("ascii")

    def decrypt(self, token: str | bytes, *, org_id: str, row_id: str) -> dict[str, Any]:
        """Decrypt a token made for exactly this org and row.

        Raises:
            VaultError: unknown key version, malformed token, tampering or wrong org/row.
        """
        header, version, nonce, sealed = _split(token)
        key = self._keyring.keys.get(version)
        if key is None:
            raise VaultError(f"Credential was encrypted with unknown key version {version}")
        try:
            plaintext = AESGCM(key).decrypt(nonce, sealed, _associated(header, org_id, row_id))
        except InvalidTag:
            raise VaultError(
                "Credential failed authentication (tampered, or not this org's/row's data)"
            ) from None
        return json.loads(plaintext)

    def key_version(self, token: str | bytes) -> int:
        """The key version a token was written with (unauthenticated until decrypted)."""
        return _split(token)[1]

    def needs_rotation(self, token: str | bytes) -> bool:
        """Whether the token uses an older key than the current one."""
        return self.key_version(token) != self._keyring.current

    def rotate(self, token: str | bytes, *, org_id: str, row_id: str) -> str:
        """Re-encrypt under the current key (same org/row); unchanged tokens are re-sealed too.

        Raises:
            VaultError: as ``decrypt``.
        """
        return self.encrypt(
            self.decrypt(token, org_id=org_id, row_id=row_id), org_id=org_id, row_id=row_id
        )


def _associated(header: bytes, org_id: str, row_id: str) -> bytes:
    return header + f"{org_id}:{row_id}".encode()


def _split(token: str | bytes) -> tuple[bytes, int, bytes, bytes]:
    try:
        raw = base64.urlsafe_b64decode(token if isinstance(token, bytes) else token.encode())
    except (ValueError, binascii.Error):
        raise VaultError("Credential ciphertext is malformed") from None
    if len(raw) < _HEADER.size + _NONCE + 16:
        raise VaultError("Credential ciphertext is malformed")
    fmt, version = _HEADER.unpack_from(raw)
    if fmt != _FORMAT:
        raise VaultError("Credential ciphertext has an unknown format")
    start = _HEADER.size
    return raw[:start], version, raw[start : start + _NONCE], raw[start + _NONCE :]


def get_vault() -> Vault:
    """The vault for the configured keys (dev/test: one key derived from ``secret_key``).

    Raises:
        VaultError: malformed ``SECURITY__VAULT_KEYS``.
    """
    security = get_settings().security
    if security.vault_keys is not None:
        return Vault(parse_keyring(security.vault_keys.get_secret_value()))
    master = security.secret_key.get_secret_value().encode()
    return Vault(Keyring.from_secrets({1: master}))
