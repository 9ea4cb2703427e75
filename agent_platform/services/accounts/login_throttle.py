"""Failed log-ins, throttled so one attacker cannot lock other people out.

Failures are counted in three moving windows of 15 minutes (``limits`` on Redis, shared by
every process), each with its own ceiling from ``SecuritySettings``:

- per account and address (``login_attempts_per_15_min``): guessing one account's password
  from one address stops quickly, and only for that account at that address;
- per account (``login_attempts_per_account_15_min``, higher): guessing from many addresses
  still hits a ceiling, which then holds for that account everywhere;
- per address (``login_attempts_per_address_15_min``, much higher): a password spray over many
  accounts from one address is stopped too, without a few typos behind a shared NAT locking
  everyone else out.

An attempt is refused before the password is checked when any window it belongs to is full,
so a throttled caller learns nothing about the password. A correct log-in clears only its own
account-and-address window: the others keep counting, or an attacker holding one account could
reset them.
"""

from __future__ import annotations

import hashlib

from agent_platform.integrations import ratelimit
from agent_platform.services.errors import RateLimited
from agent_platform.settings import get_settings

WINDOW = "15 minutes"


def _digest(*parts: str) -> str:
    # Hashed: emails may contain the key separator, and stay out of Redis key names.
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _windows(email: str, ip: str) -> list[tuple[str, ratelimit.RateLimitItem, tuple[str, ...]]]:
    """``(refusal message, rate, keys)`` for each window the attempt counts in."""
    security = get_settings().security
    address = ip or "-"
    return [
        (
            "Too many failed log-in attempts for this account. Try again later.",
            ratelimit.limit(f"{security.login_attempts_per_15_min}/{WINDOW}"),
            ("login-pair", _digest(email, address)),
        ),
        (
            "Too many failed log-in attempts for this account. Try again later.",
            ratelimit.limit(f"{security.login_attempts_per_account_15_min}/{WINDOW}"),
            ("login-account", _digest(email)),
        ),
        (
            "Too many failed log-in attempts from your network. Try again later.",
            ratelimit.limit(f"{security.login_attempts_per_address_15_min}/{WINDOW}"),
            ("login-address", address),
        ),
    ]


def check(*, email: str, ip: str) -> None:
    """Refuse the attempt when a window it counts in is full.

    Args:
        email: the lower-cased email as typed (known or not: unknown accounts count too).
        ip: the peer address, ``""`` when unknown.

    Raises:
        RateLimited: with ``retry_after`` in seconds (the longest wait of the full windows).
    """
    refused = [
        (wait, message)
        for message, item, keys in _windows(email, ip)
        if (wait := ratelimit.is_exhausted(item, *keys))
    ]
    if refused:
        wait, message = max(refused)
        raise RateLimited(message, retry_after=wait)


def record_failure(*, email: str, ip: str) -> None:
    """Count one failed attempt in every window."""
    for _message, item, keys in _windows(email, ip):
        ratelimit.hit(item, *keys)


def record_success(*, email: str, ip: str) -> None:
    """Forget the account-and-address failures after a correct log-in."""
    _message, item, keys = _windows(email, ip)[0]
    ratelimit.clear(item, *keys)
