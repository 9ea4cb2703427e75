"""Secret tokens (sessions, resets, invitations, API keys) and password hashing.

Tokens are 256-bit random strings from ``secrets``; only their SHA-256 is stored, which is
enough for high-entropy values. Passwords use argon2id through ``argon2-cffi``.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A valid hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def new_token(prefix: str = "") -> str:
    """A fresh URL-safe token with an optional readable prefix, e.g. ``ap_...``."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The hex SHA-256 of ``token`` (64 characters), as stored in the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; constant work when ``password_hash`` is ``None``."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
